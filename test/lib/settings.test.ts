import { App } from 'aws-cdk-lib';
import { settingsFromContext } from '../../lib/settings';

const settings = (context: Record<string, unknown>) => settingsFromContext(new App({ context }).node);

describe('settings from CDK context', () => {
  it('reads none when none is given', () => {
    expect(settings({})).toEqual({});
  });

  it('reads the command line, where every value is a string and objects and booleans are JSON', () => {
    expect(
      settings({
        publicUrl: 'https://lti.example.edu',
        keyAdminRoleArn: 'arn:aws:iam::111122223333:role/KeyAdmins',
        throttling: '{"login":{"rateLimit":10,"burstLimit":40}}',
        reservedConcurrency: '{}',
        waf: 'true',
      }),
    ).toEqual({
      publicUrl: 'https://lti.example.edu',
      keyAdminRoleArn: 'arn:aws:iam::111122223333:role/KeyAdmins',
      throttling: { login: { rateLimit: 10, burstLimit: 40 } },
      reservedConcurrency: {},
      waf: true,
    });
    expect(settings({ waf: 'false' })).toEqual({ waf: false });
  });

  it('reads cdk.json, where values keep their types', () => {
    expect(
      settings({
        reservedConcurrency: { admin: 10, passbackWorker: 4 },
        waf: { rateLimit: 2000, webAclArn: 'arn:aws:wafv2:us-east-1:111122223333:global/webacl/x/y' },
      }),
    ).toEqual({
      reservedConcurrency: { admin: 10, passbackWorker: 4 },
      waf: { rateLimit: 2000, webAclArn: 'arn:aws:wafv2:us-east-1:111122223333:global/webacl/x/y' },
    });
  });

  it('treats an empty publicUrl as none', () => {
    expect(settings({ publicUrl: '' })).toEqual({});
  });

  it.each([
    [{ keyAdminRoleArn: 'KeyAdmins' }, /context keyAdminRoleArn must be an IAM role ARN/],
    [{ keyAdminRoleArn: 'arn:aws:iam::111122223333:user/alice' }, /context keyAdminRoleArn must be an IAM role ARN/],
    [{ throttling: '{"login":{"rateLimit":"10"}}' }, /context throttling must be an object/],
    [{ throttling: { everything: { rateLimit: 1, burstLimit: 1 } } }, /context throttling must be an object/],
    [{ reservedConcurrency: '{"admin":"20"}' }, /context reservedConcurrency must be an object of numbers/],
    [{ waf: 'yes' }, /context waf must be true, false or an object/],
    [{ waf: '{"rateLimit":' }, /context waf is not valid JSON/],
    [{ waf: { rateLimt: 2000 } }, /context waf must be true, false or an object/],
    [{ publicUrl: 42 }, /context publicUrl must be a URL/],
  ])('refuses %j, naming the setting', (context, message) => {
    expect(() => settings(context)).toThrow(message);
  });
});
