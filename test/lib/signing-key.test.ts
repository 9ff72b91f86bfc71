/**
 * The signing key's policy and the alarm on foreign signatures (docs/security.md "The signing
 * key's policy"), read from the synthesized template.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { functions, type FunctionName, type Permission } from '../../functions/routes';
import type { LtiBridgeStack } from '../../lib/lti-bridge-stack';
import { logicalIdOf, synthesize } from '../fixtures/cdk-apps';

interface KeyStatement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Principal: unknown;
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

let stack: LtiBridgeStack;
let template: Template;

beforeAll(() => {
  ({ stack, template } = synthesize());
});

const names = Object.keys(functions) as FunctionName[];
const withPermission = (permission: Permission) =>
  names.filter((name) => (functions[name].permissions as readonly Permission[]).includes(permission)).sort();
const roleArn = (of: LtiBridgeStack, name: FunctionName) => ({ 'Fn::GetAtt': [logicalIdOf(of.functions[name].role), 'Arn'] });
const actions = (s: KeyStatement) => [s.Action].flat();
const ACCOUNT = { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } };

function keyPolicy(of: LtiBridgeStack, t: Template): KeyStatement[] {
  const key = t.findResources('AWS::KMS::Key')[logicalIdOf(of.signingKey.key)];
  return key?.Properties.KeyPolicy.Statement as KeyStatement[];
}

/** Whether a statement's action list covers `action`, wildcards included (`kms:*`, `kms:Sig*`). */
function covers(statement: KeyStatement, action: string): boolean {
  return actions(statement).some((a) => a === '*' || new RegExp(`^${a.replace(/\*/g, '.*')}$`, 'i').test(action));
}

/** The roles a statement is narrowed to (`aws:PrincipalArn`), sorted by logical id. */
function narrowedTo(statement: KeyStatement): unknown[] {
  const arns = [statement.Condition?.ArnEquals?.['aws:PrincipalArn'] ?? []].flat();
  return [...arns].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
const sortedArns = (of: LtiBridgeStack, list: FunctionName[]) =>
  list.map((name) => roleArn(of, name)).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('the signing key policy', () => {
  it('is not CDK default: nothing grants the account kms:* or any action by wildcard', () => {
    const statements = keyPolicy(stack, template);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const action of actions(statement)) expect(action).toMatch(/^kms:[A-Za-z]+$/);
    }
  });

  it('allows kms:Sign only to the roles of the functions that sign, RS256 over a digest', () => {
    const signing = keyPolicy(stack, template).filter((s) => covers(s, 'kms:Sign'));
    expect(signing).toHaveLength(1);
    const [statement] = signing as [KeyStatement];
    expect(actions(statement)).toEqual(['kms:Sign']);
    expect(statement.Principal).toEqual(ACCOUNT);
    expect(narrowedTo(statement)).toEqual(sortedArns(stack, withPermission('kms:sign')));
    expect(statement.Condition?.StringEquals).toEqual({ 'kms:SigningAlgorithm': 'RSASSA_PKCS1_V1_5_SHA_256', 'kms:MessageType': 'DIGEST' });
    expect(Object.keys(statement.Condition ?? {}).sort()).toEqual(['ArnEquals', 'StringEquals']);
  });

  it('signs for the id_token (authorization endpoint), the deep linking response (picker) and the client assertions (passback worker, roster sync) only', () => {
    expect(withPermission('kms:sign')).toEqual(['lti13Authorize', 'lti13DeepLinking', 'passbackWorker', 'rosterSync']);
  });

  it('grants kms:sign to exactly the functions whose handler builds the KMS signer', () => {
    const handlers = join(__dirname, '..', '..', 'functions', 'handlers');
    const building = readdirSync(handlers)
      .filter((file) => readFileSync(join(handlers, file), 'utf8').includes('kmsSigner'))
      .map((file) => file.replace(/\.ts$/, ''));
    const byEntry = names.filter((name) => building.includes(functions[name].entry)).sort();
    expect(byEntry).toEqual(withPermission('kms:sign'));
  });

  it('allows kms:GetPublicKey only to the signing functions and the JWKS function', () => {
    const reading = keyPolicy(stack, template).filter((s) => covers(s, 'kms:GetPublicKey'));
    expect(reading).toHaveLength(1);
    const [statement] = reading as [KeyStatement];
    expect(actions(statement)).toEqual(['kms:GetPublicKey']);
    expect(withPermission('kms:publicKey')).toEqual(['jwks']);
    expect(narrowedTo(statement)).toEqual(sortedArns(stack, [...withPermission('kms:sign'), 'jwks']));
  });

  it('lets the account administer the key, but not use it or hand it on', () => {
    const others = keyPolicy(stack, template).filter((s) => !covers(s, 'kms:Sign') && !covers(s, 'kms:GetPublicKey'));
    expect(others).toHaveLength(1);
    const [administration] = others as [KeyStatement];
    expect(administration.Principal).toEqual(ACCOUNT);
    expect(administration.Condition).toBeUndefined();
    expect(actions(administration)).toEqual(
      expect.arrayContaining(['kms:PutKeyPolicy', 'kms:DescribeKey', 'kms:ScheduleKeyDeletion', 'kms:CreateAlias']),
    );
    for (const use of [
      'kms:Sign',
      'kms:Verify',
      'kms:CreateGrant',
      'kms:Encrypt',
      'kms:Decrypt',
      'kms:ReEncryptFrom',
      'kms:GenerateDataKey',
    ]) {
      expect({ use, covered: covers(administration, use) }).toEqual({ use, covered: false });
    }
  });

  it('with keyAdminRoleArn: administration to that role and the role CloudFormation deploys with, signing unchanged', () => {
    const admin = 'arn:aws:iam::111122223333:role/KeyAdmins';
    const named = synthesize({ keyAdminRoleArn: admin });
    const statements = keyPolicy(named.stack, named.template);
    const [administration] = statements.filter((s) => covers(s, 'kms:PutKeyPolicy')) as [KeyStatement];
    expect(administration.Principal).toEqual(ACCOUNT);
    expect(administration.Condition).toEqual({
      ArnEquals: {
        'aws:PrincipalArn': [
          admin,
          { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}' },
        ],
      },
    });
    const [signing] = statements.filter((s) => covers(s, 'kms:Sign')) as [KeyStatement];
    expect(narrowedTo(signing)).toEqual(sortedArns(named.stack, withPermission('kms:sign')));
    expect(JSON.stringify(signing)).not.toContain('KeyAdmins');
  });
});

