/**
 * The checks every OAuth 1.0a request to the academy shares, whatever carries it (RFC 5849 §3.1-3.3,
 * LTI 1.1 IG §4): an LTI 1.2 launch (form parameters, `./tool-launch.ts`) and a Basic Outcomes request
 * (`Authorization` header, `./platform-outcomes-service.ts`). Each answers whether the request
 * passes; the caller throws its own error, because a launch answers an HTML page for a learner and
 * the outcome service a POX document for a tool.
 */
import type { SingleUseStore } from '../ports';
import { signatureMethods, type SignatureMethod } from './oauth1';

/** RFC 5849 §3.3 leaves the window to the server; the IMS PHP OAuthServer (Moodle, celtic) uses 300 s (essentials §3.3). */
export const timestampWindowSeconds = 300;

/** The OAuth parameters a signed request without a token carries (RFC 5849 §3.1; `oauth_version` is optional). */
export const requiredOauthParameters = [
  'oauth_consumer_key',
  'oauth_signature',
  'oauth_signature_method',
  'oauth_timestamp',
  'oauth_nonce',
] as const;

export type RequiredOauthParameter = (typeof requiredOauthParameters)[number];

/** The required OAuth parameters of a request, all there, as sent. */
export type OauthParameters = Readonly<Record<RequiredOauthParameter, string>>;

/**
 * The values of `names`, read in order by `present`, which answers a value or throws the caller's
 * error for a missing one (a launch page, a POX failure): so the first missing name is the one told.
 */
export function presentParameters<Name extends string>(
  names: readonly Name[],
  present: (name: Name) => string,
): Readonly<Record<Name, string>> {
  const values = {} as Record<Name, string>;
  for (const name of names) values[name] = present(name);
  return values;
}

/** Whether `oauth_signature_method` is one the academy verifies: HMAC-SHA1 (LTI 1.1 IG §4) or HMAC-SHA256. */
export function isSupportedSignatureMethod(value: string | undefined): value is SignatureMethod {
  return signatureMethods.includes(value as SignatureMethod);
}

/** RFC 5849 §3.1: `oauth_version` is optional, and `1.0` when present. */
export function isSupportedOauthVersion(value: string | undefined): boolean {
  return value === undefined || value === '1.0';
}

/** RFC 5849 §3.3: `oauth_timestamp` is whole seconds since the epoch, within the window of `now` (ms), either way. */
export function isFreshTimestamp(value: string | undefined, now: number): boolean {
  return /^\d{1,12}$/.test(value ?? '') && Math.abs(now / 1000 - Number(value)) <= timestampWindowSeconds;
}

/**
 * RFC 5849 §3.3: records the nonce in `scope` (the consumer key, and what else separates it) with
 * one conditional write, kept as long as its timestamp could be accepted; false when it was used
 * before. Run it after `isFreshTimestamp`, on a verified signature.
 */
export function useNonceOnce(
  store: Pick<SingleUseStore, 'useOnce'>,
  scope: string,
  nonce: string,
  timestamp: string,
  now: number,
): Promise<boolean> {
  return store.useOnce(scope, nonce, Number(timestamp) + timestampWindowSeconds + 60, now);
}
