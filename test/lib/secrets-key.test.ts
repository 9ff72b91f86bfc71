/**
 * The key that seals LTI 1.2 secrets at rest, and who may use it (docs/security.md "LTI 1.2 secrets
 * at rest"), read from the synthesized template.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { secretContext, secretPurposes } from '../../functions/academy/lti12-secrets';
import { functions, type FunctionName, type Permission } from '../../functions/routes';
import type { LtiBridgeStack } from '../../lib/lti-bridge-stack';
import { SECRET_CONTEXT_KEY } from '../../lib/secrets-key';
import { logicalIdOf, synthesize } from '../fixtures/cdk-apps';

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Principal?: unknown;
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
const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));
const roleArns = (of: LtiBridgeStack, list: FunctionName[]) =>
  list.map((name) => ({ 'Fn::GetAtt': [logicalIdOf(of.functions[name].role), 'Arn'] })).sort(byJson);
const actions = (s: Statement) => [s.Action].flat();
const ACCOUNT = { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } };

const keyResource = (of: LtiBridgeStack, t: Template) => t.findResources('AWS::KMS::Key')[logicalIdOf(of.secretsKey.key)];
const keyPolicy = (of: LtiBridgeStack, t: Template) => keyResource(of, t)?.Properties.KeyPolicy.Statement as Statement[];

/** Whether a statement's action list covers `action`, wildcards included. */
function covers(statement: Statement, action: string): boolean {
  return actions(statement).some((a) => a === '*' || new RegExp(`^${a.replace(/\*/g, '.*')}$`, 'i').test(action));
}
const narrowedTo = (statement: Statement) => [statement.Condition?.ArnEquals?.['aws:PrincipalArn'] ?? []].flat().sort(byJson);

