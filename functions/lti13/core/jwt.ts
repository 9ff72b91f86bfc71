/**
 * The one rule for the header of every JWT lti-bridge receives: a launch's id_token (tool side,
 * Security 1.0 §5.1.3) and a tool's client assertion (platform side, Security 1.0 §4.1.1). The
 * algorithm is fixed to RS256 (Security 1.0 §6.1; certification guide §4.2), never taken from the
 * token; the key always comes from the sender's registered key set URL (§6.3), so a header that
 * names or carries its own key (RFC 7515 §4.1.2-4.1.6) is refused rather than having it ignored;
 * and the `kid` must be there to find that key. Each side words the refusal for its own reader.
 */
import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';

/** The only algorithm accepted, for every inbound JWT. */
export const jwsAlgorithm = 'RS256';

/** Header parameters by which a JWS names or carries its own key. */
const keyHeaderParameters = ['jwk', 'jku', 'x5u', 'x5c'] as const;

/** What is wrong with a header, for the caller to word. */
export type HeaderProblem =
  | { readonly kind: 'algorithm'; readonly alg: unknown }
  | { readonly kind: 'carries-key'; readonly parameter: (typeof keyHeaderParameters)[number] }
  | { readonly kind: 'no-kid' };

/** The header rule: RS256, no key named or carried, a `kid`. Undefined when the header passes. */
export function headerProblem(header: ProtectedHeaderParameters): HeaderProblem | undefined {
  if (header.alg !== jwsAlgorithm) return { kind: 'algorithm', alg: header.alg };
  const parameter = keyHeaderParameters.find((name) => name in header);
  if (parameter) return { kind: 'carries-key', parameter };
  if (typeof header.kid !== 'string' || header.kid === '') return { kind: 'no-kid' };
  return undefined;
}

/** A JWT as sent, before any check: only to find what to check it against. */
export interface UnverifiedJwt {
  readonly header: ProtectedHeaderParameters;
  readonly claims: JWTPayload;
}

/** Decodes header and claims without trusting them; undefined for anything but a compact JWS. */
export function readJwt(token: string): UnverifiedJwt | undefined {
  try {
    return { header: decodeProtectedHeader(token), claims: decodeJwt(token) };
  } catch {
    return undefined;
  }
}
