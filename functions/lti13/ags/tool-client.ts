/**
 * The academy's client of a platform's Assignment and Grade Services (AGS 2.0): scores posted to a
 * line item (§3.4), and the line item found or created in the line items container when the launch
 * named none (§3.2, §4.8). Every call carries a bearer token from `access-token.ts`; a 401 renews
 * the token once and repeats the call.
 */
import type { Platform } from '../../academy/model';
import { answerSnippet, retryableAnswer, retryAfterSeconds } from '../../http/lms-answer';
import { OutboundError } from '../../http/outbound';
import type { OutboundResponse } from '../../ports';
import type { Lti13Binding } from '../../ports';
import { platformTokens, AccessTokenError, type ToolAccessTokenDeps, type PlatformTokens } from '../core/tool-access-token';
import { activityProgressValues, agsMediaTypes, agsScopes, gradingProgressValues } from './vocabulary';

export interface ToolAgsDeps extends ToolAccessTokenDeps {
  /** The instance's token cache unless given (tests). */
  readonly tokens?: PlatformTokens;
}

/** A failed AGS call; `retryable` when the same call may succeed later. */
export class AgsError extends Error {
  override name = 'AgsError';

  constructor(
    message: string,
    readonly retryable: boolean,
    /** The platform's HTTP status, when it answered. */
    readonly status?: number,
    /** How long the platform asked to wait (`Retry-After`), when it did. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** An answer, with the bearer token it was sent with (to keep it out of any quote of the answer). */
interface Answered {
  readonly token: string;
  readonly answer: OutboundResponse;
}

/** `application/vnd.ims.lis.v1.score+json` (AGS 2.0 §3.4.3-3.4.9). */
export interface ToolScore {
  /** The platform's user id (`sub`). */
  readonly userId: string;
  readonly scoreGiven?: number;
  readonly scoreMaximum?: number;
  readonly activityProgress: (typeof activityProgressValues)[number];
  readonly gradingProgress: (typeof gradingProgressValues)[number];
  /** ISO 8601 with milliseconds and a zone designator (§3.4.9). */
  readonly timestamp: string;
}

/** The line item this academy creates for an activity (§3.2.5, §3.2.10: `resourceId` is the activity's id). */
export interface LineItemSpec {
  readonly resourceId: string;
  readonly label: string;
  readonly scoreMaximum: number;
  readonly resourceLinkId?: string;
}

/** §3.4.1: the scores endpoint is the line item URL's path with `/scores` appended, its query kept. */
export function scoresUrl(lineItemUrl: string): string {
  const url = new URL(lineItemUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/scores`;
  return url.toString();
}

/** The scopes a binding asks for to post a score: `score`, plus line item access when it has no line item. */
export function scopesFor(binding: Lti13Binding): string[] {
  if (binding.lineitem) return [agsScopes.score];
  if (binding.scopes.includes(agsScopes.lineitem)) return [agsScopes.score, agsScopes.lineitem];
  if (binding.scopes.includes(agsScopes.lineitemReadonly)) return [agsScopes.score, agsScopes.lineitemReadonly];
  return [agsScopes.score];
}

/**
 * Sends with a bearer token; on 401 the token is renewed once and the request sent again. A second
 * 401, with a token just issued, is the platform's decision (it does not accept the academy's
 * credentials or scopes for this call): the caller fails it without retrying.
 */
async function authorized(
  deps: ToolAgsDeps,
  platform: Platform,
  scopes: readonly string[],
  what: string,
  send: (token: string) => Promise<OutboundResponse>,
): Promise<Answered> {
  const tokens = deps.tokens ?? platformTokens;
  const attempt = async (): Promise<Answered> => {
    let token: string;
    try {
      token = await tokens.token(deps, platform, scopes);
    } catch (error) {
      if (error instanceof AccessTokenError) throw new AgsError(error.message, error.retryable, undefined, error.retryAfterSeconds);
      throw error;
    }
    try {
      return { token, answer: await send(token) };
    } catch (error) {
      if (error instanceof OutboundError) {
        throw new AgsError(`the platform's ${what} did not answer: ${error.message}`, error.code !== 'blocked_url');
      }
      throw error;
    }
  };
  const first = await attempt();
  if (first.answer.status !== 401) return first;
  tokens.invalidate(platform, scopes, first.token);
  return attempt();
}

/** The error of an answer that is not the one asked for: its status and what it said, when to retry. */
function failure(deps: ToolAgsDeps, what: string, { token, answer }: Answered): AgsError {
  const retryable = retryableAnswer(answer);
  const hint =
    (answer.status === 401 || answer.status === 403) && !retryable
      ? ' (the access token was refused: check the scopes granted to the academy)'
      : '';
  const said = answerSnippet(answer, [token]);
  return new AgsError(
    `the platform's ${what} answered HTTP ${answer.status}${hint}${said ? `: ${said}` : ''}`,
    retryable,
    answer.status,
    retryable ? retryAfterSeconds(answer, deps.clock.now()) : undefined,
  );
}

