/**
 * Access tokens for a platform's services (LTI Core 1.3 §6.2; Security 1.0 §4.1 and §4.1.1): OAuth 2
 * client credentials, the academy authenticating with a JWT client assertion (RFC 7523) signed by
 * the KMS key whose public half the platform reads from the academy's JWKS URL.
 *
 * Tokens are cached per platform registration and scope set for the life of the instance, until
 * shortly before they expire (Security 1.0 §7.1.1), and concurrent requests for the same one share a
 * single token request (so a single KMS `Sign`).
 */
import { count } from '../../observability';
import { randomUUID } from 'node:crypto';
import type { Platform } from '../../academy/model';
import { answerSnippet, retryableAnswer, retryAfterSeconds } from '../../http/lms-answer';
import { OutboundError } from '../../http/outbound';
import type { HttpClient } from '../../ports';
import type { Clock, Signer } from '../../ports';
import { claims, clientAssertionType } from './claims';

export interface ToolAccessTokenDeps {
  readonly http: HttpClient;
  readonly signer: Signer;
  readonly clock: Clock;
}

/**
 * A token could not be had; `retryable` when the platform may give one later (down, slow, 5xx, 429;
 * see `retryableAnswer`), after `retryAfterSeconds` when it said so.
 */
export class AccessTokenError extends Error {
  override name = 'AccessTokenError';

  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** A client assertion lives five minutes (Security 1.0 §4.1.1: "typically five minutes"). */
export const assertionLifetimeSeconds = 300;
/** Without `expires_in`, 1EdTech's recommended lifetime (Security 1.0 §4.1). */
const defaultLifetimeSeconds = 3600;

interface CachedToken {
  readonly token: string;
  /** When to stop using it: shortly before the platform's expiry. */
  readonly renewAt: number;
}

/**
 * The client assertion (Security 1.0 §4.1.1; Core 1.3 §6.2: `iss` = `sub` = client id; §6.2.1
 * deployment id). `aud` is the registration's `tokenAudience` when set (Brightspace names a fixed
 * "OAuth 2 Audience"), else the token URL (RFC 7523 §3 point 3). Times are whole seconds (RFC 7519
 * §2 NumericDate): Blackboard refuses an `iat` with a fraction.
 */
export function clientAssertionClaims(platform: Platform, now: number, jti: string): Record<string, unknown> {
  const iat = Math.floor(now / 1000);
  return {
    iss: platform.clientId,
    sub: platform.clientId,
    aud: platform.tokenAudience ?? platform.tokenUrl,
    iat,
    exp: iat + assertionLifetimeSeconds,
    jti,
    // §6.2.1: the deployment, when the registration names exactly one.
    ...(platform.deploymentIds.length === 1 ? { [claims.deploymentId]: platform.deploymentIds[0] } : {}),
  };
}

/** Stop using a token a minute before it expires, or at half its life when it is short. */
function renewAt(now: number, expiresInSeconds: number): number {
  const margin = Math.min(60, expiresInSeconds / 2);
  return now + (expiresInSeconds - margin) * 1000;
}

export class PlatformTokens {
  private readonly cache = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();

  /** A bearer token of `platform` for `scopes`: cached, or requested once for all concurrent callers. */
  async token(deps: ToolAccessTokenDeps, platform: Platform, scopes: readonly string[]): Promise<string> {
    const key = cacheKey(platform, scopes);
    const cached = this.cache.get(key);
    if (cached && cached.renewAt > deps.clock.now()) {
      count('TokenCacheHit');
      return cached.token;
    }
    count('TokenCacheMiss');
    let request = this.pending.get(key);
    if (!request) {
      request = this.request(deps, platform, scopes, key).finally(() => this.pending.delete(key));
      this.pending.set(key, request);
    }
    return request;
  }

  /** Forgets `token` (the platform answered 401 with it); a newer token for the same key is kept. */
  invalidate(platform: Platform, scopes: readonly string[], token: string): void {
    const key = cacheKey(platform, scopes);
    if (this.cache.get(key)?.token === token) this.cache.delete(key);
  }

  private async request(deps: ToolAccessTokenDeps, platform: Platform, scopes: readonly string[], key: string): Promise<string> {
    const assertion = await deps.signer.signJwt(clientAssertionClaims(platform, deps.clock.now(), randomUUID()));
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: clientAssertionType,
      client_assertion: assertion,
      scope: [...scopes].sort().join(' '),
    }).toString();
    let answer;
    try {
      answer = await deps.http.send({
        method: 'POST',
        url: platform.tokenUrl,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
      });
    } catch (error) {
      if (error instanceof OutboundError && error.code === 'blocked_url') {
        throw new AccessTokenError(`the platform's access token URL is not allowed: ${error.message}`, false);
      }
      throw new AccessTokenError(`the platform's access token URL did not answer: ${(error as Error).message}`, true);
    }
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = JSON.parse(answer.body) as Record<string, unknown>;
    } catch {
      parsed = undefined;
    }
    if (answer.status !== 200) {
      // RFC 6749 §5.2: `error`, and `error_description` for a human; another answer is quoted as it is.
      const oauthError =
        typeof parsed?.error === 'string' ? [parsed.error, parsed.error_description].filter((part) => typeof part === 'string') : [];
      const said = answerSnippet(oauthError.length > 0 ? { status: answer.status, body: oauthError.join(': ') } : answer, [assertion]);
      const hint =
        answer.status === 400 || answer.status === 401
          ? " (check the client id, the deployment id, the token audience and that the platform has the academy's public keyset URL)"
          : '';
      throw new AccessTokenError(
        `the platform's access token URL answered HTTP ${answer.status}${said ? `: ${said}` : ''}${hint}`,
        retryableAnswer(answer),
        retryAfterSeconds(answer, deps.clock.now()),
      );
    }
    const token = parsed?.access_token;
    if (typeof token !== 'string' || token === '' || String(parsed?.token_type ?? '').toLowerCase() !== 'bearer') {
      throw new AccessTokenError("the platform's access token answer has no bearer access_token", false);
    }
    const expiresIn = typeof parsed?.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : defaultLifetimeSeconds;
    this.cache.set(key, { token, renewAt: renewAt(deps.clock.now(), expiresIn) });
    return token;
  }
}

function cacheKey(platform: Platform, scopes: readonly string[]): string {
  // The registration's token URL and audience, client id and deployment are part of the key: editing them asks anew.
  return JSON.stringify([
    platform.environmentId,
    platform.id,
    platform.tokenUrl,
    platform.tokenAudience ?? null,
    platform.clientId,
    platform.deploymentIds,
    [...new Set(scopes)].sort(),
  ]);
}

/** The tokens of this instance (one cold start). */
export const platformTokens = new PlatformTokens();
