/**
 * The public keys of the other side (Security 1.0 §6.3 "Key Set URL", §6.4 "Issuer Public Key
 * Rotation"): a platform's, to verify its launches (tool side), and a tool's, to verify its client
 * assertions (platform side). Each key set, fetched through the outbound client (timeout, size limit, https-only and no
 * internal addresses on AWS), cached per key set URL for the life of the instance (one cold start),
 * and fetched again once when a token names a `kid` the cached set lacks: a rotated key is picked up
 * on the first token signed with it.
 */
import { importJWK, type JWK } from 'jose';
import type { Clock, HttpClient } from '../../ports';

export type KeySetErrorCode = 'unknown_kid' | 'unavailable' | 'invalid_key_set';

export class KeySetError extends Error {
  override name = 'KeySetError';

  constructor(
    readonly code: KeySetErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface RemoteKeySetOptions {
  /** How long a fetched set is used without asking again, when the answer has no `max-age`: 10 minutes. */
  readonly defaultTtlMs?: number;
  /** Bounds for a `Cache-Control: max-age` (Security 1.0 §6.3): 1 minute to 1 hour. */
  readonly minTtlMs?: number;
  readonly maxTtlMs?: number;
  /**
   * No refetch for an unknown `kid` within this time of the last fetch (1 second): however many
   * launches name unknown keys, a platform's key set is fetched at most once a second.
   */
  readonly cooldownMs?: number;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

export type VerificationKey = Awaited<ReturnType<typeof importJWK>>;

interface CachedSet {
  readonly keys: readonly JWK[];
  readonly fetchedAt: number;
  readonly expiresAt: number;
  readonly imported: Map<string, Promise<VerificationKey>>;
}

/** Whether a JWK can verify RS256 signatures (RFC 7517 §4.2-4.3, RFC 7518 §6.3.1). */
function verifiesRs256(jwk: JWK): boolean {
  return (
    jwk.kty === 'RSA' &&
    typeof jwk.n === 'string' &&
    typeof jwk.e === 'string' &&
    typeof jwk.kid === 'string' &&
    (jwk.use === undefined || jwk.use === 'sig') &&
    (jwk.alg === undefined || jwk.alg === 'RS256') &&
    (jwk.key_ops === undefined || jwk.key_ops.includes('verify'))
  );
}

/** RFC 7518 §3.3: RS256 keys have at least 2048 bits (jose refuses smaller ones when verifying). */
async function importRs256(jwk: JWK): Promise<VerificationKey> {
  const invalid = () =>
    new KeySetError('invalid_key_set', `the platform's key "${jwk.kid}" is not a valid RSA public key of 2048 bits or more`);
  if (!/^[A-Za-z0-9_-]+$/.test(jwk.n!) || !/^[A-Za-z0-9_-]+$/.test(jwk.e!)) throw invalid();
  if (
    Buffer.from(jwk.n!, 'base64url')
      .toString('hex')
      .replace(/^(00)+/, '').length *
      4 <
    2048
  )
    throw invalid();
  try {
    return await importJWK({ ...jwk, alg: 'RS256' }, 'RS256');
  } catch {
    throw invalid();
  }
}

function maxAgeMs(cacheControl: string | undefined): number | undefined {
  const match = /(?:^|,)\s*max-age\s*=\s*(\d+)/i.exec(cacheControl ?? '');
  return match ? Number(match[1]) * 1000 : undefined;
}

/** The key sets of the platforms (tool side) or of the tools (platform side), cached per key set URL. */
export class RemoteKeySets {
  private readonly sets = new Map<string, CachedSet>();
  private readonly pending = new Map<string, Promise<CachedSet>>();
  private readonly options: Required<RemoteKeySetOptions>;

  constructor(
    private readonly http: HttpClient,
    private readonly clock: Clock,
    options: RemoteKeySetOptions = {},
  ) {
    this.options = {
      defaultTtlMs: 10 * 60_000,
      minTtlMs: 60_000,
      maxTtlMs: 60 * 60_000,
      cooldownMs: 1000,
      timeoutMs: 3000,
      maxBytes: 64 * 1024,
      ...options,
    };
  }

  /**
   * The RS256 verification key `kid` of the key set at `jwksUrl`. Uses the cached set while it is
   * fresh; when it lacks `kid`, fetches the set again once (unless it was fetched within the
   * cooldown), then gives up with `unknown_kid`.
   */
  async key(jwksUrl: string, kid: string): Promise<VerificationKey> {
    let set = this.sets.get(jwksUrl);
    let fetchedNow = false;
    if (!set || set.expiresAt <= this.clock.now()) {
      set = await this.fetch(jwksUrl);
      fetchedNow = true;
    }
    let jwk = set.keys.find((candidate) => candidate.kid === kid);
    if (!jwk && !fetchedNow && this.clock.now() - set.fetchedAt >= this.options.cooldownMs) {
      set = await this.fetch(jwksUrl);
      jwk = set.keys.find((candidate) => candidate.kid === kid);
    }
    if (!jwk) throw new KeySetError('unknown_kid', `the platform's key set has no RS256 signing key with kid "${kid}"`);
    let imported = set.imported.get(kid);
    if (!imported) {
      imported = importRs256(jwk);
      set.imported.set(kid, imported);
    }
    return imported;
  }

  /** Fetches a key set; concurrent callers share one request. */
  private fetch(jwksUrl: string): Promise<CachedSet> {
    let request = this.pending.get(jwksUrl);
    if (!request) {
      request = this.download(jwksUrl).finally(() => this.pending.delete(jwksUrl));
      this.pending.set(jwksUrl, request);
    }
    return request;
  }

  private async download(jwksUrl: string): Promise<CachedSet> {
    let answer;
    try {
      answer = await this.http.send({
        method: 'GET',
        url: jwksUrl,
        headers: { accept: 'application/jwk-set+json, application/json' },
        timeoutMs: this.options.timeoutMs,
        maxBytes: this.options.maxBytes,
      });
    } catch (error) {
      throw new KeySetError('unavailable', `the platform's key set could not be fetched: ${(error as Error).message}`);
    }
    if (answer.status !== 200) throw new KeySetError('unavailable', `the platform's key set URL answered HTTP ${answer.status}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      throw new KeySetError('invalid_key_set', "the platform's key set is not JSON");
    }
    const keys = (parsed as { keys?: unknown })?.keys;
    if (!Array.isArray(keys)) throw new KeySetError('invalid_key_set', 'the platform\'s key set has no "keys" array (RFC 7517 §5)');
    const now = this.clock.now();
    const { minTtlMs, maxTtlMs, defaultTtlMs } = this.options;
    const ttl = Math.min(maxTtlMs, Math.max(minTtlMs, maxAgeMs(answer.headers['cache-control']) ?? defaultTtlMs));
    const set: CachedSet = {
      keys: keys.filter((key): key is JWK => typeof key === 'object' && key !== null && verifiesRs256(key as JWK)),
      fetchedAt: now,
      expiresAt: now + ttl,
      imported: new Map(),
    };
    this.sets.set(jwksUrl, set);
    return set;
  }
}
