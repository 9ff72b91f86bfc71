/**
 * `POST /{env}/lti13/token`: the academy's OAuth 2 token endpoint for LTI 1.3 tools (Security 1.0
 * §4.1 and §4.1.1: the client credentials grant, RFC 6749 §4.4, with a JWT client assertion,
 * RFC 7523 §2.2 and §3). Answers an opaque, short-lived bearer token bound to the tool and the
 * environment (`./platform-access-tokens.ts`), or an RFC 6749 §5.2 JSON error.
 *
 * The request goes through typed phases, in the order `tokenEndpoint` lists them: the request → its
 * environment, read first (unknown: 404; LTI off: 403 `unauthorized_client`, whatever the request
 * carries) → the grant request (a form, `client_credentials`, a JWT client assertion, a scope) → the
 * unverified assertion (the header rule of `./jwt.ts`, a `sub`) → the client (a tool of this
 * environment) → the verified assertion (signature, `aud`, `iat` and `exp` bounds, `jti` once) → the
 * grant (the tool activated, the scopes). Each phase's fields are all there; the step that makes a
 * phase and each of its checks is a small function that throws a `TokenError`.
 *
 * The assertion is verified with RS256 only (never the algorithm its header names) against the
 * tool's registered key set, with `iss` = `sub` = the client id of a tool of this environment, `aud`
 * containing this token URL (only that: the platform tells tools to use the token URL, Security 1.0
 * §4.1.1), `exp` required and at most an hour ahead, `iat` not in the future, and `jti` used once
 * (one conditional write, kept until `exp`). Errors about the assertion are all `invalid_client`
 * (RFC 7521 §4.2.1); `invalid_grant` does not arise, since client credentials carry
 * no grant of their own.
 */
import { errors, jwtVerify, type JWTPayload } from 'jose';
import type { Environment, Tool } from '../../academy/model';
import { validId } from '../../academy/validation';
import type { Config } from '../../config';
import { HttpError, ltiDisabledMessage } from '../../errors';
import { bodyText, pathParam, singleValues } from '../../http/request';
import { json } from '../../http/responses';
import { oauthNoCache } from '../../http/renderers/oauth-json';
import type { ApiEvent, ApiResult } from '../../http/types';
import { ltiEnvironment, type EnvironmentRefusals } from '../../lti/checks';
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

/** The token request as read from the event: nothing checked yet. */
export interface TokenRequest {
  readonly envId: string;
  readonly params: Readonly<Record<string, string>>;
  readonly repeated: readonly string[];
  readonly contentType: string;
  readonly authorization?: string;
}

/** The request in its environment, which exists and has LTI switched on (read first). */
export interface TokenRequestInEnvironment extends TokenRequest {
  readonly environment: Environment;
}

/** A client credentials grant request authenticated by a JWT client assertion (RFC 6749 §4.4.2; RFC 7523 §2.2). */
export interface GrantRequest extends TokenRequestInEnvironment {
  readonly clientAssertion: string;
  /** The scopes asked for, as sent (RFC 6749 §3.3). */
  readonly scope: string;
}

/** The client assertion read, not trusted: its header passes the header rule, and it names a client. */
export interface UnverifiedAssertion extends GrantRequest {
  readonly kid: string;
  /** `sub`: the client id it claims to be (RFC 7523 §3 item 2). */
  readonly clientId: string;
  readonly unverified: JWTPayload;
}

/** The tool of this environment whose client id the assertion claims. */
export interface AssertingClient extends UnverifiedAssertion {
  readonly tool: Tool;
}

