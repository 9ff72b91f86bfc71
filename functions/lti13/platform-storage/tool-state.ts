/**
 * The state of a login kept in the platform's storage instead of a cookie (lti-cs-oidc, "OIDC login
 * using platform storage"). Such a state carries, after its random part, the platform origin its
 * storage answers from and the frame it answers in, so that the launch that brings it back can ask
 * that storage without reading anything first (no DynamoDB round trip before the browser's check).
 * It is stored under its hash like every state, so a changed origin or frame is an unknown state.
 */
import { validStorageTarget } from './vocabulary';

/** Where a login's values are kept: the platform's storage origin and frame. */
export interface StorageLocation {
  /** The origin of the platform's OIDC authentication URL (lti-cs-oidc; Canvas: the `sso` origin). */
  readonly origin: string;
  /** The frame named by `lti_storage_target`. */
  readonly target: string;
}

const separator = '.';

/** The state of a storage login: `random.location`, the location base64url-encoded JSON. */
export function storageState(random: string, location: StorageLocation): string {
  return random + separator + Buffer.from(JSON.stringify([location.origin, location.target])).toString('base64url');
}

/** The location a state names, or undefined for a state of the cookie path (or one that is not well-formed). */
export function storageLocation(state: string): StorageLocation | undefined {
  const at = state.indexOf(separator);
  if (at <= 0) return undefined;
  try {
    const [origin, target] = JSON.parse(Buffer.from(state.slice(at + 1), 'base64url').toString('utf8')) as unknown[];
    if (typeof origin !== 'string' || !validStorageTarget(typeof target === 'string' ? target : undefined)) return undefined;
    const parsed = new URL(origin);
    if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.origin !== origin) return undefined;
    return { origin, target: target as string };
  } catch {
    return undefined;
  }
}

/** The origin the platform's storage answers from: that of its OIDC authentication URL (lti-cs-oidc; R4, R6). */
export function platformStorageOrigin(authUrl: string): string {
  return new URL(authUrl).origin;
}
