/**
 * `POST /{env}/lti12/outcomes`: the academy's LTI Basic Outcomes service (LTI 1.1 IG §6,
 * lti-bo v1p1), where LTI 1.2 tools send `replaceResult`, `readResult` and `deleteResult` for the
 * `lis_result_sourcedid` of a launch. Scores become progress (`../academy/scores.ts`).
 *
 * The checks run in the order listed in `checks`, each a small function that throws an
 * `OutcomeError`, which the edge answers (`../http/renderers/pox.ts`). Every answer is a POX response
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
import { timingSafeEqual } from 'node:crypto';
import type { ExternalLti12, Progress } from '../academy/model';
import type { Config } from '../config';
import { ltiDisabledMessage, OutcomeError } from '../errors';
import { renderErrorsWith } from '../http/error-context';
import { poxAnswer, poxOperations, type PoxOperation } from '../http/renderers/pox';
import { firstValues, pathParam } from '../http/request';
import type { ApiEvent, ApiResult } from '../http/types';
import { bodyHash, oauthSignature, parseAuthorizationHeader, signatureMethods, signaturesMatch, type SignatureMethod } from './oauth1';
import { isFreshTimestamp, isSupportedOauthVersion, isSupportedSignatureMethod, requiredOauthParameters, useNonceOnce } from './oauth-request';
import { parsePoxRequest, PoxError, type PoxRequest } from './pox';
import type { Clock, PlatformContext, PlatformStore, ProgressStore, SingleUseStore } from '../ports';
import { fractionToPercent, percentToFraction, scoredProgress, unscoredProgress } from '../academy/scores';
import { parseSourcedId, sourcedIdMatches, type SourcedIdParts } from './platform-sourcedid';

export interface OutcomesDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly platform: PlatformStore;
  readonly progress: ProgressStore;
  readonly singleUse: SingleUseStore;
  readonly clock: Clock;
}

/** A request that ends with a POX `failure`: 200 once the request is the tool's own, else 4xx. */
const failure = (status: number, code: string, message: string, field?: string) => new OutcomeError(status, code, message, { field });

/** The state the checks read and fill in. */
export interface PlatformOutcomeRequest {
  readonly environmentId: string;
  /** The URL the tool signed: `PUBLIC_URL` + path, with the query string. */
  readonly url: string;
  /** The exact body bytes (`oauth_body_hash` is over them). */
  readonly body: Buffer;
  readonly contentType: string;
  readonly authorization?: string;
  pox?: PoxRequest;
  sourcedId?: SourcedIdParts;
  context?: PlatformContext;
  lti?: ExternalLti12;
  /** The `Authorization` header's parameters, in order. */
  oauthPairs?: [string, string][];
  oauth?: Record<string, string>;
}

type Check = (request: PlatformOutcomeRequest, deps: OutcomesDeps) => void | Promise<void>;

const notFormEncoded: Check = (request) => {
  // OAuth Request Body Hash §4.1.1: a form-encoded body is signed as parameters, never by hash.
  if (/^application\/x-www-form-urlencoded\b/i.test(request.contentType)) {
    throw failure(415, 'unsupported_media_type', 'The body must be a POX document (application/xml), not a form.', 'content-type');
  }
};

const poxBody: Check = (request) => {
  try {
    request.pox = parsePoxRequest(request.body.toString('utf8'));
  } catch (error) {
    if (!(error instanceof PoxError)) throw error;
    const [status, code] = error.reason === 'too-large' ? [413, 'payload_too_large'] : [400, 'invalid_pox'];
    throw new OutcomeError(status, code, `The body is not a Basic Outcomes request: ${error.message}.`, { field: 'body', cause: error });
  }
};

/** One read: the environment and, for a well-formed sourcedId, its activity, user and record. */
const context: Check = async (request, deps) => {
  request.sourcedId = parseSourcedId(request.pox!.sourcedId);
  request.context = await deps.platform.context(request.environmentId, request.sourcedId?.activityId, request.sourcedId?.userId);
};

