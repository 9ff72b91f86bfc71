import { DefaultStackSynthesizer, Fn, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccountRootPrincipal, PolicyDocument, PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { KEY_ADMIN_ACTIONS } from './signing-key';

export interface SecretsKeyProps {
  /**
   * The role that administers the key, as for the signing key (`./signing-key.ts`): the role
   * CloudFormation deploys with is added to it.
   * @default any principal of the account whose IAM policies allow the administrative actions
   */
  readonly adminRoleArn?: string;
}

/** What the key's administrators may do besides the signing key's: a symmetric key's rotation. */
export const SECRETS_KEY_ADMIN_ACTIONS: readonly string[] = [
  ...KEY_ADMIN_ACTIONS,
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:ListKeyRotations',
];

/**
 * The encryption context key every sealed secret carries (`functions/academy/lti12-secrets.ts`
 * `secretContext`: purpose, environment, activity, key). The key policy refuses `Encrypt` and
 * `Decrypt` without it, so nothing is sealed unbound to a record, even by a granted role.
 */
export const SECRET_CONTEXT_KEY = 'purpose';

/**
 * The symmetric KMS key that seals LTI 1.2 secrets at rest (docs/security.md "LTI 1.2 secrets at
 * rest"): `kms:Encrypt` only for the roles given to {@link grantSeal} (the admin API, which stores
 * secrets), `kms:Decrypt` only for those given to {@link grantOpen} (the functions that sign or
 * verify LTI 1.2 messages), each with an encryption context, and administration without use. The
 * policy is explicit, in the signing key's style (`./signing-key.ts`): each statement names the
 * account and narrows it with `aws:PrincipalArn`.
 *
 * KMS rotates the key material every year (`enableKeyRotation`) and keeps every earlier version, so
 * ciphertexts sealed before a rotation still open; rotating the LTI 1.2 secrets themselves is an
 * admin API call. The key is retained when the stack is deleted: without it, no stored secret opens.
 */
export class SecretsKey extends Construct {
  readonly key: Key;
  private readonly sealerArns: string[] = [];
  private readonly openerArns: string[] = [];
  private readonly sealers: IRole[] = [];
  private readonly openers: IRole[] = [];
  /** Added to the key policy on first use, so that no statement is left with nobody in it. */
  private readonly sealing: PolicyStatement;
  private readonly opening: PolicyStatement;

  constructor(scope: Construct, id: string, props: SecretsKeyProps = {}) {
    super(scope, id);
    const account = new AccountRootPrincipal();
    const bound = { Null: { [`kms:EncryptionContext:${SECRET_CONTEXT_KEY}`]: 'false' } };
    const administration = new PolicyStatement({
      sid: 'KeyAdministrationWithoutUse',
      principals: [account],
      actions: [...SECRETS_KEY_ADMIN_ACTIONS],
      resources: ['*'],
      conditions: props.adminRoleArn ? { ArnEquals: { 'aws:PrincipalArn': [props.adminRoleArn, ...deployRoleArns(this)] } } : undefined,
    });
    this.sealing = new PolicyStatement({
      sid: 'SealOnlyByTheAdminFunction',
      principals: [account],
      actions: ['kms:Encrypt'],
      resources: ['*'],
      conditions: { ArnEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => this.sealerArns }) }, ...bound },
    });
    this.opening = new PolicyStatement({
      sid: 'OpenOnlyByTheLti12Functions',
      principals: [account],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: { ArnEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => this.openerArns }) }, ...bound },
    });
    this.key = new Key(this, 'Key', {
      description: 'lti-bridge: seals LTI 1.2 secrets at rest (Encrypt by the admin API, Decrypt by the LTI 1.2 functions)',
      keySpec: KeySpec.SYMMETRIC_DEFAULT,
      keyUsage: KeyUsage.ENCRYPT_DECRYPT,
      enableKeyRotation: true,
      policy: new PolicyDocument({ statements: [administration] }),
      alias: `alias/lti-bridge/${Stack.of(this).stackName}/secrets`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The roles that may seal, in the order they were granted. */
  get sealingRoles(): readonly IRole[] {
    return this.sealers;
  }

  /** The roles that may open, in the order they were granted. */
  get openingRoles(): readonly IRole[] {
    return this.openers;
  }

  /** Lets `role` encrypt under an encryption context: in the key policy and the role's own policy. */
  grantSeal(role: IRole): void {
    if (this.sealerArns.length === 0) this.key.addToResourcePolicy(this.sealing);
    this.sealers.push(role);
    this.sealerArns.push(role.roleArn);
    this.key.grant(role, 'kms:Encrypt');
  }

  /** Lets `role` decrypt under an encryption context: in the key policy and the role's own policy. */
  grantOpen(role: IRole): void {
    if (this.openerArns.length === 0) this.key.addToResourcePolicy(this.opening);
    this.openers.push(role);
    this.openerArns.push(role.roleArn);
    this.key.grant(role, 'kms:Decrypt');
  }
}

/** The role CloudFormation deploys this stack with, when the stack uses the CDK bootstrap's roles. */
function deployRoleArns(scope: Construct): string[] {
  const synthesizer = Stack.of(scope).synthesizer;
  return synthesizer instanceof DefaultStackSynthesizer ? [Fn.sub(synthesizer.cloudFormationExecutionRoleArn)] : [];
}
