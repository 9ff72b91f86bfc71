/**
 * The tool side of LTI 1.1 Basic Outcomes: sends `replaceResult` to an LMS's
 * `lis_outcome_service_url` (LTI 1.1 IG §6.1.1, Basic Outcomes).
 *
 * The request is a POX document POSTed as `application/xml` and signed with OAuth 1.0a in an
 * `Authorization: OAuth …` header (RFC 5849 §3.5.1). The XML body is not a form body, so it is not
 * among the signed parameters; the OAuth Request Body Hash extension (§3.1) signs it through
 * `oauth_body_hash`, base64 of its SHA-1. The signed parameters are the `oauth_*` ones (body hash
 * included) and the service URL's own query parameters (RFC 5849 §3.4.1.3.1).
 *
 * Pure protocol code: the HTTP client, the message id, the nonce and the time are given.
 */
import { answerSnippet, retryableAnswer, retryAfterSeconds } from '../http/lms-answer';
import { OutboundError } from '../http/outbound';
import type { HttpClient } from '../ports';
import { authorizationHeader, bodyHash, oauthSignature, type SignatureMethod } from './oauth1';
import { buildPoxRequest, parsePoxResponse, PoxError, type PoxResponse } from './pox';

export interface ReplaceResultInput {
  /** `lis_outcome_service_url` of the launch. */
  readonly serviceUrl: string;
  readonly consumerKey: string;
  readonly consumerSecret: string;
  /** `lis_result_sourcedid` of the launch. */
  readonly sourcedId: string;
  /** `resultScore/textString`: a decimal 0.0 … 1.0 with a period (IG §6.1.1). */
  readonly score: string;
  /** `imsx_messageIdentifier`: unique per message. */
  readonly messageId: string;
  readonly nonce: string;
  /** Epoch seconds. */
  readonly timestamp: number;
  readonly signatureMethod?: SignatureMethod;
}

export interface ToolOutcomeRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * A `replaceResult` that did not succeed. `retryable`: the same request may succeed later, after
 * `retryAfterSeconds` when the LMS said so (`Retry-After`).
 */
export class ToolOutcomeError extends Error {
  override name = 'OutcomeError';

  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** How long an LMS gets to answer: Basic Outcomes services write a grade and answer at once. */
export const outcomeTimeoutMs = 10_000;

/** Builds the signed `replaceResult` request (POX body, `Content-Type`, `Authorization`). */
export function signedReplaceResult(input: ReplaceResultInput): ToolOutcomeRequest {
  const signatureMethod = input.signatureMethod ?? 'HMAC-SHA1';
  const body = buildPoxRequest({
    messageId: input.messageId,
    operation: 'replaceResult',
    sourcedId: input.sourcedId,
    score: input.score,
    language: 'en',
  });
  const oauth: Record<string, string> = {
    oauth_body_hash: bodyHash(body, signatureMethod),
    oauth_consumer_key: input.consumerKey,
    oauth_nonce: input.nonce,
    oauth_signature_method: signatureMethod,
    oauth_timestamp: String(input.timestamp),
    oauth_version: '1.0',
  };
  const signature = oauthSignature(signatureMethod, 'POST', input.serviceUrl, Object.entries(oauth), input.consumerSecret);
  return {
    url: input.serviceUrl,
    headers: {
      'content-type': 'application/xml',
      accept: 'application/xml',
      authorization: authorizationHeader({ ...oauth, oauth_signature: signature }),
    },
    body,
  };
}

/** LMS-supplied text in an error message: one line, bounded. */
function quote(text: string, max = 300): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/**
 * Sends `replaceResult` and checks the answer: HTTP 2xx and a POX response whose `imsx_codeMajor`
 * is `success`. Anything else throws an {@link ToolOutcomeError} whose message says what the LMS did
 * (with its `imsx_description`, or a quote of its body), retryable when the LMS may accept it later:
 * no answer, HTTP 408/425/429/5xx (after its `Retry-After`), an answer that is not POX (a proxy's
 * error page), or `processing`. `failure` and `unsupported` (with HTTP 200), and any other HTTP 4xx
 * (400, a 401 or 403 refusing the signature, 404, 422), are the LMS's decision and are not retried.
 */
export async function sendReplaceResult(http: HttpClient, input: ReplaceResultInput): Promise<PoxResponse> {
  const request = signedReplaceResult(input);
  let response;
  try {
    response = await http.send({
      method: 'POST',
      url: request.url,
      headers: request.headers,
      body: request.body,
      timeoutMs: outcomeTimeoutMs,
    });
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    if (error.code === 'blocked_url') throw new ToolOutcomeError(`the outcome service URL is not allowed: ${error.message}`, false);
    if (error.code === 'timeout') throw new ToolOutcomeError(`the outcome service did not answer: ${error.message}`, true);
    throw new ToolOutcomeError(`the outcome service could not be reached: ${error.message}`, true);
  }
  if (response.status < 200 || response.status > 299) {
    const retryable = retryableAnswer(response);
    const hint =
      (response.status === 401 || response.status === 403) && !retryable
        ? " (the LMS refused the request: check the activity's LTI 1.2 key and secret in the LMS)"
        : '';
    const said = answerSnippet(response, [input.consumerSecret, request.headers.authorization ?? '']);
    throw new ToolOutcomeError(
      `the outcome service answered HTTP ${response.status}${hint}${said ? `: ${said}` : ''}`,
      retryable,
      retryable ? retryAfterSeconds(response, input.timestamp * 1000) : undefined,
    );
  }
  let pox: PoxResponse;
  try {
    pox = parsePoxResponse(response.body);
  } catch (error) {
    if (!(error instanceof PoxError)) throw error;
    throw new ToolOutcomeError(
      `the outcome service answered HTTP ${response.status} without a Basic Outcomes response (${error.message})`,
      true,
    );
  }
  if (pox.codeMajor !== 'success') {
    const description = pox.description ? `: ${quote(pox.description)}` : ' (no description)';
    throw new ToolOutcomeError(`the LMS answered imsx_codeMajor ${quote(pox.codeMajor, 40)}${description}`, pox.codeMajor === 'processing');
  }
  return pox;
}
