/**
 * `POST /{env}/lti13/token`: the academy's OAuth 2 token endpoint for LTI 1.3 tools (Security 1.0
 * §4.1 and §4.1.1: the client credentials grant, RFC 6749 §4.4, with a JWT client assertion,
 * RFC 7523 §2.2 and §3). Answers an opaque, short-lived bearer token bound to the tool and the
 * environment (`./platform-access-tokens.ts`), or an RFC 6749 §5.2 JSON error.
 *
 * The checks run in the order listed in `checks`, each a small function that throws a
 * `TokenError`. The assertion is verified with RS256 only (never the algorithm its header names)
 * against the tool's registered key set, with `iss` = `sub` = the client id of a tool of this
 * environment, `aud` containing this token URL (only that: the platform tells tools to use the token
 * URL, Security 1.0 §4.1.1), `exp` required and at most an hour ahead, `iat` not in the future, and
 * `jti` used once (one conditional write, kept until `exp`). Errors about the assertion are all
 * `invalid_client` (RFC 7521 §4.2.1); `invalid_grant` does not arise, since client credentials carry
 * no grant of their own.
 */
import { errors, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import type { Environment, Tool } from '../../academy/model';
import { validId } from '../../academy/validation';
import type { Config } from '../../config';
import { HttpError, ltiDisabledMessage } from '../../errors';
import { bodyText, pathParam, singleValues } from '../../http/request';
import { json } from '../../http/responses';
import { oauthNoCache } from '../../http/renderers/oauth-json';
import type { ApiEvent, ApiResult } from '../../http/types';
import { clientAssertionType } from './claims';
import { headerProblem, jwsAlgorithm, readJwt } from './jwt';
import { KeySetError, type VerificationKey } from './key-sets';
import type { EnvironmentStore, SingleUseStore, ToolStore } from '../../ports';
import { issueAccessToken, type PlatformAccessTokenDeps } from './platform-access-tokens';
import { toolScopes } from './platform-id-token';
import { platformConfiguration } from './platform-urls';

/** Security 1.0 §4.1.1 suggests five minutes; an hour bounds how long a `jti` must be remembered. */
export const maxAssertionLifetimeSeconds = 60 * 60;
/** Clock skew allowed between the tool and the academy. */
export const clockToleranceSeconds = 60;

export interface TokenDeps extends PlatformAccessTokenDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly environments: EnvironmentStore;
  readonly tools: ToolStore;
  readonly singleUse: SingleUseStore;
  /** The tools' key sets, cached per instance (`functions/lti13/core/key-sets.ts`). */
  readonly keys: { key(jwksUrl: string, kid: string): Promise<VerificationKey> };
}

/**
 * An RFC 6749 §5.2 error: `code` is the `error`, the message its `error_description`, `field` the
 * parameter at fault (the edge answers it: `../../http/renderers/oauth-json.ts`).
 */
export class TokenError extends HttpError {
  override name = 'TokenError';
}

const invalidRequest = (message: string, field?: string) => new TokenError(400, 'invalid_request', message, { field });
/** RFC 7521 §4.2.1: every problem of the client's authentication, most of them the assertion's. */
const invalidClient = (message: string, field = 'client_assertion', cause?: unknown) =>
  new TokenError(401, 'invalid_client', message, { field, ...(cause !== undefined ? { cause } : {}) });

export interface TokenRequest {
  readonly envId: string;
  readonly params: Readonly<Record<string, string>>;
  readonly repeated: readonly string[];
  readonly contentType: string;
  readonly authorization?: string;
  environment?: Environment;
  header?: ProtectedHeaderParameters;
  unverified?: JWTPayload;
  tool?: Tool;
  claims?: JWTPayload;
}

type Check = (request: TokenRequest, deps: TokenDeps) => void | Promise<void>;

/** RFC 6749 §4.4.2: a form body, each parameter once (§3.2). */
const formBody: Check = (request) => {
  if (!/^application\/x-www-form-urlencoded\b/i.test(request.contentType)) {
    throw invalidRequest('The request body must be application/x-www-form-urlencoded.', 'content-type');
  }
  const [first] = request.repeated;
  if (first) throw invalidRequest(`The parameter ${first} is sent more than once.`, first);
};

