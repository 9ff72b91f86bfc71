/**
 * The `Signer` port on AWS KMS: JWTs are signed by KMS `Sign`, so private keys never leave KMS
 * (jose can only sign with in-memory keys; it encodes here and verifies elsewhere). In local mode the
 * same class talks to the local KMS endpoint (`functions/local/kms-endpoint.ts`).
 */
import { createHash } from 'node:crypto';
import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { base64url } from 'jose';
import type { PublicJwk, Signer } from '../ports';
import { count } from '../observability';
import { KMS_RS256, PublicJwkCache, publicJwkOf, SigningKeyError } from './kms-public-jwk';

export { SigningKeyError } from './kms-public-jwk';

/**
 * Signs JWTs with RS256 over AWS KMS asymmetric keys (`RSA_2048` or larger, usage `SIGN_VERIFY`).
 *
 * The first key id signs; every key id is published by {@link KmsSigner.publicKeys}, so that a new
 * key can be published before it signs and an old one kept until its tokens have expired.
 * Public keys are fetched with `GetPublicKey` once per key per instance (one instance per cold
 * start); concurrent first calls share one request, and a failed request is retried on next use.
 */
export class KmsSigner implements Signer {
  private readonly keyIds: readonly string[];
  private readonly jwks = new PublicJwkCache(async (keyId) =>
    publicJwkOf(keyId, await this.client.send(new GetPublicKeyCommand({ KeyId: keyId }))),
  );

  /**
   * @param client a KMS client, created once per cold start (`functions/adapters/kms-client.ts`).
   * @param keyIds KMS key ids, ARNs or alias names; the first is the active (signing) key. An empty
   *   list is refused when a key is first needed, so that functions that never sign still start.
   */
  constructor(
    private readonly client: KMSClient,
    keyIds: readonly string[],
  ) {
    this.keyIds = Object.freeze([...keyIds]);
  }

  /**
   * The JWKS entries (RFC 7517 §5) of every configured key, the active key first. Each `kid` is the
   * key's JWK thumbprint (RFC 7638), so it is stable, derived from the key alone, and the same on
   * AWS and locally.
   */
  async publicKeys(): Promise<readonly PublicJwk[]> {
    return Promise.all(this.configuredKeyIds().map((keyId) => this.publicJwk(keyId)));
  }

  /**
   * A compact JWS (RFC 7515 §7.1) of `payload`, signed with RS256 (RFC 7518 §3.3) by the active key:
   * the protected header is `{alg: "RS256", typ, kid}`, and KMS signs the SHA-256 digest of the
   * signing input `BASE64URL(header) '.' BASE64URL(payload)` (RFC 7515 §5.1). Sending the digest
   * (`MessageType: DIGEST`) rather than the message keeps the request small and within KMS's
   * 4096-byte message limit whatever the payload's size. One `Sign` request per JWT.
   */
  async signJwt(payload: Readonly<Record<string, unknown>>, options: { readonly typ?: string } = {}): Promise<string> {
    const [activeKeyId] = this.configuredKeyIds();
    const { kid } = await this.publicJwk(activeKeyId);
    const header = { alg: 'RS256', typ: options.typ ?? 'JWT', kid };
    const signingInput = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}`;
    const digest = createHash('sha256').update(signingInput, 'utf8').digest();
    const { Signature } = await this.client.send(
      new SignCommand({ KeyId: activeKeyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: KMS_RS256 }),
    );
    if (!Signature?.length) throw new SigningKeyError(`KMS Sign answered no signature for key ${activeKeyId}`);
    count('KmsSign');
    return `${signingInput}.${base64url.encode(Signature)}`;
  }

  private configuredKeyIds(): readonly [string, ...string[]] {
    const [first, ...rest] = this.keyIds;
    if (first === undefined) throw new SigningKeyError('no signing key configured: KmsSigner needs at least one KMS key id');
    return [first, ...rest];
  }

  private publicJwk(keyId: string): Promise<PublicJwk> {
    return this.jwks.get(keyId);
  }
}
