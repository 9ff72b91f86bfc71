/**
 * The two primitives behind every one-time secret the service hands out (SSO codes, launch
 * tickets, access tokens, login hints, OIDC state and nonce, browser-binding cookies): a random
 * opaque value, and the hash it is stored under, so that a leaked table leaks nothing usable.
 */
import { createHash, randomBytes } from 'node:crypto';

/** `bytes` random bytes from `crypto` (256 bits unless told), base64url without padding. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 of the UTF-8 text, base64url without padding: the key a secret is stored under. */
export function sha256Base64url(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
