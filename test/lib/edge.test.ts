/**
 * The optional WAF (setting `waf`): a CloudFront distribution with a web ACL of rate-based rules in
 * front of the HTTP API (docs/security.md "Throttling"), read from the synthesized template.
 */
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { functions } from '../../functions/routes';
import { DEFAULT_EDGE_RATE_LIMITS } from '../../lib/edge';
import { DEFAULT_THROTTLING } from '../../lib/http-api';
import { LtiBridgeStack, type LtiBridgeStackProps } from '../../lib/lti-bridge-stack';
import { logicalIdOf, newApp, synthesize } from '../fixtures/cdk-apps';

const US_EAST_1 = { account: '111122223333', region: 'us-east-1' };
const EU_WEST_1 = { account: '111122223333', region: 'eu-west-1' };
const EXISTING_ACL = 'arn:aws:wafv2:us-east-1:111122223333:global/webacl/lti/0f1e2d3c-aaaa-bbbb-cccc-123456789012';
const CERTIFICATE = 'arn:aws:acm:us-east-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';

/** Synthesized as bin/app.ts does, with the AwsSolutions checks: a finding not acknowledged throws. */
function synthesizeChecked(props: LtiBridgeStackProps): { stack: LtiBridgeStack; template: Template } {
  const app = newApp();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new LtiBridgeStack(app, 'LtiBridgeStack', props);
  app.synth();
  return { stack, template: Template.fromStack(stack) };
}

interface RateRule {
  readonly Name: string;
  readonly Action: unknown;
  readonly Statement: { RateBasedStatement: { Limit: number; AggregateKeyType: string; ScopeDownStatement?: unknown } };
}

describe('without waf (the default)', () => {
  it('puts nothing in front of the API: no distribution, no web ACL', () => {
    const { template } = synthesize();
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });
});

describe('with waf, in us-east-1', () => {
  let stack: LtiBridgeStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthesizeChecked({ env: US_EAST_1, waf: true }));
  });

  const distribution = () => template.findResources('AWS::CloudFront::Distribution')[logicalIdOf(stack.edge!.distribution)];
  const domain = () => ({ 'Fn::GetAtt': [logicalIdOf(stack.edge!.distribution), 'DomainName'] });

  it('creates a CloudFront web ACL with a per-address rate rule for every request and a lower one for the login initiation', () => {
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
    const acl = template.findResources('AWS::WAFv2::WebACL')[logicalIdOf(stack.edge!.webAcl!)];
    expect(acl?.Properties).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
    const rules = acl?.Properties.Rules as RateRule[];
    const byName = Object.fromEntries(rules.map((rule) => [rule.Name, rule]));
    expect(Object.keys(byName).sort()).toEqual(['LoginInitiationsPerAddress', 'RequestsPerAddress']);
    for (const rule of rules) {
      expect(rule.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 429 } } });
      expect(rule.Statement.RateBasedStatement.AggregateKeyType).toBe('IP');
    }
    expect(byName.RequestsPerAddress?.Statement.RateBasedStatement).toEqual({
      Limit: DEFAULT_EDGE_RATE_LIMITS.rateLimit,
      AggregateKeyType: 'IP',
      EvaluationWindowSec: 300,
    });
    expect(byName.LoginInitiationsPerAddress?.Statement.RateBasedStatement).toMatchObject({
      Limit: DEFAULT_EDGE_RATE_LIMITS.loginRateLimit,
      ScopeDownStatement: {
        ByteMatchStatement: { FieldToMatch: { UriPath: {} }, PositionalConstraint: 'ENDS_WITH', SearchString: '/lti13/login' },
      },
    });
  });

  it('puts it on a distribution that forwards everything to the HTTP API, uncached, over https only', () => {
    const config = distribution()?.Properties.DistributionConfig;
    expect(config.WebACLId).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack.edge!.webAcl!), 'Arn'] });
    expect(config.Origins).toEqual([
      expect.objectContaining({
        DomainName: {
          'Fn::Join': [
            '',
            [{ Ref: logicalIdOf(stack.httpApi.api) }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }],
          ],
        },
        CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
      }),
    ]);
    expect(config.DefaultCacheBehavior).toMatchObject({
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      ViewerProtocolPolicy: 'https-only',
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // Managed-AllViewerExceptHostHeader
    });
  });

  it('gives LMSs the distribution as PUBLIC_URL, so that their calls pass the WAF', () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(fns).toHaveLength(Object.keys(functions).length);
    for (const fn of fns) expect(fn.Properties.Environment.Variables.PUBLIC_URL).toEqual({ 'Fn::Join': ['', ['https://', domain()]] });
    template.hasOutput('DistributionDomainName', { Value: domain() });
  });

  it('keeps the stage throttling, which bounds requests that go to the API directly', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: DEFAULT_THROTTLING.defaultRoute.rateLimit },
    });
    // WAF cannot be associated with an HTTP API: nothing tries to.
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });

  it('takes other rate limits as settings', () => {
    const { stack: custom, template: t } = synthesize({ env: US_EAST_1, waf: { rateLimit: 1200, loginRateLimit: 100 } });
    const rules = t.findResources('AWS::WAFv2::WebACL')[logicalIdOf(custom.edge!.webAcl!)]?.Properties.Rules as RateRule[];
    expect(rules.map((rule) => [rule.Name, rule.Statement.RateBasedStatement.Limit])).toEqual([
      ['LoginInitiationsPerAddress', 100],
      ['RequestsPerAddress', 1200],
    ]);
    expect(() => synthesize({ env: US_EAST_1, waf: { rateLimit: 5 } })).toThrow(/waf rateLimit must be a whole number .* from 10/);
  });
});

describe('with waf, elsewhere or with a custom domain', () => {
  it('refuses to create the web ACL outside us-east-1, where CloudFront web ACLs cannot be', () => {
    expect(() => synthesize({ env: EU_WEST_1, waf: true })).toThrow(/only in us-east-1, and this stack is in eu-west-1/);
  });

  it('asserts the region at deploy time when the stack does not know it', () => {
    const { template } = synthesize({ waf: true });
    expect(Object.values(template.toJSON().Rules)).toContainEqual({
      Assertions: [
        { Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] }, AssertDescription: expect.stringMatching(/us-east-1/) },
      ],
    });
  });

  it('uses a web ACL created in us-east-1 from any region', () => {
    const { stack, template } = synthesizeChecked({ env: EU_WEST_1, waf: { webAclArn: EXISTING_ACL } });
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(stack.edge?.webAcl).toBeUndefined();
    template.hasResourceProperties('AWS::CloudFront::Distribution', { DistributionConfig: { WebACLId: EXISTING_ACL } });
  });

  it('answers for the custom domain with its certificate, and requires one', () => {
    const { template } = synthesizeChecked({ env: US_EAST_1, publicUrl: 'https://lti.example.edu', waf: { certificateArn: CERTIFICATE } });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: {
        Aliases: ['lti.example.edu'],
        ViewerCertificate: { AcmCertificateArn: CERTIFICATE, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
      },
    });
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment.Variables.PUBLIC_URL).toBe('https://lti.example.edu');
    }
    expect(() => synthesize({ env: US_EAST_1, publicUrl: 'https://lti.example.edu', waf: true })).toThrow(/give waf\.certificateArn/);
    expect(() => synthesize({ env: US_EAST_1, publicUrl: 'https://lti.example.edu/bridge', waf: { certificateArn: CERTIFICATE } })).toThrow(
      /publicUrl must have no path/,
    );
  });
});
