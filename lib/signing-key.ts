import { DefaultStackSynthesizer, Fn, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccountRootPrincipal, PolicyDocument, PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface SigningKeyProps {
  /**
   * The role that administers the key (policy, tags, aliases, disabling, scheduling deletion). The
   * role CloudFormation deploys with (the CDK bootstrap's `cfn-exec-role`) is added to it, or the
   * next deploy could not update the key policy; KMS refuses a policy that would lock its caller
   * out, so a wrong ARN fails the deploy rather than orphaning the key.
   * @default any principal of the account whose IAM policies allow the administrative actions
   */
  readonly adminRoleArn?: string;
  /**
   * The key's name among the stack's signing keys (docs/operations.md "Rotating the signing key"):
   * its alias ends `signing` for `primary`, `signing-{name}` for another.
   * @default 'primary'
   */
  readonly name?: string;
}

/**
 * What the key's administrators may do: manage the key, never use it. `kms:Sign` is not here, and
 * neither is `kms:CreateGrant`, which would let an administrator hand signing to anyone.
 */
export const KEY_ADMIN_ACTIONS: readonly string[] = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:EnableKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

/** The one algorithm and message type lti-bridge signs with (`functions/adapters/kms-signer.ts`: RS256 over a SHA-256 digest). */
const SIGNING_ALGORITHM = 'RSASSA_PKCS1_V1_5_SHA_256';
const MESSAGE_TYPE = 'DIGEST';

/**
 * The asymmetric KMS key that signs lti-bridge's LTI 1.3 messages and client assertions (RS256 via
 * `RSASSA_PKCS1_V1_5_SHA_256`). The private half never leaves KMS; the JWKS publishes the public half.
 *
 * The key has its own policy instead of CDK's default (the account may do `kms:*`, so any principal
 * allowed `kms:Sign` on `*` could sign as the academy): `kms:Sign` only for the roles given to
 * {@link grantSign}, `kms:GetPublicKey` only for those and the roles given to
 * {@link grantPublicKey}, and administration without use (docs/security.md "The signing key's
 * policy"). Each statement names the account and narrows it with `aws:PrincipalArn`, rather than
 * naming the roles as principals: KMS checks that principals exist when it stores a policy, which a
 * role created seconds earlier in the same deploy may not yet do, and a role recreated under the
 * same name would silently drop out of a principal list but not out of the condition.
 *
 * The key is retained when the stack is deleted: tokens it signed may still be verified by LMSs that
 * cached its public key, and deleting a KMS key cannot be undone. KMS cannot rotate asymmetric keys
 * automatically; rotation is a new key whose ARN goes first in `SIGNING_KEY_IDS`.
 */
export class SigningKey extends Construct {
  readonly key: Key;
  private readonly signerArns: string[] = [];
  private readonly publicKeyReaderArns: string[] = [];
  private readonly signers: IRole[] = [];
  /** Added to the key policy on first use, so that no statement is left with nobody in it. */
  private readonly signing: PolicyStatement;
  private readonly publicKey: PolicyStatement;

  constructor(scope: Construct, id: string, props: SigningKeyProps = {}) {
    super(scope, id);
    const account = new AccountRootPrincipal();
    const administration = new PolicyStatement({
      sid: 'KeyAdministrationWithoutUse',
      principals: [account],
      actions: [...KEY_ADMIN_ACTIONS],
      resources: ['*'],
      conditions: props.adminRoleArn ? { ArnEquals: { 'aws:PrincipalArn': [props.adminRoleArn, ...deployRoleArns(this)] } } : undefined,
    });
    this.signing = new PolicyStatement({
      sid: 'SignOnlyByTheSigningFunctions',
      principals: [account],
      actions: ['kms:Sign'],
      resources: ['*'],
      conditions: {
        ArnEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => this.signerArns }) },
        StringEquals: { 'kms:SigningAlgorithm': SIGNING_ALGORITHM, 'kms:MessageType': MESSAGE_TYPE },
      },
    });
    this.publicKey = new PolicyStatement({
      sid: 'PublicKeyForTheSigningAndJwksFunctions',
      principals: [account],
      actions: ['kms:GetPublicKey'],
      resources: ['*'],
      conditions: { ArnEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => this.publicKeyReaderArns }) } },
    });
    this.key = new Key(this, 'Key', {
      description: `lti-bridge: signs LTI 1.3 id_tokens and client assertions (RS256)${props.name && props.name !== 'primary' ? `; key ${props.name}` : ''}`,
      keySpec: KeySpec.RSA_2048,
      keyUsage: KeyUsage.SIGN_VERIFY,
      policy: new PolicyDocument({ statements: [administration] }),
      // One alias per stack, so that two deployments in one account and region do not collide.
      alias: `alias/lti-bridge/${Stack.of(this).stackName}/signing${props.name && props.name !== 'primary' ? `-${props.name}` : ''}`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The roles that may sign, in the order they were granted. */
  get signingRoles(): readonly IRole[] {
    return this.signers;
  }

  /** Lets `role` sign (RS256 over a digest only) and read the public key: in the key policy and the role's own policy. */
  grantSign(role: IRole): void {
    if (this.signerArns.length === 0) this.key.addToResourcePolicy(this.signing);
    this.addPublicKeyReader(role);
    this.signers.push(role);
    this.signerArns.push(role.roleArn);
    this.key.grant(role, 'kms:Sign', 'kms:GetPublicKey');
  }

  /** Lets `role` read the public key (the JWKS): in the key policy and the role's own policy. */
  grantPublicKey(role: IRole): void {
    this.addPublicKeyReader(role);
    this.key.grant(role, 'kms:GetPublicKey');
  }

  private addPublicKeyReader(role: IRole): void {
    if (this.publicKeyReaderArns.length === 0) this.key.addToResourcePolicy(this.publicKey);
    this.publicKeyReaderArns.push(role.roleArn);
  }
}

/**
 * The role CloudFormation deploys this stack with, when the stack uses the CDK bootstrap's roles:
 * it creates and updates the key policy, so it must stay among the administrators.
 */
function deployRoleArns(scope: Construct): string[] {
  const synthesizer = Stack.of(scope).synthesizer;
  return synthesizer instanceof DefaultStackSynthesizer ? [Fn.sub(synthesizer.cloudFormationExecutionRoleArn)] : [];
}
