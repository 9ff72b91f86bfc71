/**
 * `POST /{env}/lti12/outcomes`: the academy's LTI Basic Outcomes service (LTI 1.1 IG §6,
 * lti-bo v1p1), where LTI 1.2 tools send `replaceResult`, `readResult` and `deleteResult` for the
 * `lis_result_sourcedid` of a launch. Scores become progress (`../academy/scores.ts`).
 *
 * The request is validated in phases that `lti12Outcomes` lists in order: the request, its
 * environment (first: with LTI off it answers 403 whatever the request carries), the POX request,
 * the addressed request (a supported operation on a sourcedId of an LTI 1.2 activity), the signed
 * request, the verified request; then the operation runs. Each phase is a type whose fields are
 * all there, built by one step from the phase before; a step runs the checks over the phase it
 * starts from (small functions that throw an `OutcomeError`, which the edge answers:
 * `../http/renderers/pox.ts`), and checks each value it reads. Every answer is a POX response
 * (`application/xml`) whose `imsx_codeMajor` carries the result and whose `imsx_messageRefIdentifier`
 * echoes the request's identifier. HTTP statuses:
 * - 200 once the request is authenticated (`success`, or `failure` for a bad score or a sourcedId
 *   that is not bound to the signing key), and for an unknown sourcedId or operation: what Moodle
 *   and the IMS suite expect (essentials §3.6, cert 8.6–8.8), and what tool libraries read;
 * - 400 for a body that is not POX, a missing OAuth parameter or an unsupported signature method,
 *   401 for a wrong key, signature, body hash, timestamp or a replayed nonce (RFC 5849 §3.2), 403
 *   when LTI is off in the environment (docs/product.md), 404 for an unknown environment, 413/415 for an
 *   oversize or form-encoded body, each still with a POX `failure` body that says why, so that a
 *   tool which only reads the body learns the reason.
 */
import { passes, type Check as PhaseCheck } from '../lti/pipeline';
import { timingSafeEqual } from 'node:crypto';
import { externalToolSecret } from '../academy/lti12-secrets';
import type { Activity, Environment, ExternalLti12, Progress } from '../academy/model';
import { validId } from '../academy/validation';
import type { Config } from '../config';
import { ltiDisabledMessage, OutcomeError } from '../errors';
import { renderErrorsWith } from '../http/error-context';
import { poxAnswer, poxOperations, type PoxOperation } from '../http/renderers/pox';
import { firstValues, pathParam } from '../http/request';
import type { ApiEvent, ApiResult } from '../http/types';
import { checkLtiEnvironment, type EnvironmentRefusals } from '../lti/checks';
import { bodyHash, oauthSignature, parseAuthorizationHeader, signatureMethods, signaturesMatch, type SignatureMethod } from './oauth1';
import {
  isFreshTimestamp,
  isSupportedOauthVersion,
  isSupportedSignatureMethod,
  type OauthParameters,
  presentParameters,
  requiredOauthParameters,
  useNonceOnce,
} from './oauth-request';
import { parsePoxRequest, PoxError, type PoxRequest } from './pox';
import type { Clock, PlatformContext, PlatformStore, ProgressStore, ResultSourcedId, SecretBox, SingleUseStore } from '../ports';
import { fractionToPercent, percentToFraction, scoredProgress, unscoredProgress } from '../academy/scores';
import { parseSourcedId, sourcedIdMatches, type SourcedIdParts } from './platform-sourcedid';

export interface OutcomesDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly platform: PlatformStore;
  readonly progress: ProgressStore;
  readonly singleUse: SingleUseStore;
  readonly clock: Clock;
  /** Opens the tool's secret, which verifies its requests. */
  readonly secrets: Pick<SecretBox, 'open'>;
}

/** A request that ends with a POX `failure`: 200 once the request is the tool's own, else 4xx. */
const failure = (status: number, code: string, message: string, field?: string) => new OutcomeError(status, code, message, { field });