const environmentEnablesLti: Check = (request) => {
  const { environment } = request.context!;
  if (!environment) throw failure(404, 'not_found', 'There is no such environment.');
  if (!environment.ltiEnabled) throw failure(403, 'lti_disabled', `${ltiDisabledMessage}.`);
};

/** Nothing is read or written for an unknown operation, so it is answered before authentication. */
const supportedOperation: Check = (request) => {
  if (!(poxOperations as readonly string[]).includes(request.pox!.operation)) {
    const name = request.pox!.operation ? `${request.pox!.operation}Request` : 'an empty imsx_POXBody';
    throw new OutcomeError(200, 'unsupported_operation', `${name} is not supported: this service supports replaceResult, readResult and deleteResult.`, {
      field: 'imsx_POXBody',
      codeMajor: 'unsupported',
    });
  }
};

const unknownSourcedId = () =>
  failure(200, 'unknown_sourcedid', 'The sourcedId is not one this academy issued for this tool (unknown, forged or for another learner or activity).', 'sourcedId');

const sourcedIdOfAnLti12Activity: Check = (request) => {
  const activity = request.context!.activity;
  if (!request.sourcedId || activity?.lti?.version !== '1.2') throw unknownSourcedId();
  request.lti = activity.lti;
};

const oauthParameters: Check = (request) => {
  const pairs = parseAuthorizationHeader(request.authorization);
  if (!pairs) throw failure(401, 'unauthorized', 'The request must carry an OAuth 1.0a Authorization header (Authorization: OAuth ...).', 'authorization');
  const oauth = firstValues(pairs);
  for (const name of [...requiredOauthParameters, 'oauth_body_hash']) {
    if (!oauth[name]) throw failure(400, 'missing_parameter', `The Authorization header is missing ${name}.`, name);
  }
  if (!isSupportedOauthVersion(oauth.oauth_version)) throw failure(400, 'invalid_parameter', 'oauth_version must be 1.0 when present.', 'oauth_version');
  if (!isSupportedSignatureMethod(oauth.oauth_signature_method)) {
    throw failure(400, 'invalid_parameter', `oauth_signature_method must be ${signatureMethods.join(' or ')}.`, 'oauth_signature_method');
  }
  request.oauthPairs = pairs;
  request.oauth = oauth;
};

const keyOfTheActivity: Check = (request) => {
  if (request.oauth!.oauth_consumer_key !== request.lti!.key) {
    throw failure(401, 'unauthorized', 'oauth_consumer_key is not the key of the activity this sourcedId belongs to.', 'oauth_consumer_key');
  }
};

/** OAuth Request Body Hash §3.2: the hash of the exact body bytes, itself covered by the signature. */
const bodyHashMatches: Check = (request) => {
  const expected = Buffer.from(bodyHash(request.body, request.oauth!.oauth_signature_method as SignatureMethod));
  const given = Buffer.from(request.oauth!.oauth_body_hash!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw failure(401, 'unauthorized', 'oauth_body_hash does not match the body.', 'oauth_body_hash');
  }
};

/** RFC 5849 §3.4: the XML body is not a form, so only the OAuth parameters and the query are signed. */
const validSignature: Check = (request) => {
  const expected = oauthSignature(request.oauth!.oauth_signature_method as SignatureMethod, 'POST', request.url, request.oauthPairs!, request.lti!.secret);
  if (!signaturesMatch(expected, request.oauth!.oauth_signature!)) {
    throw failure(401, 'unauthorized', 'The OAuth signature is not valid: check the secret and the outcome service URL.', 'oauth_signature');
  }
};

const freshTimestamp: Check = (request, deps) => {
  if (!isFreshTimestamp(request.oauth!.oauth_timestamp, deps.clock.now())) {
    throw failure(401, 'unauthorized', 'oauth_timestamp is not within 5 minutes of the time here.', 'oauth_timestamp');
  }
};