/** POSTs a score to a line item (§3.4). */
export async function sendScore(
  deps: ToolAgsDeps,
  platform: Platform,
  lineItemUrl: string,
  score: ToolScore,
  scopes: readonly string[] = [agsScopes.score],
): Promise<void> {
  const url = scoresUrl(lineItemUrl);
  const body = JSON.stringify(score);
  const answered = await authorized(deps, platform, scopes, 'scores endpoint', (token) =>
    deps.http.send({
      method: 'POST',
      url,
      headers: { 'content-type': agsMediaTypes.score, authorization: `Bearer ${token}` },
      body,
    }),
  );
  if (answered.answer.status < 200 || answered.answer.status > 299) throw failure(deps, 'scores endpoint', answered);
}

/**
 * The line item of `spec.resourceId` in the container at `lineItemsUrl`: found by the
 * `resource_id` filter (§3.2.4), or created (§3.2.5) when `canCreate`.
 */
export async function findOrCreateLineItem(
  deps: ToolAgsDeps,
  platform: Platform,
  lineItemsUrl: string,
  spec: LineItemSpec,
  scopes: readonly string[],
  canCreate: boolean,
): Promise<string> {
  const query = new URL(lineItemsUrl);
  query.searchParams.set('resource_id', spec.resourceId);
  const listed = await authorized(deps, platform, scopes, 'line items endpoint', (token) =>
    deps.http.send({
      method: 'GET',
      url: query.toString(),
      headers: { accept: agsMediaTypes.lineitemContainer, authorization: `Bearer ${token}` },
    }),
  );
  if (listed.answer.status !== 200) throw failure(deps, 'line items endpoint', listed);
  let items: unknown;
  try {
    items = JSON.parse(listed.answer.body);
  } catch {
    throw new AgsError("the platform's line items endpoint answered something that is not JSON", false);
  }
  const found = Array.isArray(items)
    ? items.find((item) => item?.resourceId === spec.resourceId && typeof item?.id === 'string')
    : undefined;
  if (found) return found.id as string;
  if (!canCreate) {
    throw new AgsError(
      `the platform has no line item for this activity, and does not allow the academy to create one (scope ${agsScopes.lineitem})`,
      false,
    );
  }
  const created = await authorized(deps, platform, scopes, 'line items endpoint', (token) =>
    deps.http.send({
      method: 'POST',
      url: lineItemsUrl,
      headers: { 'content-type': agsMediaTypes.lineitem, accept: agsMediaTypes.lineitem, authorization: `Bearer ${token}` },
      body: JSON.stringify(spec),
    }),
  );
  if (created.answer.status !== 200 && created.answer.status !== 201) throw failure(deps, 'line items endpoint', created);
  let item: { id?: unknown } | undefined;
  try {
    item = JSON.parse(created.answer.body) as { id?: unknown };
  } catch {
    item = undefined;
  }
  if (typeof item?.id !== 'string') throw new AgsError("the platform's new line item has no id", false);
  return item.id;
}

/**
 * Lookups under way, per platform, container, activity and scopes: deliveries that run at the same time (an
 * SQS batch of learners finishing one activity together) share one, so that they do not create the
 * line item twice. Nothing is kept once a lookup settles: the next delivery asks the platform again,
 * so a line item the teacher deleted or re-created is found anew, never posted to from memory.
 */
const lookups = new Map<string, Promise<string>>();

/**
 * The line item a binding's scores go to: the launch's (AGS §3.1 `lineitem`), or, when the launch
 * gave only the container (`lineitems`), the activity's, found by `resource_id` or created (§3.2.4,
 * §3.2.5): one lookup per call.
 */
export async function lineItemOf(deps: ToolAgsDeps, platform: Platform, binding: Lti13Binding, spec: LineItemSpec): Promise<string> {
  if (binding.lineitem) return binding.lineitem;
  if (!binding.lineitems) throw new AgsError('the launch gave neither a line item nor a line items URL', false);
  const scopes = scopesFor(binding);
  const canRead = scopes.length > 1;
  if (!canRead) {
    throw new AgsError(
      `the launch gave no line item, and the platform does not let the academy read or create line items (scope ${agsScopes.lineitem})`,
      false,
    );
  }
  const key = JSON.stringify([platform.environmentId, platform.id, binding.lineitems, spec.resourceId, scopes]);
  let lookup = lookups.get(key);
  if (!lookup) {
    lookup = findOrCreateLineItem(deps, platform, binding.lineitems, spec, scopes, scopes.includes(agsScopes.lineitem)).finally(() =>
      lookups.delete(key),
    );
    lookups.set(key, lookup);
  }
  return lookup;
}
