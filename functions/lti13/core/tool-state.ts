/**
 * The OIDC `state` of an LTI 1.3 login (Security 1.0 §5.1.1.2, OpenID Connect Core §3.1.2.1): a
 * random value stored server-side under its hash and bound to the browser that started the login
 * with a cookie, so that a launch is accepted only from that browser (login CSRF), and only once.
 *
 * The cookie works inside an LMS's cross-site iframe: `SameSite=None; Secure` so that the
 * platform's auto-submitted POST carries it, and `Partitioned` (CHIPS) so that browsers that block
 * third-party cookies keep it in the iframe's partition. Its name carries a short hash of the state,
 * so that logins in two tabs do not overwrite each other's cookie.
 */
import { timingSafeEqual } from 'node:crypto';
import { sha256Base64url } from '../../crypto';

/** How long a login may take to come back as a launch. */
export const stateLifetimeSeconds = 300;

const cookiePrefix = 'lti13_state_';

export function stateCookieName(state: string): string {
  return cookiePrefix + sha256Base64url(`cookie\n${state}`).slice(0, 16);
}

function attributes(environmentId: string, maxAge: number): string {
  return `Max-Age=${maxAge}; Path=/${encodeURIComponent(environmentId)}/lti13; Secure; HttpOnly; SameSite=None; Partitioned`;
}

/** The `Set-Cookie` value that binds `state` to the browser. */
export function stateCookie(environmentId: string, state: string): string {
  return `${stateCookieName(state)}=${state}; ${attributes(environmentId, stateLifetimeSeconds)}`;
}

/** The `Set-Cookie` value that removes a used state's cookie. */
export function clearedStateCookie(environmentId: string, state: string): string {
  return `${stateCookieName(state)}=; ${attributes(environmentId, 0)}`;
}

/** Whether the cookie's value is the posted state (in constant time). */
export function cookieMatches(cookieValue: string | undefined, state: string): boolean {
  if (cookieValue === undefined) return false;
  const a = Buffer.from(cookieValue);
  const b = Buffer.from(state);
  return a.length === b.length && timingSafeEqual(a, b);
}
