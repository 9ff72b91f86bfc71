/**
 * A KMS `GetPublicKey` answer as a JWKS entry (RFC 7517 §5), shared by the signer and by the JWKS
 * function's light key source. The `kid` is the key's JWK thumbprint (RFC 7638): stable, derived
 * from the key alone, and the same on AWS and locally.
 */
import { createPublicKey } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import type { PublicJwk } from '../ports';

/** KMS's name for RS256 (RFC 7518 §3.3: RSASSA-PKCS1-v1_5 using SHA-256). */
export const KMS_RS256 = 'RSASSA_PKCS1_V1_5_SHA_256';

/** Thrown when a configured key cannot sign RS256 JWTs, or none is configured. */
export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

/** The fields of a KMS `GetPublicKey` answer that matter here. */
export interface KmsPublicKeyAnswer {
  readonly PublicKey?: Uint8Array;
  readonly KeyUsage?: string;
  readonly SigningAlgorithms?: readonly string[];
}

/** Checks that a key can sign RS256 and converts its DER SPKI public key to a JWK with `kid`. */
export async function publicJwkOf(keyId: string, answer: KmsPublicKeyAnswer): Promise<PublicJwk> {
  if (!answer.PublicKey?.length) throw new SigningKeyError(`KMS key ${keyId} has no public key`);
  if (answer.KeyUsage !== undefined && answer.KeyUsage !== 'SIGN_VERIFY') {
    throw new SigningKeyError(`KMS key ${keyId} has key usage ${answer.KeyUsage}, not SIGN_VERIFY`);
  }
  if (answer.SigningAlgorithms !== undefined && !answer.SigningAlgorithms.includes(KMS_RS256)) {
    throw new SigningKeyError(`KMS key ${keyId} does not support ${KMS_RS256}`);
  }
  const exported = createPublicKey({ key: Buffer.from(answer.PublicKey), format: 'der', type: 'spki' }).export({ format: 'jwk' });
  if (exported.kty !== 'RSA' || !exported.n || !exported.e) throw new SigningKeyError(`KMS key ${keyId} is not an RSA key`);
  const { n, e } = exported;
  return Object.freeze({
    kty: 'RSA',
    n,
    e,
    kid: await calculateJwkThumbprint({ kty: 'RSA', n, e }, 'sha256'),
    alg: 'RS256',
    use: 'sig',
  });
}

/**
 * Caches one promise per key id for the life of the instance (one cold start): concurrent first
 * calls share one request, and a failure is forgotten so that the next call asks KMS again.
 */
export class PublicJwkCache {
  private readonly entries = new Map<string, Promise<PublicJwk>>();

  constructor(private readonly fetch: (keyId: string) => Promise<PublicJwk>) {}

  get(keyId: string): Promise<PublicJwk> {
    let entry = this.entries.get(keyId);
    if (!entry) {
      const pending = this.fetch(keyId);
      entry = pending;
      this.entries.set(keyId, pending);
      pending.catch(() => {
        if (this.entries.get(keyId) === pending) this.entries.delete(keyId);
      });
    }
    return entry;
  }
}