/** The request: what the tool posted, and the URL it signed. */
export interface PlatformOutcomeRequest {
  readonly environmentId: string;
  /** The URL the tool signed: `PUBLIC_URL` + path, with the query string. */
  readonly url: string;
  /** The exact body bytes (`oauth_body_hash` is over them). */
  readonly body: Buffer;
  readonly contentType: string;
  /** The `Authorization` header, if any: read once the request is addressed. */
  readonly authorization: string | undefined;
}

/** The request in an environment that exists and has LTI switched on. */
export interface OutcomeRequestInEnvironment extends PlatformOutcomeRequest {
  readonly environment: Environment;
}

/** The body, a Basic Outcomes request. */
export interface PoxOutcomeRequest extends OutcomeRequestInEnvironment {
  readonly pox: PoxRequest;
}

/** A supported operation on the result of a learner in one of the environment's LTI 1.2 activities. */
export interface AddressedOutcomeRequest extends PoxOutcomeRequest {
  readonly operation: PoxOperation;
  readonly sourcedId: SourcedIdParts;
  readonly activity: Activity;
  /** The activity's tool: the key and secret it signs with. */
  readonly tool: ExternalLti12;
  /** The sourcedId the academy issued for this learner in this activity, if any (checked last). */
  readonly issued: ResultSourcedId | undefined;
}

/** The signed request: the OAuth parameters of its `Authorization` header, with the body hash. */
export interface SignedOutcomeRequest extends AddressedOutcomeRequest {
  /** The header's parameters, in order (RFC 5849 §3.4.1.3: all are signed). */
  readonly oauthPairs: readonly (readonly [string, string])[];
  readonly oauth: OauthParameters & { readonly oauth_body_hash: string };
  readonly signatureMethod: SignatureMethod;
}

/** The verified request: the tool's own, about a sourcedId issued to its key. */
export interface VerifiedOutcomeRequest extends SignedOutcomeRequest {
  /** Only a verified request has it: no operation runs before. */
  readonly verified: true;
}

type Check<Phase> = PhaseCheck<Phase, OutcomesDeps>;

// --- The request -> the environment ---

/** The environment's refusals, as POX failures. */
const poxRefusals: EnvironmentRefusals = {
  unknown: () => failure(404, 'not_found', 'There is no such environment.'),
  disabled: () => failure(403, 'lti_disabled', `${ltiDisabledMessage}.`),
};

/** The body as a POX request, or why it is not one (answered once the environment is checked). */
function readPox(body: Buffer): PoxRequest | PoxError {
  try {
    return parsePoxRequest(body.toString('utf8'));
  } catch (error) {
    if (error instanceof PoxError) return error;
    throw error;
  }
}

/**
 * Every read of the request in one round trip, before any check (one BatchGetItem): the
 * environment and, when the body names a sourcedId of the form this academy issues, its activity,
 * user and issued record.
 */
async function readContext(request: PlatformOutcomeRequest, pox: PoxRequest | PoxError, deps: OutcomesDeps): Promise<PlatformContext> {
  if (!validId(request.environmentId)) return {};
  const parts = pox instanceof PoxError ? undefined : parseSourcedId(pox.sourcedId);
  return deps.platform.context(request.environmentId, parts?.activityId, parts?.userId);
}

/** docs/product.md "Concepts": checked first, so that an environment with LTI off answers 403 whatever the request carries. */
function inEnvironment(request: PlatformOutcomeRequest, context: PlatformContext): OutcomeRequestInEnvironment {
  return { ...request, environment: checkLtiEnvironment(context.environment, poxRefusals) };
}

// --- The environment -> the POX request ---

/** OAuth Request Body Hash §4.1.1: a form-encoded body is signed as parameters, never by hash. */
const notFormEncoded: Check<OutcomeRequestInEnvironment> = (request) => {
  if (/^application\/x-www-form-urlencoded\b/i.test(request.contentType)) {
    throw failure(415, 'unsupported_media_type', 'The body must be a POX document (application/xml), not a form.', 'content-type');
  }
};

