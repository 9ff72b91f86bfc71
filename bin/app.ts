/**
 * CDK entry: one stack, with the AWS Solutions checks of cdk-nag run on every synth (a finding that
 * is not acknowledged, with its reason, in lib/ fails the synth).
 *
 * Context: `publicUrl` (`cdk deploy -c publicUrl=https://lti.example.edu`) when a custom domain
 * fronts the API.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LtiBridgeStack } from '../lib/lti-bridge-stack';

const app = new App();
const publicUrl: unknown = app.node.tryGetContext('publicUrl');
if (publicUrl !== undefined && typeof publicUrl !== 'string') throw new Error('context publicUrl must be a string');

new LtiBridgeStack(app, 'LtiBridgeStack', {
  description: 'lti-bridge: LTI 1.2 / 1.3 tool and platform service',
  publicUrl: publicUrl || undefined,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