describe('the alarm on signatures by anyone else', () => {
  const ruleOf = () => template.findResources('AWS::Events::Rule')[logicalIdOf(stack.signingKeyAlarm.rule)];

  it('matches kms:Sign on this key by any caller but the signing roles, read-only CloudTrail events included', () => {
    const rule = ruleOf();
    expect(rule?.Properties.State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    const pattern = rule?.Properties.EventPattern;
    expect(pattern).toMatchObject({
      source: ['aws.kms'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['kms.amazonaws.com'],
        eventName: ['Sign'],
        resources: { ARN: [{ 'Fn::GetAtt': [logicalIdOf(stack.signingKey.key), 'Arn'] }] },
      },
    });
    const issuer = (branch: { userIdentity: { sessionContext: { sessionIssuer: { arn: unknown[] } } } }) =>
      branch.userIdentity.sessionContext.sessionIssuer.arn;
    const [otherRoles, noRole] = pattern.detail.$or;
    const [{ 'anything-but': allowed }] = issuer(otherRoles) as [{ 'anything-but': unknown[] }];
    expect([...allowed].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      sortedArns(stack, withPermission('kms:sign')),
    );
    // Users, the root user and services sign without an assumed role's session.
    expect(issuer(noRole)).toEqual([{ exists: false }]);
  });

  it('sends each match to the security topic, and alarms on the first', () => {
    const topic = { Ref: logicalIdOf(stack.signingKeyAlarm.topic) };
    expect(ruleOf()?.Properties.Targets).toEqual([expect.objectContaining({ Arn: topic })]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Events',
      MetricName: 'TriggeredRules',
      Dimensions: [{ Name: 'RuleName', Value: { Ref: logicalIdOf(stack.signingKeyAlarm.rule) } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topic],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'events.amazonaws.com' } }),
        ]),
      },
    });
    template.hasOutput('SecurityAlertsTopicArn', { Value: topic });
  });
});

describe('signing keys for rotation (docs/operations.md "Rotating the signing key")', () => {
  it('publishes every key of signingKeys to the functions, the first signing: only it grants kms:Sign', () => {
    const rotating = synthesize({ signingKeys: ['next', 'primary'] });
    const keys = rotating.template.findResources('AWS::KMS::Key');
    expect(Object.values(keys).filter((key) => key.Properties.KeySpec === 'RSA_2048')).toHaveLength(2);
    const [next, primary] = rotating.stack.signingKeys;
    expect(rotating.stack.signingKey).toBe(next);
    // The primary keeps its construct id (its key is not replaced), the next one has its own alias.
    expect(primary!.node.id).toBe('SigningKey');
    const policyOf = (key: typeof next) => keys[logicalIdOf(key!.key)]!.Properties.KeyPolicy.Statement as { Sid?: string }[];
    expect(policyOf(next).map((statement) => statement.Sid)).toContain('SignOnlyByTheSigningFunctions');
    expect(policyOf(primary).map((statement) => statement.Sid)).not.toContain('SignOnlyByTheSigningFunctions');
    expect(policyOf(primary).map((statement) => statement.Sid)).toContain('PublicKeyForTheSigningAndJwksFunctions');
    const jwks = rotating.template.findResources('AWS::Lambda::Function')[logicalIdOf(rotating.stack.functions.jwks.function)]!;
    expect(jwks.Properties.Environment.Variables.SIGNING_KEY_IDS).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(next!.key), 'Arn'] }, ',', { 'Fn::GetAtt': [logicalIdOf(primary!.key), 'Arn'] }]],
    });
  });

  it('refuses an empty, repeated or malformed list of names', () => {
    for (const signingKeys of [[], ['primary', 'primary'], ['Next']]) expect(() => synthesize({ signingKeys })).toThrow(/signingKeys/);
  });
});
