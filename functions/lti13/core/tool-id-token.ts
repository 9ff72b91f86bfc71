/**
 * The id_token of an LTI 1.3 launch as a JWS (Security 1.0 §5.1.2-5.1.3, §5.4; RFC 7515 §5.2):
 * reading it, refusing headers that would let the token choose its own key or algorithm (the one
 * header rule of `./jwt.ts`), and verifying its signature and times with jose. The algorithm is
 * fixed to RS256, never taken from the token's header, and the key always comes from the
 * platform's registered key set.
 */
import { errors, jwtVerify, type JWTHeaderParameters, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { LaunchError } from '../../errors';
import type { Clock } from '../../ports';
import { headerProblem, jwsAlgorithm, readJwt, type UnverifiedJwt } from './jwt';
import type { VerificationKey } from './key-sets';

export const idTokenPurpose = 'the signed OpenID Connect token in which the platform describes the launch';

const invalidToken = (message: string, parameter = 'id_token'): LaunchError =>
  new LaunchError(401, 'invalid_token', message, parameter, idTokenPurpose);

/** Decodes header and claims without trusting them; a value that is not a compact JWS is refused. */
export function readIdToken(token: string): UnverifiedJwt {
  const read = readJwt(token);
  if (!read) throw invalidToken('The id_token is not a JSON Web Token: it must be a signed LTI 1.3 launch message.');
  return read;
}

/** The header rule of `./jwt.ts` (RS256, no key named or carried, a `kid`), worded for the launch page. */
export function checkHeader(header: ProtectedHeaderParameters): void {
  const problem = headerProblem(header);
  if (problem?.kind === 'algorithm') {
    throw invalidToken(`The id_token is signed with ${JSON.stringify(problem.alg ?? null)}; only ${jwsAlgorithm} is accepted.`, 'alg');
  }
  if (problem?.kind === 'carries-key') {
    throw invalidToken(
      `The id_token header carries "${problem.parameter}": keys are taken only from the platform's registered key set URL.`,
      problem.parameter,
    );
  }
  if (problem?.kind === 'no-kid') {
    throw invalidToken('The id_token header has no "kid": the platform must name the key of its key set that signed the launch.', 'kid');
  }
}

export interface VerifyOptions {
  /** The verification key named by `kid`, from the platform's key set. */
  readonly key: (kid: string) => Promise<VerificationKey>;
  readonly clock: Clock;
  /** Leeway for `exp` and `iat`, in seconds. */
  readonly clockToleranceSeconds: number;
  /** The oldest `iat` accepted, in seconds (Security 1.0 §5.1.3 step 8). */
  readonly maxAgeSeconds: number;
}

const timeClaims: Readonly<Record<string, string>> = {
  exp: 'The launch has expired (id_token "exp" is in the past); please launch again.',
  iat: 'The id_token "iat" is too far in the past or in the future: check the clock of the platform, or launch again.',
  nbf: 'The id_token is not valid yet ("nbf" is in the future): check the clock of the platform.',
};

/**
 * Verifies the signature with the platform's key and the times (`exp` required and in the future,
 * `iat` required, neither in the future nor older than `maxAgeSeconds`, `nbf` if present), with
 * the configured leeway. Answers the verified claims.
 */
export async function verifyIdToken(token: string, options: VerifyOptions): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, (header: JWTHeaderParameters) => options.key(header.kid ?? ''), {
      algorithms: [jwsAlgorithm],
      currentDate: new Date(options.clock.now()),
      clockTolerance: options.clockToleranceSeconds,
      maxTokenAge: options.maxAgeSeconds,
      requiredClaims: ['exp', 'iat'],
    });
    return payload;
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      throw invalidToken("The id_token's signature does not verify with the platform's key: it was not signed by the registered platform.");
    }
    if (error instanceof errors.JWTExpired || error instanceof errors.JWTClaimValidationFailed) {
      const claim = error.claim;
      if (error.reason === 'missing') throw invalidToken(`The id_token has no "${claim}" claim.`, claim);
      throw invalidToken(timeClaims[claim] ?? `The id_token's "${claim}" claim is not valid.`, claim);
    }
    if (error instanceof errors.JOSEAlgNotAllowed) throw invalidToken(`only ${jwsAlgorithm} is accepted`, 'alg');
    if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid) {
      throw invalidToken(`The id_token is malformed: ${error.message}.`);
    }
    throw error;
  }
}