const clientCredentialsGrant: Check = (request) => {
  const grant = request.params.grant_type;
  if (!grant) throw invalidRequest('The parameter grant_type is missing: it must be client_credentials.', 'grant_type');
  if (grant !== 'client_credentials') throw new TokenError(400, 'unsupported_grant_type', 'The grant_type must be client_credentials.', { field: 'grant_type' });
};

/** Security 1.0 §4.1.1: tools authenticate with a JWT client assertion, never a secret. */
const jwtClientAuthentication: Check = (request) => {
  if (request.authorization || request.params.client_secret !== undefined) {
    throw invalidClient(
      `Client authentication must be a JWT client assertion (client_assertion_type ${clientAssertionType}), not a secret.`,
      request.authorization ? 'authorization' : 'client_secret',
    );
  }
  if (request.params.client_assertion_type !== clientAssertionType) {
    throw invalidClient(`The client_assertion_type must be ${clientAssertionType}.`, 'client_assertion_type');
  }
  if (!request.params.client_assertion) throw invalidClient('The parameter client_assertion is missing.');
};

/** RFC 6749 §3.3: without a scope the request fails (there is no default scope). */
const scopeRequested: Check = (request) => {
  if (!request.params.scope?.trim()) {
    throw new TokenError(400, 'invalid_scope', 'The parameter scope is missing: ask for the AGS scopes the tool needs.', { field: 'scope' });
  }
};

/** Read, not trusted: only to find the key and the tool to verify it with. */
const readAssertion: Check = (request) => {
  const read = readJwt(request.params.client_assertion!);
  if (!read) throw invalidClient('The client_assertion is not a signed JSON Web Token.');
  request.header = read.header;
  request.unverified = read.claims;
  const problem = headerProblem(read.header);
  if (problem?.kind === 'algorithm') throw invalidClient(`The client_assertion is signed with ${String(problem.alg)}; only ${jwsAlgorithm} is accepted.`);
  if (problem?.kind === 'carries-key') {
    throw invalidClient(`The client_assertion header carries "${problem.parameter}": keys are taken only from the tool's registered key set URL.`);
  }
  if (problem?.kind === 'no-kid') throw invalidClient("The client_assertion header has no kid: it must name the key in the tool's key set.");
};

/** `iss` = `sub` = the client id (Security 1.0 §4.1.1, RFC 7523 §3); the tool and environment in one round trip. */
const knownClient: Check = async (request, deps) => {
  const { iss, sub } = request.unverified!;
  if (typeof sub !== 'string' || !sub) throw invalidClient('The client_assertion has no sub: it must be the client id.');
  if (iss !== sub) throw invalidClient('The client_assertion iss must equal its sub, the client id.');
  const [environment, tool] = await Promise.all([
    validId(request.envId) ? deps.environments.get(request.envId) : undefined,
    validId(sub) ? deps.tools.get(request.envId, sub) : undefined,
  ]);
  if (!environment) throw new TokenError(404, 'invalid_request', 'There is no such environment.');
  if (!environment.ltiEnabled) throw new TokenError(403, 'unauthorized_client', `${ltiDisabledMessage}.`);
  if (!tool) throw invalidClient('The client_assertion sub is not the client id of an LTI 1.3 tool of this environment.');
  request.environment = environment;
  request.tool = tool;
};

const keySetProblems: Record<KeySetError['code'], string> = {
  unknown_kid: "The tool's key set has no RS256 key with the client_assertion's kid.",
  unavailable: "The tool's key set could not be fetched from its registered key set URL.",
  invalid_key_set: "The tool's key set at its registered key set URL is not a valid JWK set.",
};

const jwtProblem = (error: unknown, tokenUrl: string): string | undefined => {
  if (error instanceof errors.JWTExpired) return 'The client_assertion has expired (exp).';
  if (error instanceof errors.JWSSignatureVerificationFailed) return "The client_assertion signature does not verify with the tool's key.";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return `The client_assertion aud must contain the token URL ${tokenUrl}.`;
    if (error.reason === 'missing') return `The client_assertion has no ${error.claim}: it is required.`;
    return `The client_assertion ${error.claim} is not valid: ${error.message}.`;
  }
  if (error instanceof errors.JOSEError) return 'The client_assertion is not a valid signed JSON Web Token.';
  return undefined;
};

