/**
 * What an error's renderer needs from the request besides the error: the LTI 1.x launch's verified
 * return URL, the authorization request's checked redirect URI and `state`, the POX request's
 * identifier. The endpoint declares it once, as a function of its own request state, and throws; the
 * edge reads it only when an error is rendered, so it sees the state as far as the checks got.
 */
import type { ApiEvent } from './types';

export interface ErrorContext {
  /** Launch page: cookies set with the error page (e.g. a login's state cookie, cleared). */
  readonly cookies?: readonly string[];
  /**
   * Launch page: the LMS's `launch_presentation_return_url`, given only once the launch is verified;
   * errors below 500 are then sent back there (LTI 1.1 IG §4.3).
   */
  readonly returnUrl?: string;
  /** Form post: the redirect URI, once known to be registered, and the request's `state` (OIDC Core §3.1.2.6). */
  readonly redirect?: { readonly uri: string; readonly state?: string };
  /** POX: the request's `imsx_messageIdentifier` and operation, which the answer echoes. */
  readonly pox?: { readonly messageRefIdentifier: string; readonly operation: string };
}

const contexts = new WeakMap<ApiEvent, () => ErrorContext>();

/** Declares what this request's errors are rendered with; `context` is called when one is. */
export function renderErrorsWith(event: ApiEvent, context: () => ErrorContext): void {
  contexts.set(event, context);
}

/** The error context the endpoint declared for `event`, or none. */
export function errorContextOf(event: ApiEvent): ErrorContext {
  return contexts.get(event)?.() ?? {};
}
