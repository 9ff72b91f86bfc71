/**
 * The academy's client of a platform's Names and Role Provisioning Service (NRPS 2.0 §2.4): every
 * member of a context, page after page. Each request carries a bearer token for the NRPS scope
 * (§3.6.1; `../core/tool-access-token.ts`, renewed once on a 401), asks for the membership
 * container (§2.1) and a large page (§2.4.2 `limit`, a guide the platform may ignore), and follows
 * `Link: <…>; rel="next"` (RFC 8288) until a page has none.
 *
 * A `next` link must stay on the memberships URL's origin: the bearer token goes with it, and a
 * platform's answer must not send it elsewhere. Pages are bounded in number and a link already
 * followed is refused, so that a platform that links in a circle cannot hold a sync forever.
 */
import type { Platform } from '../../academy/model';
import { answerSnippet, retryableAnswer } from '../../http/lms-answer';
import { OutboundError } from '../../http/outbound';
import type { OutboundResponse } from '../../ports';
import { AccessTokenError, platformTokens, type PlatformTokens, type ToolAccessTokenDeps } from '../core/tool-access-token';
import { nrpsMediaType, nrpsQuery, nrpsScope } from './vocabulary';

export interface ToolNrpsDeps extends ToolAccessTokenDeps {
  /** The instance's token cache unless given (tests). */
  readonly tokens?: PlatformTokens;
}

/** The page size asked for (§2.4.2): the platform decides, this only says that large pages are welcome. */
export const requestedPageSize = 1000;
/** At most this many pages per context: 1,000,000 members at the size asked, far fewer at a platform's smaller pages. */
export const maxPages = 1000;
/** One page of 1000 members is about 300 KB; room for platforms that send more per member. */
const maxPageBytes = 8 * 1024 * 1024;
const pageTimeoutMs = 15_000;

/** The memberships could not be read; the message names what the platform did, for an administrator. */
export class NrpsError extends Error {
  override name = 'NrpsError';

  constructor(
    message: string,
    /** Whether the same read may succeed later (the platform down, slow, throttling). */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** A member as the platform listed it (§2.1, §2.2): nothing in it is trusted to be there or well formed. */
export type ListedMember = Readonly<Record<string, unknown>>;

/** The `next` link of a `Link` header (RFC 8288 §3: `<uri-reference>; param=value`, several separated by commas). */
export function nextLinkOf(link: string | undefined, base: string): string | undefined {
  if (!link) return undefined;
  for (const match of link.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]+)*)/g)) {
    const rels = /;\s*rel\s*=\s*"?([^";,]+)"?/i.exec(match[2] ?? '')?.[1];
    if (rels?.toLowerCase().split(/\s+/).includes('next')) return new URL(match[1]!, base).toString();
  }
  return undefined;
}

const header = (answer: OutboundResponse, name: string) => Object.entries(answer.headers).find(([key]) => key.toLowerCase() === name)?.[1];

/** The first page's URL: the memberships URL with `limit`, unless it names one already. */
function firstPage(membershipsUrl: string): string {
  const url = new URL(membershipsUrl);
  if (!url.searchParams.has(nrpsQuery.limit)) url.searchParams.set(nrpsQuery.limit, String(requestedPageSize));
  return url.toString();
}

/** One GET with a bearer token; a 401 renews the token once (a platform may revoke or expire it early). */
async function fetchPage(deps: ToolNrpsDeps, platform: Platform, url: string): Promise<{ answer: OutboundResponse; token: string }> {
  const tokens = deps.tokens ?? platformTokens;
  const attempt = async () => {
    let token: string;
    try {
      token = await tokens.token(deps, platform, [nrpsScope]);
    } catch (error) {
      if (error instanceof AccessTokenError) throw new NrpsError(error.message, error.retryable);
      throw error;
    }
    try {
      const answer = await deps.http.send({
        method: 'GET',
        url,
        headers: { accept: nrpsMediaType, authorization: `Bearer ${token}` },
        timeoutMs: pageTimeoutMs,
        maxBytes: maxPageBytes,
      });
      return { answer, token };
    } catch (error) {
      if (error instanceof OutboundError) {
        throw new NrpsError(`the platform's memberships URL did not answer: ${error.message}`, error.code !== 'blocked_url');
      }
      throw error;
    }
  };
  const first = await attempt();
  if (first.answer.status !== 401) return first;
  tokens.invalidate(platform, [nrpsScope], first.token);
  return attempt();
}

/** The members of one page, from a membership container (§2.1). */
function membersOf(answer: OutboundResponse, page: number): ListedMember[] {
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    throw new NrpsError(`page ${page} of the platform's memberships is not JSON`, false);
  }
  const members = (body as { members?: unknown } | null)?.members;
  if (!Array.isArray(members)) throw new NrpsError(`page ${page} of the platform's memberships has no members list`, false);
  return members.filter((member): member is ListedMember => typeof member === 'object' && member !== null && !Array.isArray(member));
}

/**
 * Every member of the context at `membershipsUrl`, in the platform's order, reading one page after
 * the other. Throws an `NrpsError` that says which page failed and what the platform answered
 * (credentials it might echo are redacted): the caller then writes nothing.
 */
export async function readMemberships(deps: ToolNrpsDeps, platform: Platform, membershipsUrl: string): Promise<ListedMember[]> {
  const origin = new URL(membershipsUrl).origin;
  const members: ListedMember[] = [];
  const followed = new Set<string>();
  let url: string | undefined = firstPage(membershipsUrl);
  for (let page = 1; url !== undefined; page++) {
    if (page > maxPages) throw new NrpsError(`the platform's memberships have more than ${maxPages} pages`, false);
    followed.add(url);
    const { answer, token } = await fetchPage(deps, platform, url);
    if (answer.status !== 200) {
      const said = answerSnippet(answer, [token]);
      const hint =
        answer.status === 401 || answer.status === 403
          ? ' (the access token was refused: check that the platform grants the academy the NRPS scope)'
          : '';
      throw new NrpsError(
        `page ${page} of the platform's memberships answered HTTP ${answer.status}${hint}${said ? `: ${said}` : ''}`,
        retryableAnswer(answer),
      );
    }
    members.push(...membersOf(answer, page));
    const next = nextLinkOf(header(answer, 'link'), url);
    if (next !== undefined && new URL(next).origin !== origin) {
      throw new NrpsError(
        `page ${page} of the platform's memberships links its next page to another origin (${new URL(next).origin})`,
        false,
      );
    }
    if (next !== undefined && followed.has(next))
      throw new NrpsError(`page ${page} of the platform's memberships links back to a page already read`, false);
    url = next;
  }
  return members;
}
