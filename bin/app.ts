/**
 * CDK entry: one stack, with the AWS Solutions checks of cdk-nag run on every synth (a finding that
 * is not acknowledged, with its reason, in lib/ fails the synth).
 *
 * Settings come from CDK context (lib/settings.ts; README "Deploying to AWS"): `publicUrl`
 * (`cdk deploy -c publicUrl=https://lti.example.edu`) when a custom domain fronts the API,
 * `keyAdminRoleArn`, `throttling`, `reservedConcurrency` and `waf` (docs/security.md).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LtiBridgeStack } from '../lib/lti-bridge-stack';
import { settingsFromContext } from '../lib/settings';

const app = new App();

new LtiBridgeStack(app, 'LtiBridgeStack', {
  description: 'lti-bridge: LTI 1.2 / 1.3 tool and platform service',
  ...settingsFromContext(app.node),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
