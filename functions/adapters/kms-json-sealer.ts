/**
 * Sealing LTI 1.2 secrets (KMS `Encrypt`, docs/security.md "LTI 1.2 secrets at rest") as one signed
 * request (`./aws-json.ts`), for the admin API, which seals and never opens: its cold start does not
 * load the KMS client. The ciphertext is the one `./kms-secret-box.ts` opens: same key, same
 * encryption context, base64 of the ciphertext blob.
 */
import type { SecretBox, SecretContext } from '../ports';
import { kmsJsonService, type AwsCredentials, type AwsJsonService } from './aws-json';

export interface KmsJsonSealerOptions {
  readonly region: string;
  /** The KMS endpoint; `https://kms.{region}.amazonaws.com` by default (local mode: the local endpoint). */
  readonly endpoint?: string;
  readonly credentials: AwsCredentials;
  /** The symmetric secrets key (id, ARN or alias); without one, every seal is refused. */
  readonly keyId: string | undefined;
}

export class KmsJsonSealer implements Pick<SecretBox, 'seal'> {
  private readonly kms: AwsJsonService;

  constructor(private readonly options: KmsJsonSealerOptions) {
    this.kms = kmsJsonService(options);
  }

  async seal(plaintext: string, context: SecretContext): Promise<string> {
    const keyId = this.options.keyId;
    if (!keyId) throw new Error('no secrets key configured (SECRETS_KEY_ID): this function may not seal secrets');
    const { CiphertextBlob } = await this.kms.call<{ CiphertextBlob?: string }>('Encrypt', {
      KeyId: keyId,
      Plaintext: Buffer.from(plaintext, 'utf8').toString('base64'),
      EncryptionContext: { ...context },
    });
    if (!CiphertextBlob) throw new Error(`KMS Encrypt answered no ciphertext for key ${keyId}`);
    return CiphertextBlob;
  }
}
