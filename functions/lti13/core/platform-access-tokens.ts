/**
 * OAuth 2 access tokens for LTI 1.3 tools (academy as platform; Security Framework §4.1, RFC 6749
 * §5.1, RFC 6750): opaque 256-bit random bearer tokens, stored only as a hash with what they grant,
 * short-lived and bound to one tool of one environment.
 */
import { randomToken, sha256Base64url } from '../../crypto';
import { HttpError } from '../../errors';
import type { AccessTokenGrant, AccessTokenStore, Clock } from '../../ports';

/** One hour, the lifetime the Security Framework §4.1 examples use. */
export const accessTokenLifetimeSeconds = 3600;

export interface PlatformAccessTokenDeps {
  readonly accessTokens: AccessTokenStore;
  readonly clock: Clock;
}

/** Issues a token; answers the RFC 6749 §5.1 token response. */
export async function issueAccessToken(
  deps: PlatformAccessTokenDeps,
  grant: Omit<AccessTokenGrant, 'expiresAt'>,
): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number; scope: string }> {
  const token = randomToken();
  const expiresAt = Math.floor(deps.clock.now() / 1000) + accessTokenLifetimeSeconds;
  await deps.accessTokens.save(sha256Base64url(token), { ...grant, expiresAt });
  return { access_token: token, token_type: 'Bearer', expires_in: accessTokenLifetimeSeconds, scope: grant.scopes.join(' ') };
}

/** RFC 6750 §3 errors carry a `WWW-Authenticate` challenge (the edge writes it). */
function bearerError(status: number, code: string, message: string): HttpError {
  return new HttpError(status, code, message, { field: 'authorization', challenge: 'Bearer' });
}

/**
 * Checks an `Authorization: Bearer …` header: the token must be known, unexpired, issued in this
 * environment, and grant `scope` (RFC 6750 §3.1: 401 `invalid_token`, 403 `insufficient_scope`).
 */
export async function requireAccessToken(
  deps: PlatformAccessTokenDeps,
  environmentId: string,
  authorization: string | undefined,
  scope: string | readonly string[],
): Promise<AccessTokenGrant> {
  const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(authorization ?? '');
  if (!match) throw bearerError(401, 'invalid_token', 'an access token is required (Authorization: Bearer)');
  const grant = await deps.accessTokens.find(sha256Base64url(match[1]!), deps.clock.now());
  if (!grant || grant.environmentId !== environmentId) throw bearerError(401, 'invalid_token', 'the access token is unknown or expired');
  const accepted = typeof scope === 'string' ? [scope] : scope;
  if (!accepted.some((s) => grant.scopes.includes(s))) {
    throw bearerError(403, 'insufficient_scope', `the access token does not grant ${accepted.join(' or ')}`);
  }
  return grant;
}
