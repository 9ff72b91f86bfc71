/**
 * `POST /{env}/lti13/token`: the academy's OAuth 2 token endpoint for LTI 1.3 tools (Security 1.0
 * §4.1 and §4.1.1: the client credentials grant, RFC 6749 §4.4, with a JWT client assertion,
 * RFC 7523 §2.2 and §3). Answers an opaque, short-lived bearer token bound to the tool and the
 * environment (`./platform-access-tokens.ts`), or an RFC 6749 §5.2 JSON error.
 *
 * The request goes through typed phases (the request in its environment, the asserted request, the
 * client's request, the verified request), each with its list of small checks that throw a
 * `TokenError`; the environment is checked before anything else. The assertion is verified with RS256 only (never the algorithm its header names)
 * against the tool's registered key set, with `iss` = `sub` = the client id of a tool of this
 * environment, `aud` containing this token URL (Security 1.0 §4.1.1) or the `authorization_server`
 * the environment's OpenID configuration names (Dynamic Registration 1.0 §2.1: the issuer), `exp` required and at most an hour ahead, `iat` not in the future, and
 * `jti` used once (one conditional write, kept until `exp`). Errors about the assertion are all
 * `invalid_client` (RFC 7521 §4.2.1); `invalid_grant` does not arise, since client credentials carry
 * no grant of their own.
 */
import { passes, type Check as PhaseCheck } from '../../lti/pipeline';
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
import { checkLtiEnvironment, type EnvironmentRefusals } from '../../lti/checks';
import { issueAccessToken, type PlatformAccessTokenDeps } from './platform-access-tokens';
import { scopesOf } from './platform-id-token';
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

/** Phase 1: the token request as the tool posted it. */
export interface TokenRequest {
  readonly envId: string;
  readonly params: Readonly<Record<string, string>>;
  readonly repeated: readonly string[];
  readonly contentType: string;
  readonly authorization?: string;
}

/** Phase 2: in an environment that exists and has LTI switched on. */
export interface TokenRequestInEnvironment extends TokenRequest {
  readonly environment: Environment;
}

/** Phase 3: a client credentials request with a client assertion, read (not trusted), and a scope. */
export interface AssertedRequest extends TokenRequestInEnvironment {
  readonly assertion: string;
  readonly scope: string;
  readonly header: ProtectedHeaderParameters & { readonly kid: string };
  readonly unverified: JWTPayload;
}

/** Phase 4: the tool the assertion names. */
export interface ClientRequest extends AssertedRequest {
  readonly tool: Tool;
}

/** The claims of a verified assertion, with the ones it must carry (RFC 7523 §3). */
export type AssertionClaims = JWTPayload & { readonly exp: number; readonly iat: number; readonly jti: string };

/** Phase 5: the assertion verified with the tool's key. */
export interface VerifiedRequest extends ClientRequest {
  readonly claims: AssertionClaims;
}

type Check<Phase> = PhaseCheck<Phase, TokenDeps>;

/** The token endpoint's answers to an unknown environment and to LTI switched off (RFC 6749 §5.2 codes). */
const tokenRefusals: EnvironmentRefusals = {
  unknown: () => new TokenError(404, 'invalid_request', 'There is no such environment.'),
  disabled: () => new TokenError(403, 'unauthorized_client', `${ltiDisabledMessage}.`),
};

// --- Phase 2: the request ---

/** RFC 6749 §4.4.2: a form body, each parameter once (§3.2). */
const formBody: Check<TokenRequestInEnvironment> = (request) => {
  if (!/^application\/x-www-form-urlencoded\b/i.test(request.contentType)) {
    throw invalidRequest('The request body must be application/x-www-form-urlencoded.', 'content-type');
  }
  const [first] = request.repeated;
  if (first) throw invalidRequest(`The parameter ${first} is sent more than once.`, first);
};

const clientCredentialsGrant: Check<TokenRequestInEnvironment> = (request) => {
  const grant = request.params.grant_type;
  if (!grant) throw invalidRequest('The parameter grant_type is missing: it must be client_credentials.', 'grant_type');
  if (grant !== 'client_credentials')
    throw new TokenError(400, 'unsupported_grant_type', 'The grant_type must be client_credentials.', { field: 'grant_type' });
};