/** Every statement of a function's role: inline policies and attached AWS::IAM::Policy resources. */
function roleStatements(name: FunctionName): Statement[] {
  const roleId = logicalIdOf(stack.functions[name].role);
  const attached = Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) } }),
  ).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  const role = template.findResources('AWS::IAM::Role')[roleId];
  const inline = ((role?.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
  return [...inline, ...attached];
}
const actionsOnKey = (name: FunctionName) =>
  roleStatements(name)
    .filter((s) => s.Effect === 'Allow' && JSON.stringify(s.Resource).includes(`"${logicalIdOf(stack.secretsKey.key)}"`))
    .flatMap(actions)
    .sort();

describe('the secrets key', () => {
  it('is a symmetric encrypt/decrypt key with yearly rotation of its material, retained with the stack, with an alias', () => {
    expect(keyResource(stack, template)).toMatchObject({
      Properties: { KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: Match.stringLikeRegexp('^alias/lti-bridge/.*/secrets$'),
      TargetKeyId: { 'Fn::GetAtt': [logicalIdOf(stack.secretsKey.key), 'Arn'] },
    });
    template.hasOutput('SecretsKeyArn', { Value: { 'Fn::GetAtt': [logicalIdOf(stack.secretsKey.key), 'Arn'] } });
  });

  it('seals for the admin API alone, and opens for the functions that sign or verify LTI 1.2 only', () => {
    expect(withPermission('secrets:seal')).toEqual(['admin']);
    expect(withPermission('secrets:open')).toEqual(['lti12Outcomes', 'lti12Tool', 'lti13Tool', 'passbackWorker', 'platformLaunch']);
    expect(withPermission('secrets:seal').filter((name) => withPermission('secrets:open').includes(name))).toEqual([]);
  });

  it('has an explicit policy: Encrypt for the sealing role, Decrypt for the opening roles, each with a bound context; nothing by wildcard', () => {
    const statements = keyPolicy(stack, template);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.Principal).toEqual(ACCOUNT);
      for (const action of actions(statement)) expect(action).toMatch(/^kms:[A-Za-z]+$/);
    }
    const bound = { Null: { [`kms:EncryptionContext:${SECRET_CONTEXT_KEY}`]: 'false' } };
    const [sealing, ...moreSealing] = statements.filter((s) => covers(s, 'kms:Encrypt'));
    expect(moreSealing).toEqual([]);
    expect(actions(sealing!)).toEqual(['kms:Encrypt']);
    expect(narrowedTo(sealing!)).toEqual(roleArns(stack, withPermission('secrets:seal')));
    expect(sealing!.Condition).toMatchObject(bound);

    const [opening, ...moreOpening] = statements.filter((s) => covers(s, 'kms:Decrypt'));
    expect(moreOpening).toEqual([]);
    expect(actions(opening!)).toEqual(['kms:Decrypt']);
    expect(narrowedTo(opening!)).toEqual(roleArns(stack, withPermission('secrets:open')));
    expect(opening!.Condition).toMatchObject(bound);
  });

  it('binds every secret the functions seal to a context that holds the key the policy requires', () => {
    for (const purpose of Object.values(secretPurposes)) {
      expect(secretContext(purpose, { environmentId: 'e', id: 'a' }, 'k')).toHaveProperty(SECRET_CONTEXT_KEY, purpose);
    }
  });

  it('lets the account administer the key and rotate its material, but not use it nor hand it on', () => {
    const administration = keyPolicy(stack, template).filter((s) => !covers(s, 'kms:Encrypt') && !covers(s, 'kms:Decrypt'));
    expect(administration).toHaveLength(1);
    expect(administration[0]!.Condition).toBeUndefined();
    expect(actions(administration[0]!)).toEqual(
      expect.arrayContaining(['kms:PutKeyPolicy', 'kms:EnableKeyRotation', 'kms:ScheduleKeyDeletion']),
    );
    for (const use of [
      'kms:Encrypt',
      'kms:Decrypt',
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
      'kms:GenerateDataKey',
      'kms:CreateGrant',
      'kms:Sign',
    ]) {
      expect({ use, covered: covers(administration[0]!, use) }).toEqual({ use, covered: false });
    }
  });

  it('with keyAdminRoleArn: administration to that role and the deploy role, use unchanged', () => {
    const admin = 'arn:aws:iam::111122223333:role/KeyAdmins';
    const named = synthesize({ keyAdminRoleArn: admin });
    const statements = keyPolicy(named.stack, named.template);
    const [administration] = statements.filter((s) => covers(s, 'kms:PutKeyPolicy'));
    expect(narrowedTo(administration!)).toContain(admin);
    const [opening] = statements.filter((s) => covers(s, 'kms:Decrypt'));
    expect(narrowedTo(opening!)).toEqual(roleArns(named.stack, withPermission('secrets:open')));
  });
});

describe('each function: the secrets key as its permissions say, and SECRETS_KEY_ID only where it is used', () => {
  it.each(names)('%s', (name) => {
    const has = (permission: Permission) => (functions[name].permissions as readonly Permission[]).includes(permission);
    const expected = [...(has('secrets:open') ? ['kms:Decrypt'] : []), ...(has('secrets:seal') ? ['kms:Encrypt'] : [])];
    expect(actionsOnKey(name)).toEqual(expected);
    const fn = template.findResources('AWS::Lambda::Function')[logicalIdOf(stack.functions[name].function)];
    const variable = fn?.Properties.Environment.Variables.SECRETS_KEY_ID;
    if (expected.length > 0) expect(variable).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack.secretsKey.key), 'Arn'] });
    else expect(variable).toBeUndefined();
  });

  it('grants secrets:open to exactly the functions whose handler builds the opening secret box, and secrets:seal to the sealing one', () => {
    const handlers = join(__dirname, '..', '..', 'functions', 'handlers');
    const building = (what: string) => {
      const files = readdirSync(handlers)
        .filter((file) => readFileSync(join(handlers, file), 'utf8').includes(what))
        .map((file) => file.replace(/\.ts$/, ''));
      return names.filter((name) => files.includes(functions[name].entry)).sort();
    };
    expect(building('kmsSecretBox(')).toEqual(withPermission('secrets:open'));
    expect(building('sealOnlySecretBox(')).toEqual(withPermission('secrets:seal'));
  });
});
