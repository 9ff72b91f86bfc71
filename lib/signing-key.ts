import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * The asymmetric KMS key that signs lti-bridge's LTI 1.3 messages and client assertions (RS256 via
 * `RSASSA_PKCS1_V1_5_SHA_256`). The private half never leaves KMS; the JWKS publishes the public half.
 *
 * The key is retained when the stack is deleted: tokens it signed may still be verified by LMSs that
 * cached its public key, and deleting a KMS key cannot be undone. KMS cannot rotate asymmetric keys
 * automatically; rotation is a new key whose ARN goes first in `SIGNING_KEY_IDS`.
 */
export class SigningKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'lti-bridge: signs LTI 1.3 id_tokens and client assertions (RS256)',
      keySpec: KeySpec.RSA_2048,
      keyUsage: KeyUsage.SIGN_VERIFY,
      // One alias per stack, so that two deployments in one account and region do not collide.
      alias: `alias/lti-bridge/${Stack.of(this).stackName}/signing`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
