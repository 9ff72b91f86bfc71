/**
 * The public keys of lti-bridge's KMS keys for the JWKS function, fetched with KMS `GetPublicKey`
 * over one SigV4-signed HTTPS request (`./aws-json.ts`), without the AWS SDK client.
 *
 * Why not the SDK: `GET /.well-known/jwks.json` is what every platform and tool fetches to verify
 * lti-bridge's signatures, and the KMS client with its credential chain and retry stack is over
 * 300 KB of code to compile on every cold start, for one JSON POST. The signing functions keep the
 * SDK client (`./kms-signer.ts`); both turn the answer into a JWK the same way (`./kms-public-jwk.ts`).
 * The protocol is KMS's `awsJson1_1`: `POST /`, `X-Amz-Target: TrentService.GetPublicKey`.
 */
import type { PublicJwk } from '../ports';
import { AwsJsonError, kmsJsonService, type AwsJsonService } from './aws-json';
import { PublicJwkCache, publicJwkOf, SigningKeyError } from './kms-public-jwk';

export interface KmsPublicKeySourceOptions {
  readonly region: string;
  /** The KMS endpoint; `https://kms.{region}.amazonaws.com` by default (local mode: the local endpoint). */
  readonly endpoint?: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  readonly keyIds: readonly string[];
  readonly timeoutMs?: number;
}

export class KmsPublicKeySource {
  private readonly kms: AwsJsonService;
  private readonly cache = new PublicJwkCache((keyId) => this.fetchPublicJwk(keyId));

  constructor(private readonly options: KmsPublicKeySourceOptions) {
    this.kms = kmsJsonService(options);
  }

  /** The JWKS entries of every configured key, the active (signing) key first; cached per cold start. */
  async publicKeys(): Promise<readonly PublicJwk[]> {
    if (this.options.keyIds.length === 0) throw new SigningKeyError('no signing key configured');
    return Promise.all(this.options.keyIds.map((keyId) => this.cache.get(keyId)));
  }

  private async fetchPublicJwk(keyId: string): Promise<PublicJwk> {
    const answer = await this.kms
      .call<{ PublicKey?: string; KeyUsage?: string; SigningAlgorithms?: string[] }>('GetPublicKey', { KeyId: keyId })
      .catch((error: unknown) => {
        if (!(error instanceof AwsJsonError)) throw error;
        const status = error.status !== undefined ? `HTTP ${error.status}` : 'no answer';
        throw new SigningKeyError(`KMS GetPublicKey for ${keyId} failed: ${error.type} (${status})`);
      });
    return publicJwkOf(keyId, {
      PublicKey: answer.PublicKey ? Buffer.from(answer.PublicKey, 'base64') : undefined,
      KeyUsage: answer.KeyUsage,
      SigningAlgorithms: answer.SigningAlgorithms,
    });
  }
}