/** Nonces are per environment and consumer key, apart from the launches' (RFC 5849 §3.3). */
const nonceUsedOnce: Check = async (request, deps) => {
  const { oauth_consumer_key: key, oauth_nonce: nonce, oauth_timestamp: timestamp } = request.oauth!;
  const fresh = await useNonceOnce(deps.singleUse, `lti12-outcomes:${request.environmentId}:${key}`, nonce!, timestamp!, deps.clock.now());
  if (!fresh) throw failure(401, 'unauthorized', 'oauth_nonce was already used.', 'oauth_nonce');
};

const sourcedIdBoundToKey: Check = (request) => {
  if (!sourcedIdMatches(request.context!.sourcedId, request.sourcedId!, request.oauth!.oauth_consumer_key!)) throw unknownSourcedId();
};

/** The checks, in order: parsing, the environment, the operation, then authentication. */
export const checks: readonly Check[] = [
  notFormEncoded,
  poxBody,
  context,
  environmentEnablesLti,
  supportedOperation,
  sourcedIdOfAnLti12Activity,
  oauthParameters,
  keyOfTheActivity,
  bodyHashMatches,
  validSignature,
  freshTimestamp,
  nonceUsedOnce,
  sourcedIdBoundToKey,
];

interface Outcome {
  readonly description: string;
  /** readResult: the score as 0.0..1.0, '' for none. */
  readonly score?: string;
}

type Operation = (request: PlatformOutcomeRequest, deps: OutcomesDeps) => Promise<Outcome>;

/** The operations (LTI 1.1 IG §6.1.1–6.1.3), once every check has passed. */
export const operations: Readonly<Record<PoxOperation, Operation>> = {
  /** IG §6.1.1: "The TC must check the incoming grade for validity and must fail when a grade is outside the range 0.0-1.0 or if the grade is not a valid number." */
  replaceResult: async (request, deps) => {
    const text = request.pox!.score;
    if (text === undefined || text === '') throw failure(200, 'missing_parameter', 'replaceResult needs a score in resultScore/textString.', 'textString');
    const percent = fractionToPercent(text);
    if (percent === undefined) {
      throw failure(200, 'invalid_parameter', `The score must be a decimal number from 0.0 to 1.0 with a period as the decimal point, not "${text.slice(0, 40)}".`, 'textString');
    }
    const progress = scoredProgress(activityOf(request), request.sourcedId!.userId, percent, deps.clock.now());
    await deps.progress.put(progress);
    return { description: `The score ${text} is recorded: the activity is ${progress.status}.` };
  },
  /** IG §6.1.2; cert 8.5: without a score, success with an empty textString. */
  readResult: async (request, deps) => {
    const progress: Progress | undefined = await deps.progress.get(request.environmentId, request.sourcedId!.activityId, request.sourcedId!.userId);
    const score = progress?.score === undefined ? '' : percentToFraction(progress.score);
    return { description: score ? `The score is ${score}.` : 'There is no score.', score };
  },
  /** IG §6.1.3. The learner was launched and may try again: `in-progress`, without a score (`../academy/scores.ts`). */
  deleteResult: async (request, deps) => {
    await deps.progress.put(unscoredProgress(activityOf(request), request.sourcedId!.userId, deps.clock.now()));
    return { description: 'The score is deleted.' };
  },
};

function activityOf(request: PlatformOutcomeRequest) {
  return request.context!.activity!;
}

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

/** Runs the checks and the operation; answers the POX response (the edge answers an error's). */
export async function lti12Outcomes(deps: OutcomesDeps, event: ApiEvent): Promise<ApiResult> {
  const request = readOutcomeRequest(event, deps.config.publicUrl);
  renderErrorsWith(event, () => ({ pox: echo(request) }));
    for (const check of checks) await check(request, deps);
    const operation = request.pox!.operation as PoxOperation;
    const outcome = await operations[operation](request, deps);
  return poxAnswer(200, echo(request), { codeMajor: 'success', severity: 'status', ...outcome });
}

/** What the answer echoes of the request: its identifier and operation, once the body is parsed. */
function echo(request: PlatformOutcomeRequest) {
  return { messageRefIdentifier: request.pox?.messageId ?? '', operation: request.pox?.operation ?? '' };
}