/** The assertion verified with the tool's key: signature, `iss`, `sub`, `aud`, `exp` (RFC 7523 §3). */
export interface VerifiedAssertion extends AssertingClient {
  readonly claims: JWTPayload;
  /** `iat` and `exp`, NumericDates that jose checked are there. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** What the token will grant: the requested scopes a tool may have. */
export interface Grant extends VerifiedAssertion {
  readonly scopes: readonly string[];
}

/** A small check of one phase, which throws a `TokenError`. */
type Check<Phase> = (phase: Phase, deps: TokenDeps) => void | Promise<void>;

/** Runs a phase's checks in order and answers the phase. */
async function checked<Phase>(phase: Phase, checks: readonly Check<Phase>[], deps: TokenDeps): Promise<Phase> {
  for (const check of checks) await check(phase, deps);
  return phase;
}

/** The token endpoint's answers to an unknown environment and to one with LTI switched off. */
const tokenRefusals: EnvironmentRefusals = {
  unknown: () => new TokenError(404, 'invalid_request', 'There is no such environment.'),
  disabled: () => new TokenError(403, 'unauthorized_client', `${ltiDisabledMessage}.`),
};

/** First of all (`../../lti/checks.ts`): nothing of a tool is told or written while LTI is off. One GetItem. */
async function inEnvironment(request: TokenRequest, deps: TokenDeps): Promise<TokenRequestInEnvironment> {
  return { ...request, environment: await ltiEnvironment(deps, request.envId, tokenRefusals) };
}

/** RFC 6749 §4.4.2: a form body, each parameter once (§3.2). */
const formBody: Check<TokenRequest> = (request) => {
  if (!/^application\/x-www-form-urlencoded\b/i.test(request.contentType)) {
    throw invalidRequest('The request body must be application/x-www-form-urlencoded.', 'content-type');
  }
  const [first] = request.repeated;
  if (first) throw invalidRequest(`The parameter ${first} is sent more than once.`, first);
};

/** RFC 6749 §4.4.2: `grant_type` is `client_credentials`. */
const clientCredentialsGrant: Check<TokenRequest> = (request) => {
  const grant = request.params.grant_type;
  if (!grant) throw invalidRequest('The parameter grant_type is missing: it must be client_credentials.', 'grant_type');
  if (grant !== 'client_credentials') throw new TokenError(400, 'unsupported_grant_type', 'The grant_type must be client_credentials.', { field: 'grant_type' });
};

/** Security 1.0 §4.1.1: tools authenticate with a JWT client assertion (RFC 7523 §2.2), never a secret. */
const jwtClientAuthentication: Check<TokenRequest> = (request) => {
  if (request.authorization || request.params.client_secret !== undefined) {
    throw invalidClient(
      `Client authentication must be a JWT client assertion (client_assertion_type ${clientAssertionType}), not a secret.`,
      request.authorization ? 'authorization' : 'client_secret',
    );
  }
  if (request.params.client_assertion_type !== clientAssertionType) {
    throw invalidClient(`The client_assertion_type must be ${clientAssertionType}.`, 'client_assertion_type');
  }
};

/** The client assertion (RFC 7523 §2.2) and the scope: without a scope the request fails, there is no default (RFC 6749 §3.3). */
function grantRequest(request: TokenRequestInEnvironment): GrantRequest {
  const { client_assertion: clientAssertion, scope } = request.params;
  if (!clientAssertion) throw invalidClient('The parameter client_assertion is missing.');
  if (!scope?.trim()) {
    throw new TokenError(400, 'invalid_scope', 'The parameter scope is missing: ask for the AGS scopes the tool needs.', { field: 'scope' });
  }
  return { ...request, clientAssertion, scope };
}

/**
 * Read, not trusted: only to find the key and the tool to verify it with. The header rule of every
 * inbound JWT (`./jwt.ts`: RS256, no key named or carried, a `kid`), then `sub`, the client id
 * (Security 1.0 §4.1.1, RFC 7523 §3).
 */
function readAssertion(request: GrantRequest): UnverifiedAssertion {
  const read = readJwt(request.clientAssertion);
  if (!read) throw invalidClient('The client_assertion is not a signed JSON Web Token.');
  const problem = headerProblem(read.header);
  if (problem?.kind === 'algorithm') throw invalidClient(`The client_assertion is signed with ${String(problem.alg)}; only ${jwsAlgorithm} is accepted.`);
  if (problem?.kind === 'carries-key') {
    throw invalidClient(`The client_assertion header carries "${problem.parameter}": keys are taken only from the tool's registered key set URL.`);
  }
  const { kid } = read.header;
  if (problem?.kind === 'no-kid' || typeof kid !== 'string') {
    throw invalidClient("The client_assertion header has no kid: it must name the key in the tool's key set.");
  }
  const { sub } = read.claims;
  if (typeof sub !== 'string' || !sub) throw invalidClient('The client_assertion has no sub: it must be the client id.');
  return { ...request, kid, clientId: sub, unverified: read.claims };
}

/** `iss` = `sub` = the client id (Security 1.0 §4.1.1, RFC 7523 §3 items 1-2). */
const issuerIsSubject: Check<UnverifiedAssertion> = (assertion) => {
  if (assertion.unverified.iss !== assertion.clientId) throw invalidClient('The client_assertion iss must equal its sub, the client id.');
};

/** The LTI 1.3 tool of this environment whose client id is `sub`. One GetItem. */
async function assertingClient(assertion: UnverifiedAssertion, deps: TokenDeps): Promise<AssertingClient> {
  const tool = validId(assertion.clientId) ? await deps.tools.get(assertion.envId, assertion.clientId) : undefined;
  if (!tool) throw invalidClient('The client_assertion sub is not the client id of an LTI 1.3 tool of this environment.');
  return { ...assertion, tool };
}

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

/**
 * The signature (RS256 only, never the algorithm the header names) with the tool's key from its
 * registered key set (Security 1.0 §6.3), and the registered claims: `iss` = `sub` = the client id,
 * `aud` containing this token URL, `exp`, `iat` and `jti` there (RFC 7523 §3 items 1-4, 7).
 */
async function verifiedAssertion(client: AssertingClient, deps: TokenDeps): Promise<VerifiedAssertion> {
  const { tokenUrl } = platformConfiguration(deps.config.publicUrl, client.envId);
  const { clientId } = client.tool;
  let key: VerificationKey;
  try {
    key = await deps.keys.key(client.tool.jwksUrl, client.kid);
  } catch (error) {
    if (error instanceof KeySetError) throw invalidClient(keySetProblems[error.code], 'client_assertion', error);
    throw error;
  }
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(client.clientAssertion, key, {
      algorithms: [jwsAlgorithm],
      issuer: clientId,
      subject: clientId,
      audience: tokenUrl,
      requiredClaims: ['exp', 'iat', 'jti'],
      currentDate: new Date(deps.clock.now()),
      clockTolerance: clockToleranceSeconds,
    }));
  } catch (error) {
    const problem = jwtProblem(error, tokenUrl);
    if (problem) throw invalidClient(problem, 'client_assertion', error);
    throw error;
  }
  return { ...client, claims, issuedAt: numericDate(claims, 'iat'), expiresAt: numericDate(claims, 'exp') };
}

