/**
 * The `SecretBox` port on AWS KMS (docs/security.md "LTI 1.2 secrets at rest"): `Encrypt` and
 * `Decrypt` with a symmetric key and an encryption context, so that the key never leaves KMS and a
 * ciphertext opens only in the context it was sealed in (the AWS Encryption SDK is not needed for
 * secrets this small: KMS encrypts up to 4 KB itself). In local mode the same class talks to the
 * local KMS endpoint (`functions/local/kms-endpoint.ts`).
 *
 * Opened secrets are cached per instance (one per cold start), so that a warm launch costs no KMS
 * request: bounded, least recently used first out, and keyed by the ciphertext *and* its context,
 * so that a ciphertext copied to another record is sent to KMS (and refused) even when it opened in
 * its own record a moment before.
 */
import { createHash } from 'node:crypto';
import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { UnreadableSecretError } from '../errors';
import type { SecretBox, SecretContext } from '../ports';

/** KMS's answers to a ciphertext that is not this key's under this context. */
const UNREADABLE = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

export interface KmsSecretBoxOptions {
  /** How many opened secrets an instance keeps; 500 by default (a few hundred bytes each). */
  readonly cacheSize?: number;
}

export class KmsSecretBox implements SecretBox {
  private readonly opened = new Map<string, Promise<string>>();
  private readonly cacheSize: number;

  /**
   * @param client a KMS client, created once per cold start (`./kms-client.ts`).
   * @param keyId the symmetric key (id, ARN or alias). Without one, every call is refused, so that a
   *   function that is not given the key still starts.
   */
  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string | undefined,
    options: KmsSecretBoxOptions = {},
  ) {
    this.cacheSize = options.cacheSize ?? 500;
  }

  /** One `Encrypt` request; the answer is the ciphertext blob in base64. */
  async seal(plaintext: string, context: SecretContext): Promise<string> {
    const { CiphertextBlob } = await this.client.send(
      new EncryptCommand({ KeyId: this.key(), Plaintext: Buffer.from(plaintext, 'utf8'), EncryptionContext: { ...context } }),
    );
    if (!CiphertextBlob?.length) throw new Error(`KMS Encrypt answered no ciphertext for key ${this.key()}`);
    return Buffer.from(CiphertextBlob).toString('base64');
  }

  /**
   * One `Decrypt` request per ciphertext and context per instance; concurrent first calls share it,
   * and a failed one is not remembered. The key is named, so that a ciphertext of another key of
   * the account is refused rather than opened.
   */
  open(sealed: string, context: SecretContext): Promise<string> {
    const entry = cacheKey(sealed, context);
    const cached = this.opened.get(entry);
    if (cached) {
      this.opened.delete(entry);
      this.opened.set(entry, cached);
      return cached;
    }
    const opening = this.decrypt(sealed, context);
    this.opened.set(entry, opening);
    opening.catch(() => {
      if (this.opened.get(entry) === opening) this.opened.delete(entry);
    });
    while (this.opened.size > this.cacheSize) {
      const oldest = this.opened.keys().next().value as string;
      this.opened.delete(oldest);
    }
    return opening;
  }

  private async decrypt(sealed: string, context: SecretContext): Promise<string> {
    let answer: { Plaintext?: Uint8Array };
    try {
      answer = await this.client.send(
        new DecryptCommand({ KeyId: this.key(), CiphertextBlob: Buffer.from(sealed, 'base64'), EncryptionContext: { ...context } }),
      );
    } catch (error) {
      if (error instanceof Error && UNREADABLE.has(error.name)) {
        throw new UnreadableSecretError(`a sealed secret does not open in its context ${JSON.stringify(context)}: ${error.name}`, {
          cause: error,
        });
      }
      throw error;
    }
    if (!answer.Plaintext) throw new Error(`KMS Decrypt answered no plaintext for key ${this.key()}`);
    return Buffer.from(answer.Plaintext).toString('utf8');
  }

  private key(): string {
    if (!this.keyId) throw new Error('no secrets key configured (SECRETS_KEY_ID): this function may not seal or open secrets');
    return this.keyId;
  }
}

/** The ciphertext and its context, hashed: the cache holds no ciphertext and no context. */
function cacheKey(sealed: string, context: SecretContext): string {
  const pairs = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify([sealed, pairs]))
    .digest('base64');
}
