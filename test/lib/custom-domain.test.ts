/**
 * The custom domain (issue 16: "a deployment setting for the public base URL, and the CDK wiring for a
 * custom domain with its certificate, used in every generated URL"), read from the synthesized template.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { settingsFromContext } from '../../lib/settings';
import { newApp, synthesize } from '../fixtures/cdk-apps';

const certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/abcd-1234';
const customDomain = { domainName: 'lti.example.edu', certificateArn, hostedZone: { id: 'Z0123456789ABC', name: 'example.edu' } };

describe('customDomain', () => {
  const { stack, template } = synthesize({ customDomain });

  it('creates the regional domain with its certificate, mapped to the API stage at the root', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'lti.example.edu',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' })],
    });
    const mappings = Object.values(template.findResources('AWS::ApiGatewayV2::ApiMapping'));
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties.ApiMappingKey).toBeUndefined();
  });

  it('gives every function https://{domain} as PUBLIC_URL, and outputs it', () => {
    expect(stack.publicUrl).toBe('https://lti.example.edu');
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (resource) => resource.Properties.Environment?.Variables?.PUBLIC_URL !== undefined,
    );
    expect(functions.length).toBeGreaterThan(5);
    for (const fn of functions) expect(fn.Properties.Environment.Variables.PUBLIC_URL).toBe('https://lti.example.edu');
    template.hasOutput('PublicUrl', { Value: 'https://lti.example.edu' });
  });

  it('creates alias A and AAAA records in the hosted zone when one is given', () => {
    for (const type of ['A', 'AAAA']) {
      template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'lti.example.edu.', Type: type, HostedZoneId: 'Z0123456789ABC' });
    }
    const without = synthesize({ customDomain: { domainName: 'lti.example.edu', certificateArn } }).template;
    expect(Object.keys(without.findResources('AWS::Route53::RecordSet'))).toHaveLength(0);
  });

  it('refuses a host that is not one, or customDomain with waf', () => {
    expect(() => synthesize({ customDomain: { ...customDomain, domainName: 'https://lti.example.edu/' } })).toThrow(/host name/);
    expect(() => synthesize({ customDomain, waf: true })).toThrow(/customDomain and waf/);
  });

  it('is read from CDK context, refusing a certificate that is not an ACM ARN', () => {
    const read = (value: unknown) => settingsFromContext(newApp({ customDomain: value }).node).customDomain;
    expect(read(JSON.stringify(customDomain))).toEqual(customDomain);
    expect(() => read(JSON.stringify({ domainName: 'lti.example.edu', certificateArn: 'not-an-arn' }))).toThrow(/customDomain/);
  });
});