export const bodyChecks: readonly Check<OutcomeRequestInEnvironment>[] = [notFormEncoded];

/** LTI 1.1 IG §6: the body is an `imsx_POXEnvelopeRequest` (`./pox.ts` refuses DTDs and oversize bodies). */
async function poxRequest(
  request: OutcomeRequestInEnvironment,
  pox: PoxRequest | PoxError,
  deps: OutcomesDeps,
): Promise<PoxOutcomeRequest> {
  await passes(request, bodyChecks, deps);
  if (!(pox instanceof PoxError)) return { ...request, pox };
  const [status, code] = pox.reason === 'too-large' ? [413, 'payload_too_large'] : [400, 'invalid_pox'];
  throw new OutcomeError(status, code, `The body is not a Basic Outcomes request: ${pox.message}.`, { field: 'body', cause: pox });
}

// --- The POX request -> the addressed request ---

/** LTI 1.1 IG §6.1; cert 8.6: replaceResult, readResult, deleteResult; any other is `unsupported`, before authentication (nothing is read or written). */
function supportedOperation({ operation }: PoxRequest): PoxOperation {
  const supported = poxOperations.find((name) => name === operation);
  if (!supported) {
    const name = operation ? `${operation}Request` : 'an empty imsx_POXBody';
    throw new OutcomeError(
      200,
      'unsupported_operation',
      `${name} is not supported: this service supports replaceResult, readResult and deleteResult.`,
      {
        field: 'imsx_POXBody',
        codeMajor: 'unsupported',
      },
    );
  }
  return supported;
}

const unknownSourcedId = () =>
  failure(
    200,
    'unknown_sourcedid',
    'The sourcedId is not one this academy issued for this tool (unknown, forged or for another learner or activity).',
    'sourcedId',
  );

/** LTI 1.1 IG §6: a sourcedId of the form this academy issues (`./platform-sourcedid.ts`). */
function ourSourcedId(value: string | undefined): SourcedIdParts {
  const parts = parseSourcedId(value);
  if (!parts) throw unknownSourcedId();
  return parts;
}

/** The tool of an activity hosted by an external LTI 1.2 tool, which the sourcedId was issued to. */
function lti12Tool(activity: Activity | undefined): { activity: Activity; tool: ExternalLti12 } {
  if (activity?.lti?.version !== '1.2') throw unknownSourcedId();
  return { activity, tool: activity.lti };
}

/** The operation, then the sourcedId, its activity and the record issued (read with the environment). */
function addressedRequest(request: PoxOutcomeRequest, context: PlatformContext): AddressedOutcomeRequest {
  const operation = supportedOperation(request.pox);
  const sourcedId = ourSourcedId(request.pox.sourcedId);
  return { ...request, operation, sourcedId, ...lti12Tool(context.activity), issued: context.sourcedId };
}

// --- The addressed request -> the signed request ---

/** RFC 5849 §3.5.1: the OAuth parameters come in an `Authorization: OAuth` header. */
function authorizationPairs(header: string | undefined): [string, string][] {
  const pairs = parseAuthorizationHeader(header);
  if (!pairs)
    throw failure(
      401,
      'unauthorized',
      'The request must carry an OAuth 1.0a Authorization header (Authorization: OAuth ...).',
      'authorization',
    );
  return pairs;
}

/** RFC 5849 §3.1 and OAuth Request Body Hash §3.1: the required parameters, then `oauth_version` (1.0 when present) and the signature method. */
function signedRequest(request: AddressedOutcomeRequest): SignedOutcomeRequest {
  const oauthPairs = authorizationPairs(request.authorization);
  const header = firstValues(oauthPairs);
  const oauth = presentParameters([...requiredOauthParameters, 'oauth_body_hash'], (name) => {
    const value = header[name];
    if (!value) throw failure(400, 'missing_parameter', `The Authorization header is missing ${name}.`, name);
    return value;
  });
  if (!isSupportedOauthVersion(header.oauth_version))
    throw failure(400, 'invalid_parameter', 'oauth_version must be 1.0 when present.', 'oauth_version');
  const signatureMethod = oauth.oauth_signature_method;
  if (!isSupportedSignatureMethod(signatureMethod)) {
    throw failure(400, 'invalid_parameter', `oauth_signature_method must be ${signatureMethods.join(' or ')}.`, 'oauth_signature_method');
  }
  return { ...request, oauthPairs, oauth, signatureMethod };
}

