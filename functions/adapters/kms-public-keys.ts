/**
 * The public keys of lti-bridge's KMS keys for the JWKS function, fetched with KMS `GetPublicKey`
 * over one SigV4-signed HTTPS request (`@smithy/signature-v4`), without the AWS SDK client.
 *
 * Why not the SDK: `GET /.well-known/jwks.json` is what every platform and tool fetches to verify
 * lti-bridge's signatures, and the KMS client with its credential chain and retry stack is over
 * 300 KB of code to compile on every cold start, for one JSON POST. The signing functions keep the
 * SDK client (`./kms-signer.ts`); both turn the answer into a JWK the same way (`./kms-public-jwk.ts`).
 * The protocol is KMS's `awsJson1_1`: `POST /`, `X-Amz-Target: TrentService.GetPublicKey`.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { PublicJwk } from '../ports';
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
  private readonly url: URL;
  private readonly sigv4: SignatureV4;
  private readonly cache = new PublicJwkCache((keyId) => this.fetchPublicJwk(keyId));

  constructor(private readonly options: KmsPublicKeySourceOptions) {
    this.url = new URL(options.endpoint ?? `https://kms.${options.region}.amazonaws.com/`);
    this.sigv4 = new SignatureV4({ service: 'kms', region: options.region, credentials: options.credentials, sha256: Sha256 });
  }

  /** The JWKS entries of every configured key, the active (signing) key first; cached per cold start. */
  async publicKeys(): Promise<readonly PublicJwk[]> {
    if (this.options.keyIds.length === 0) throw new SigningKeyError('no signing key configured');
    return Promise.all(this.options.keyIds.map((keyId) => this.cache.get(keyId)));
  }

  private async fetchPublicJwk(keyId: string): Promise<PublicJwk> {
    const body = JSON.stringify({ KeyId: keyId });
    const signed = await this.sigv4.sign({
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      ...(this.url.port ? { port: Number(this.url.port) } : {}),
      path: this.url.pathname,
      query: {},
      headers: {
        host: this.url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'TrentService.GetPublicKey',
      },
      body,
    });
    const response = await fetch(this.url, {
      method: 'POST',
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 3000),
    });
    const answer = (await response.json().catch(() => ({}))) as {
      PublicKey?: string;
      KeyUsage?: string;
      SigningAlgorithms?: string[];
      __type?: string;
      message?: string;
    };
    if (!response.ok) {
      const type = (answer.__type ?? 'error').split('#').pop();
      throw new SigningKeyError(`KMS GetPublicKey for ${keyId} failed: ${type} (HTTP ${response.status})`);
    }
    return publicJwkOf(keyId, {
      PublicKey: answer.PublicKey ? Buffer.from(answer.PublicKey, 'base64') : undefined,
      KeyUsage: answer.KeyUsage,
      SigningAlgorithms: answer.SigningAlgorithms,
    });
  }
}