/** Security 1.0 §4.1.1: tools authenticate with a JWT client assertion, never a secret. */
const jwtClientAuthentication: Check<TokenRequestInEnvironment> = (request) => {
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
const scopeRequested: Check<TokenRequestInEnvironment> = (request) => {
  if (!request.params.scope?.trim()) {
    throw new TokenError(400, 'invalid_scope', 'The parameter scope is missing: ask for the AGS and NRPS scopes the tool needs.', {
      field: 'scope',
    });
  }
};

/** The request's checks, in order. */
export const requestChecks: readonly Check<TokenRequestInEnvironment>[] = [
  formBody,
  clientCredentialsGrant,
  jwtClientAuthentication,
  scopeRequested,
];

// --- Phase 3: the assertion, read ---

/** Read, not trusted: only to find the key and the tool to verify it with; the header rule of `./jwt.ts`. */
function assertedRequest(request: TokenRequestInEnvironment): AssertedRequest {
  const assertion = request.params.client_assertion ?? '';
  const read = readJwt(assertion);
  if (!read) throw invalidClient('The client_assertion is not a signed JSON Web Token.');
  const { header } = read;
  const problem = headerProblem(header);
  if (problem?.kind === 'algorithm')
    throw invalidClient(`The client_assertion is signed with ${String(problem.alg)}; only ${jwsAlgorithm} is accepted.`);
  if (problem?.kind === 'carries-key') {
    throw invalidClient(
      `The client_assertion header carries "${problem.parameter}": keys are taken only from the tool's registered key set URL.`,
    );
  }
  if (problem?.kind === 'no-kid' || typeof header.kid !== 'string') {
    throw invalidClient("The client_assertion header has no kid: it must name the key in the tool's key set.");
  }
  return { ...request, assertion, scope: request.params.scope ?? '', header: { ...header, kid: header.kid }, unverified: read.claims };
}

// --- Phase 4: the client ---

/** `iss` = `sub` = the client id (Security 1.0 §4.1.1, RFC 7523 §3), the client id of a tool of this environment. */
function clientRequest(request: AssertedRequest, tool: Tool | undefined): ClientRequest {
  const { iss, sub } = request.unverified;
  if (typeof sub !== 'string' || !sub) throw invalidClient('The client_assertion has no sub: it must be the client id.');
  if (iss !== sub) throw invalidClient('The client_assertion iss must equal its sub, the client id.');
  if (!tool) throw invalidClient('The client_assertion sub is not the client id of an LTI 1.3 tool of this environment.');
  return { ...request, tool };
}

// --- Phase 5: the assertion, verified ---

const keySetProblems: Record<KeySetError['code'], string> = {
  unknown_kid: "The tool's key set has no RS256 key with the client_assertion's kid.",
  unavailable: "The tool's key set could not be fetched from its registered key set URL.",
  invalid_key_set: "The tool's key set at its registered key set URL is not a valid JWK set.",
};

const jwtProblem = (error: unknown, tokenUrl: string, issuer: string): string | undefined => {
  if (error instanceof errors.JWTExpired) return 'The client_assertion has expired (exp).';
  if (error instanceof errors.JWSSignatureVerificationFailed) return "The client_assertion signature does not verify with the tool's key.";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud')
      return `The client_assertion aud must contain the token URL ${tokenUrl}, or the authorization server ${issuer}.`;
    if (error.reason === 'missing') return `The client_assertion has no ${error.claim}: it is required.`;
    return `The client_assertion ${error.claim} is not valid: ${error.message}.`;
  }
  if (error instanceof errors.JOSEError) return 'The client_assertion is not a valid signed JSON Web Token.';
  return undefined;
};

/** The signature (RS256 only) with the tool's key, and the registered claims. */
async function verifiedRequest(request: ClientRequest, deps: TokenDeps): Promise<VerifiedRequest> {
  const { tokenUrl, issuer } = platformConfiguration(deps.config.publicUrl, request.envId);
  const { clientId, jwksUrl } = request.tool;
  let key: VerificationKey;
  try {
    key = await deps.keys.key(jwksUrl, request.header.kid);
  } catch (error) {
    if (error instanceof KeySetError) throw invalidClient(keySetProblems[error.code], 'client_assertion', error);
    throw error;
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(request.assertion, key, {
      algorithms: [jwsAlgorithm],
      issuer: clientId,
      subject: clientId,
      // The authorization server of the OpenID configuration is the issuer (`../dynamic-registration/platform-openid-configuration.ts`).
      audience: [tokenUrl, issuer],
      requiredClaims: ['exp', 'iat', 'jti'],
      currentDate: new Date(deps.clock.now()),
      clockTolerance: clockToleranceSeconds,
    }));
  } catch (error) {
    const problem = jwtProblem(error, tokenUrl, issuer);
    if (problem) throw invalidClient(problem, 'client_assertion', error);
    throw error;
  }
  const { exp, iat, jti } = payload;
  if (typeof jti !== 'string' || !jti) throw invalidClient('The client_assertion jti must be a non-empty string.');
  // jose has checked that exp and iat are numbers (requiredClaims, RFC 7519 §4.1.4, §4.1.6).
  return { ...request, claims: { ...payload, exp: Number(exp), iat: Number(iat), jti } };
}