/** A NumericDate claim, which jose has checked is there and a number when it is required. */
function numericDate(claims: JWTPayload, claim: 'iat' | 'exp'): number {
  const value = claims[claim];
  if (typeof value !== 'number') throw invalidClient(`The client_assertion has no ${claim}: it is required.`);
  return value;
}

/** `iat` is when the tool made it: not later than now (RFC 7519 §4.1.6). */
const issuedInThePast: Check<VerifiedAssertion> = (assertion, deps) => {
  const now = Math.floor(deps.clock.now() / 1000);
  if (assertion.issuedAt > now + clockToleranceSeconds) {
    throw invalidClient('The client_assertion iat is in the future: it must be when the assertion was made.');
  }
};

/** `exp` at most an hour ahead, which bounds how long a `jti` is remembered (Security 1.0 §4.1.1). */
const boundedLifetime: Check<VerifiedAssertion> = (assertion, deps) => {
  const now = Math.floor(deps.clock.now() / 1000);
  if (assertion.expiresAt > now + maxAssertionLifetimeSeconds + clockToleranceSeconds) {
    throw invalidClient(`The client_assertion exp is too far in the future: at most ${maxAssertionLifetimeSeconds} seconds ahead.`);
  }
};

/** RFC 7523 §3 item 7: a `jti`, a non-empty string, once per client, remembered until the assertion expires. */
const jtiUsedOnce: Check<VerifiedAssertion> = async (assertion, deps) => {
  const { jti } = assertion.claims;
  if (typeof jti !== 'string' || !jti) throw invalidClient('The client_assertion jti must be a non-empty string.');
  const fresh = await deps.singleUse.useOnce(
    `lti13-token:${assertion.envId}:${assertion.tool.clientId}`,
    jti,
    assertion.expiresAt + clockToleranceSeconds,
    deps.clock.now(),
  );
  if (!fresh) throw invalidClient('The client_assertion was already used (its jti was seen before): sign a new one for each token request.');
};

/** The granted scopes: those requested that a launched tool may have (RFC 6749 §3.3). */
export function grantedScopes(requested: string): string[] {
  const asked = requested.split(' ').filter(Boolean);
  return toolScopes.filter((scope) => asked.includes(scope));
}

function grant(assertion: VerifiedAssertion): Grant {
  return { ...assertion, scopes: grantedScopes(assertion.scope) };
}

/**
 * RFC 6749 §5.2 `unauthorized_client`: the authenticated client may not have a grant while the
 * academy has it deactivated (told only once the assertion is verified).
 */
const activatedTool: Check<Grant> = (grant) => {
  if (!grant.tool.activated) throw new TokenError(400, 'unauthorized_client', 'This LTI 1.3 tool is deactivated in the academy.');
};

/** RFC 6749 §3.3: at least one of the requested scopes can be granted. */
const someScopeGranted: Check<Grant> = (grant) => {
  if (grant.scopes.length === 0) {
    throw new TokenError(400, 'invalid_scope', `None of the requested scopes can be granted; a tool may ask for ${toolScopes.join(' ')}.`, { field: 'scope' });
  }
};

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
 * The steps, in order: each makes the next phase from the one before (and throws when it cannot),
 * then that phase's checks run in order. Then the token is issued; the edge answers an error
 * (RFC 6749 §5.2).
 */
export async function tokenEndpoint(deps: TokenDeps, event: ApiEvent): Promise<ApiResult> {
  const request = readTokenRequest(event);
  const located = await checked(await inEnvironment(request, deps), [formBody, clientCredentialsGrant, jwtClientAuthentication], deps);
  const requested = grantRequest(located);
  const unverified = await checked(readAssertion(requested), [issuerIsSubject], deps);
  const client = await assertingClient(unverified, deps);
  const verified = await checked(await verifiedAssertion(client, deps), [issuedInThePast, boundedLifetime, jtiUsedOnce], deps);
  const granted = await checked(grant(verified), [activatedTool, someScopeGranted], deps);
  const answer = await issueAccessToken(deps, {
    environmentId: granted.envId,
    toolId: granted.tool.id,
    clientId: granted.tool.clientId,
    scopes: granted.scopes,
  });
  return json(200, answer, oauthNoCache);
}
