/**
 * What another system answered to an outbound call, read for the caller that must decide what to do
 * next and say why: whether the same request may succeed later, when to try again (`Retry-After`),
 * and a short quote of the answer for a passback's `lastError`, which an LMS administrator reads.
 */
import type { OutboundResponse } from '../ports';
import { retryableStatus } from './outbound';

/** The longest quote of an answer's body. */
export const snippetLength = 200;

/**
 * Canvas answers a throttled request `403 Forbidden (Rate Limit Exceeded)` (Canvas LMS REST API,
 * "Throttling": "Your application should be prepared for this error, and retry the request at a
 * later time"), so that 403 is one the same request gets past later.
 */
const rateLimitExceeded = /rate limit exceeded/i;

/**
 * Whether the same request may succeed later: no for an answer that needs a change at one end
 * (400, 401, 403, 404, 422, …), yes for 408, 425, 429 and 5xx (`retryableStatus`), and for a 403
 * that says the rate limit was exceeded.
 */
export function retryableAnswer(answer: Pick<OutboundResponse, 'status' | 'body'>): boolean {
  return retryableStatus(answer.status) || (answer.status === 403 && rateLimitExceeded.test(answer.body));
}

function header(answer: Pick<OutboundResponse, 'headers'>, name: string): string | undefined {
  const entry = Object.entries(answer.headers).find(([key]) => key.toLowerCase() === name);
  return entry?.[1];
}

/**
 * The seconds the answer asks to wait before the next request (RFC 9110 §10.2.3 `Retry-After`:
 * delay-seconds, or an HTTP-date, counted from `now` in milliseconds); undefined when it names
 * neither. A date in the past is 0.
 */
export function retryAfterSeconds(answer: Pick<OutboundResponse, 'headers'>, now: number): number | undefined {
  const value = header(answer, 'retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  // An HTTP-date starts with the day's name (IMF-fixdate, RFC 850 and asctime forms alike).
  const at = /^[A-Za-z]{3,9},? /.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

const redacted = '[redacted]';

const secretNames = 'access_token|refresh_token|id_token|client_assertion|client_secret|oauth_signature|secret|password';

/**
 * Credentials that an answer might echo from the request: signed JWTs, bearer tokens, and the value
 * of a named secret as a form or header parameter (`name=value`, `name="value"`) or a JSON member.
 */
const credentialPatterns: readonly [RegExp, string][] = [
  [/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, redacted],
  [/\b(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1${redacted}`],
  [new RegExp(`\\b(${secretNames})=("?)[^&\\s",]+`, 'gi'), `$1=$2${redacted}`],
  [new RegExp(`("(?:${secretNames})"\\s*:\\s*")[^"]*`, 'gi'), `$1${redacted}`],
];

function withoutMarkup(text: string): string {
  if (!/<[a-z!?/][^>]*>/i.test(text)) return text;
  return text
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&');
}

/**
 * A quote of an answer's body for a log line or a `lastError`: its text (an HTML or XML page's tags
 * removed) on one line, at most {@link snippetLength} characters, with whatever looks like a
 * credential replaced by `[redacted]`, and each of `secrets` (what the request carried: a token, an
 * assertion, a signature) too. Empty when the body says nothing beyond the status code.
 */
export function answerSnippet(answer: Pick<OutboundResponse, 'status' | 'body'>, secrets: readonly string[] = []): string {
  let text = withoutMarkup(answer.body);
  for (const secret of secrets) if (secret.length >= 8) text = text.split(secret).join(redacted);
  for (const [pattern, replacement] of credentialPatterns) text = text.replace(pattern, replacement);
  text = text.replace(/\s+/g, ' ').trim();
  if (!/[a-z]/i.test(text.replace(String(answer.status), ''))) return '';
  return text.length > snippetLength ? `${text.slice(0, snippetLength)}…` : text;
}