/** `iat` is when the tool made it (not later than now), and `exp` at most an hour ahead. */
const boundedLifetime: Check<VerifiedRequest> = ({ claims }, deps) => {
  const now = Math.floor(deps.clock.now() / 1000);
  if (claims.iat > now + clockToleranceSeconds)
    throw invalidClient('The client_assertion iat is in the future: it must be when the assertion was made.');
  if (claims.exp > now + maxAssertionLifetimeSeconds + clockToleranceSeconds) {
    throw invalidClient(`The client_assertion exp is too far in the future: at most ${maxAssertionLifetimeSeconds} seconds ahead.`);
  }
};

/** RFC 7523 §3 item 7: a `jti` once per client, remembered until the assertion expires. */
const jtiUsedOnce: Check<VerifiedRequest> = async (request, deps) => {
  const { jti, exp } = request.claims;
  const fresh = await deps.singleUse.useOnce(
    `lti13-token:${request.envId}:${request.tool.clientId}`,
    jti,
    exp + clockToleranceSeconds,
    deps.clock.now(),
  );
  if (!fresh)
    throw invalidClient('The client_assertion was already used (its jti was seen before): sign a new one for each token request.');
};

const activatedTool: Check<VerifiedRequest> = ({ tool }) => {
  if (!tool.activated) throw new TokenError(400, 'unauthorized_client', 'This LTI 1.3 tool is deactivated in the academy.');
};

/** The granted scopes: those requested that this tool may have (RFC 6749 §3.3; its own scopes, `scopesOf`). */
export function grantedScopes(requested: string, tool: Pick<Tool, 'scopes'>): string[] {
  const asked = requested.split(' ').filter(Boolean);
  return scopesOf(tool).filter((scope) => asked.includes(scope));
}

const allowedScope: Check<VerifiedRequest> = ({ scope, tool }) => {
  if (grantedScopes(scope, tool).length === 0) {
    const may = scopesOf(tool);
    throw new TokenError(
      400,
      'invalid_scope',
      may.length > 0
        ? `None of the requested scopes can be granted; this tool may ask for ${may.join(' ')}.`
        : 'None of the requested scopes can be granted: this tool may have no service scope.',
      { field: 'scope' },
    );
  }
};

/** The verified request's checks, in order: the `jti` is used only once the assertion is good. */
export const verifiedChecks: readonly Check<VerifiedRequest>[] = [boundedLifetime, jtiUsedOnce, activatedTool, allowedScope];

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

/**
 * Both reads at once, before any check: the environment, and the tool named by the assertion's
 * `sub` when the assertion can be read (one round trip, as before the environment came first).
 */
async function readContext(deps: TokenDeps, request: TokenRequest) {
  const sub = readJwt(request.params.client_assertion ?? '')?.claims.sub;
  const valid = validId(request.envId);
  const [environment, tool] = await Promise.all([
    valid ? deps.environments.get(request.envId) : undefined,
    valid && typeof sub === 'string' && validId(sub) ? deps.tools.get(request.envId, sub) : undefined,
  ]);
  return { environment: checkLtiEnvironment(environment, tokenRefusals), tool };
}

/** The request, phase by phase, then the token; the edge answers an error (RFC 6749 §5.2). */
export async function tokenEndpoint(deps: TokenDeps, event: ApiEvent): Promise<ApiResult> {
  const request = readTokenRequest(event);
  const { environment, tool } = await readContext(deps, request);
  const inEnvironment = await passes({ ...request, environment }, requestChecks, deps);
  const client = clientRequest(assertedRequest(inEnvironment), tool);
  const verified = await passes(await verifiedRequest(client, deps), verifiedChecks, deps);
  const answer = await issueAccessToken(deps, {
    environmentId: verified.envId,
    toolId: verified.tool.id,
    clientId: verified.tool.clientId,
    scopes: grantedScopes(verified.scope, verified.tool),
  });
  return json(200, answer, oauthNoCache);
}