// --- The signed request -> the verified request ---

/** LTI 1.1 IG §6: the key of the activity's tool, the one the sourcedId was issued for. */
const keyOfTheActivity: Check<SignedOutcomeRequest> = ({ oauth, tool }) => {
  if (oauth.oauth_consumer_key !== tool.key) {
    throw failure(
      401,
      'unauthorized',
      'oauth_consumer_key is not the key of the activity this sourcedId belongs to.',
      'oauth_consumer_key',
    );
  }
};

/** OAuth Request Body Hash §3.2: the hash of the exact body bytes, itself covered by the signature. */
const bodyHashMatches: Check<SignedOutcomeRequest> = ({ body, signatureMethod, oauth }) => {
  const expected = Buffer.from(bodyHash(body, signatureMethod));
  const given = Buffer.from(oauth.oauth_body_hash);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw failure(401, 'unauthorized', 'oauth_body_hash does not match the body.', 'oauth_body_hash');
  }
};

/**
 * RFC 5849 §3.4: the XML body is not a form, so only the OAuth parameters and the query are signed;
 * with the tool's secret, opened once the key is known to be the tool's.
 */
const validSignature: Check<SignedOutcomeRequest> = async ({ signatureMethod, url, oauthPairs, activity, tool, oauth }, deps) => {
  const secret = await externalToolSecret(deps, activity, tool);
  if (!signaturesMatch(oauthSignature(signatureMethod, 'POST', url, oauthPairs, secret), oauth.oauth_signature)) {
    throw failure(
      401,
      'unauthorized',
      'The OAuth signature is not valid: check the secret and the outcome service URL.',
      'oauth_signature',
    );
  }
};

/** RFC 5849 §3.3: a timestamp within the window (`./oauth-request.ts`). */
const freshTimestamp: Check<SignedOutcomeRequest> = ({ oauth }, deps) => {
  if (!isFreshTimestamp(oauth.oauth_timestamp, deps.clock.now())) {
    throw failure(401, 'unauthorized', 'oauth_timestamp is not within 5 minutes of the time here.', 'oauth_timestamp');
  }
};

/** RFC 5849 §3.3: a nonce used once, per environment and consumer key, apart from the launches'. */
const nonceUsedOnce: Check<SignedOutcomeRequest> = async ({ environmentId, oauth }, deps) => {
  const scope = `lti12-outcomes:${environmentId}:${oauth.oauth_consumer_key}`;
  if (!(await useNonceOnce(deps.singleUse, scope, oauth.oauth_nonce, oauth.oauth_timestamp, deps.clock.now()))) {
    throw failure(401, 'unauthorized', 'oauth_nonce was already used.', 'oauth_nonce');
  }
};

/** LTI 1.1 IG §6: the sourcedId is the one issued for this learner and activity, bound to the signing key. */
const sourcedIdIssuedToTheKey: Check<SignedOutcomeRequest> = ({ issued, sourcedId, oauth }) => {
  if (!sourcedIdMatches(issued, sourcedId, oauth.oauth_consumer_key)) throw unknownSourcedId();
};

/** The checks of a signed request, in order (RFC 5849 §3.2); then the sourcedId, once the request is the tool's own. */
export const signedRequestChecks: readonly Check<SignedOutcomeRequest>[] = [
  keyOfTheActivity,
  bodyHashMatches,
  validSignature,
  freshTimestamp,
  nonceUsedOnce,
  sourcedIdIssuedToTheKey,
];

