/**
 * OAuth 1.0a signatures as LTI 1.x uses them (RFC 5849 §3.4, LTI 1.1 IG §4): HMAC-SHA1 and
 * HMAC-SHA256 over the signature base string, with the consumer secret and an empty token secret.
 * The base string and HMAC come from `oauth-sign`; this file decides which URL and parameters go in.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as oauthSign from 'oauth-sign';

export type SignatureMethod = 'HMAC-SHA1' | 'HMAC-SHA256';
export const signatureMethods: readonly SignatureMethod[] = ['HMAC-SHA1', 'HMAC-SHA256'];

/**
 * The base string URI (RFC 5849 §3.4.1.2): scheme and host lower-case, the default port left out,
 * no query or fragment, the path as it is.
 */
export function baseStringUri(url: string): string {
  const parsed = new URL(url);
  // WHATWG URL already lower-cases scheme and host and drops the scheme's default port.
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/**
 * The parameters that are signed (RFC 5849 §3.4.1.3.1): the URL's query, the form body and the
 * OAuth parameters, with duplicates kept; `oauth_signature` and `realm` left out.
 */
export function signedParameters(url: string, pairs: readonly (readonly [string, string])[]): Record<string, string[]> {
  const params: Record<string, string[]> = Object.create(null);
  const all = [...new URL(url).searchParams, ...pairs];
  for (const [name, value] of all) {
    if (name === 'oauth_signature' || name === 'realm') continue;
    (params[name] ??= []).push(value);
  }
  return params;
}

/** The RFC 5849 §3.4.1 signature base string. */
export function signatureBaseString(method: string, url: string, pairs: readonly (readonly [string, string])[]): string {
  return oauthSign.generateBase(method, baseStringUri(url), signedParameters(url, pairs));
}

/** The base64 signature of a request (RFC 5849 §3.4.2), with an empty token secret unless given. */
export function oauthSignature(
  signatureMethod: SignatureMethod,
  method: string,
  url: string,
  pairs: readonly (readonly [string, string])[],
  consumerSecret: string,
  tokenSecret = '',
): string {
  return oauthSign.sign(signatureMethod, method, baseStringUri(url), signedParameters(url, pairs), consumerSecret, tokenSecret);
}

/** Compares two signatures in constant time (for equal lengths). */
export function signaturesMatch(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `oauth_body_hash` (OAuth Request Body Hash 1.0 §3.1): base64 of the body's SHA-1 (or SHA-256). */
export function bodyHash(body: string | Buffer, signatureMethod: SignatureMethod = 'HMAC-SHA1'): string {
  return createHash(signatureMethod === 'HMAC-SHA256' ? 'sha256' : 'sha1')
    .update(body)
    .digest('base64');
}

/**
 * Parses an `Authorization: OAuth k="v", …` header (RFC 5849 §3.5.1) into pairs; undefined when it
 * is missing, of another scheme or malformed (never a partial list, never a throw on bad `%XX`).
 */
export function parseAuthorizationHeader(header: string | undefined): [string, string][] | undefined {
  if (!header) return undefined;
  const match = /^\s*OAuth\s+(.*)$/is.exec(header);
  if (!match) return undefined;
  const pairs: [string, string][] = [];
  const re = /\s*([^=\s,]+)\s*=\s*"([^"]*)"\s*(?:,|$)/gy;
  const text = match[1]!.trimEnd();
  let m: RegExpExecArray | null;
  try {
    while (re.lastIndex < text.length && (m = re.exec(text)) !== null) {
      pairs.push([decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)]);
    }
  } catch {
    return undefined; // URIError: a malformed percent-encoding
  }
  return re.lastIndex === text.length ? pairs : undefined;
}

/** Builds an `Authorization: OAuth …` header value from OAuth parameters (RFC 5849 §3.5.1). */
export function authorizationHeader(params: Readonly<Record<string, string>>): string {
  return (
    'OAuth ' +
    Object.entries(params)
      .map(([name, value]) => `${oauthSign.rfc3986(name)}="${oauthSign.rfc3986(value)}"`)
      .join(', ')
  );
}