/** The signature (RS256 only) with the tool's key, and the registered claims. */
const verifiedAssertion: Check = async (request, deps) => {
  const { tokenUrl } = platformConfiguration(deps.config.publicUrl, request.envId);
  const clientId = request.tool!.clientId;
  let key: VerificationKey;
  try {
    key = await deps.keys.key(request.tool!.jwksUrl, request.header!.kid!);
  } catch (error) {
    if (error instanceof KeySetError) throw invalidClient(keySetProblems[error.code], 'client_assertion', error);
    throw error;
  }
  try {
    const { payload } = await jwtVerify(request.params.client_assertion!, key, {
      algorithms: [jwsAlgorithm],
      issuer: clientId,
      subject: clientId,
      audience: tokenUrl,
      requiredClaims: ['exp', 'iat', 'jti'],
      currentDate: new Date(deps.clock.now()),
      clockTolerance: clockToleranceSeconds,
    });
    request.claims = payload;
  } catch (error) {
    const problem = jwtProblem(error, tokenUrl);
    if (problem) throw invalidClient(problem, 'client_assertion', error);
    throw error;
  }
};

/** `iat` is when the tool made it (not later than now), and `exp` at most an hour ahead. */
const boundedLifetime: Check = (request, deps) => {
  const now = Math.floor(deps.clock.now() / 1000);
  if (request.claims!.iat! > now + clockToleranceSeconds) throw invalidClient('The client_assertion iat is in the future: it must be when the assertion was made.');
  if (request.claims!.exp! > now + maxAssertionLifetimeSeconds + clockToleranceSeconds) {
    throw invalidClient(`The client_assertion exp is too far in the future: at most ${maxAssertionLifetimeSeconds} seconds ahead.`);
  }
  if (typeof request.claims!.jti !== 'string' || !request.claims!.jti) throw invalidClient('The client_assertion jti must be a non-empty string.');
};

/** RFC 7523 §3 item 7: a `jti` once per client, remembered until the assertion expires. */
const jtiUsedOnce: Check = async (request, deps) => {
  const { jti, exp } = request.claims!;
  const fresh = await deps.singleUse.useOnce(
    `lti13-token:${request.envId}:${request.tool!.clientId}`,
    jti!,
    exp! + clockToleranceSeconds,
    deps.clock.now(),
  );
  if (!fresh) throw invalidClient('The client_assertion was already used (its jti was seen before): sign a new one for each token request.');
};

const activatedTool: Check = (request) => {
  if (!request.tool!.activated) throw new TokenError(400, 'unauthorized_client', 'This LTI 1.3 tool is deactivated in the academy.');
};

/** The granted scopes: those requested that a launched tool may have (RFC 6749 §3.3). */
export function grantedScopes(requested: string): string[] {
  const asked = requested.split(' ').filter(Boolean);
  return toolScopes.filter((scope) => asked.includes(scope));
}

const allowedScope: Check = (request) => {
  if (grantedScopes(request.params.scope!).length === 0) {
    throw new TokenError(400, 'invalid_scope', `None of the requested scopes can be granted; a tool may ask for ${toolScopes.join(' ')}.`, { field: 'scope' });
  }
};

/** The checks, in order. */
export const checks: readonly Check[] = [
  formBody,
  clientCredentialsGrant,
  jwtClientAuthentication,
  scopeRequested,
  readAssertion,
  knownClient,
  verifiedAssertion,
  boundedLifetime,
  jtiUsedOnce,
  activatedTool,
  allowedScope,
];

export function readTokenRequest(event: ApiEvent): TokenRequest {
  const { params, repeated } = singleValues(new URLSearchParams(bodyText(event)));
  return {
    envId: pathParam(event, 'env'),
    params,
    repeated,
    contentType: event.headers?.['content-type'] ?? '',
    authorization: event.headers?.authorization,
  };
}

/** Runs the checks and issues the token; the edge answers an error (RFC 6749 §5.2). */
export async function tokenEndpoint(deps: TokenDeps, event: ApiEvent): Promise<ApiResult> {
  const request = readTokenRequest(event);
    for (const check of checks) await check(request, deps);
    const tool = request.tool!;
    const answer = await issueAccessToken(deps, {
      environmentId: request.envId,
      toolId: tool.id,
      clientId: tool.clientId,
      scopes: grantedScopes(request.params.scope!),
    });
  return json(200, answer, oauthNoCache);
}