async function verifiedRequest(request: SignedOutcomeRequest, deps: OutcomesDeps): Promise<VerifiedOutcomeRequest> {
  return { ...(await passes(request, signedRequestChecks, deps)), verified: true };
}

// --- The verified request -> the operation ---

interface Outcome {
  readonly description: string;
  /** readResult: the score as 0.0..1.0, '' for none. */
  readonly score?: string;
}

type Operation = (request: VerifiedOutcomeRequest, deps: OutcomesDeps) => Promise<Outcome>;

/** The operations (LTI 1.1 IG §6.1.1–6.1.3), once the request is verified. */
export const operations: Readonly<Record<PoxOperation, Operation>> = {
  /** IG §6.1.1: "The TC must check the incoming grade for validity and must fail when a grade is outside the range 0.0-1.0 or if the grade is not a valid number." */
  replaceResult: async ({ pox, activity, sourcedId }, deps) => {
    const text = pox.score;
    if (text === undefined || text === '')
      throw failure(200, 'missing_parameter', 'replaceResult needs a score in resultScore/textString.', 'textString');
    const percent = fractionToPercent(text);
    if (percent === undefined) {
      throw failure(
        200,
        'invalid_parameter',
        `The score must be a decimal number from 0.0 to 1.0 with a period as the decimal point, not "${text.slice(0, 40)}".`,
        'textString',
      );
    }
    const progress = scoredProgress(activity, sourcedId.userId, percent, deps.clock.now());
    await deps.progress.put(progress);
    return { description: `The score ${text} is recorded: the activity is ${progress.status}.` };
  },
  /** IG §6.1.2; cert 8.5: without a score, success with an empty textString. */
  readResult: async ({ environmentId, sourcedId }, deps) => {
    const progress: Progress | undefined = await deps.progress.get(environmentId, sourcedId.activityId, sourcedId.userId);
    const score = progress?.score === undefined ? '' : percentToFraction(progress.score);
    return { description: score ? `The score is ${score}.` : 'There is no score.', score };
  },
  /** IG §6.1.3. The learner was launched and may try again: `in-progress`, without a score (`../academy/scores.ts`). */
  deleteResult: async ({ activity, sourcedId }, deps) => {
    await deps.progress.put(unscoredProgress(activity, sourcedId.userId, deps.clock.now()));
    return { description: 'The score is deleted.' };
  },
};

/** Reads the request from the event. */
export function readOutcomeRequest(event: ApiEvent, publicUrl: string): PlatformOutcomeRequest {
  const raw = event.body ?? '';
  return {
    environmentId: pathParam(event, 'env'),
    url: `${publicUrl}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`,
    body: event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8'),
    contentType: event.headers?.['content-type'] ?? '',
    authorization: event.headers?.authorization,
  };
}

/**
 * The request, step by step, and its operation; answers the POX response (the edge answers an
 * error's). Every answer echoes the request's identifier once the body is parsed; the environment's
 * refusals, which come before, echo it too when the body is a POX request, as they did when they
 * came after the body was parsed.
 */
export async function lti12Outcomes(deps: OutcomesDeps, event: ApiEvent): Promise<ApiResult> {
  const request = readOutcomeRequest(event, deps.config.publicUrl);
  const pox = readPox(request.body);
  renderErrorsWith(event, () => ({ pox: echo(pox instanceof PoxError ? undefined : pox) }));
  const context = await readContext(request, pox, deps);
  const addressed = addressedRequest(await poxRequest(inEnvironment(request, context), pox, deps), context);
  const verified = await verifiedRequest(signedRequest(addressed), deps);
  const outcome = await operations[verified.operation](verified, deps);
  return poxAnswer(200, echo(verified.pox), { codeMajor: 'success', severity: 'status', ...outcome });
}

/** What an answer echoes of the request: its identifier and operation. */
function echo(pox: PoxRequest | undefined) {
  return { messageRefIdentifier: pox?.messageId ?? '', operation: pox?.operation ?? '' };
}
