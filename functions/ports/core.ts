/** Ports every area uses: time, signing, outbound HTTP, paging. */

/** Milliseconds since the epoch; injected so that tests control time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A public signing key as published in the JWKS. */
export interface PublicJwk {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
  readonly kid: string;
  readonly alg: 'RS256';
  readonly use: 'sig';
}

/**
 * Signs with keys that never leave KMS. Algorithms are fixed: RS256 (RSASSA-PKCS1-v1_5 SHA-256).
 */
export interface Signer {
  /** Public keys of every configured key, the active (signing) key first. */
  publicKeys(): Promise<readonly PublicJwk[]>;
  /**
   * Signs a JWT with the active key and answers its compact serialization. The protected header
   * is `{alg: "RS256", typ, kid}` with the active key's `kid` (its JWK thumbprint).
   */
  signJwt(payload: Readonly<Record<string, unknown>>, options?: { readonly typ?: string }): Promise<string>;
}

/** Which page of a listing: at most `limit` items, after the cursor `after` (a previous page's `next`). */
export interface PageRequest {
  readonly limit: number;
  readonly after?: string;
}

/** One page of a listing; `next` is the cursor of the following page when there is one. */
export interface Page<T> {
  readonly items: T[];
  readonly next?: string;
}

/** One call to another system (platform JWKS, access tokens, AGS scores, Basic Outcomes). */
export interface OutboundRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Whole-request timeout; defaults to the client's. */
  readonly timeoutMs?: number;
  /** Largest response body accepted; defaults to the client's. */
  readonly maxBytes?: number;
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Every outbound call goes through it: `createHttpClient` in `../http/outbound.ts` checks addresses and limits. */
export interface HttpClient {
  send(request: OutboundRequest): Promise<OutboundResponse>;
}
