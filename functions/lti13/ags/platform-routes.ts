/**
 * The HTTP side of the academy's Assignment and Grade Services (AGS 2.0 §3.2-3.4) under
 * `/{env}/lti13/ags/{activityId}/lineitems`: request in, JSON out. Each route names the scopes that
 * reach it (§3.2: `lineitem` for everything on line items, `lineitem.readonly` for reading them;
 * §3.3.2 `result.readonly`; §3.4.2 `score`), the media type it answers and the one it takes.
 * The services' own modules do the work.
 */
import { agsMediaTypes, agsScopes } from './vocabulary';
import { invalid } from '../../errors';
import { jsonObjectBody, pathParam } from '../../http/request';
import { json, noContent } from '../../http/responses';
import type { ApiEvent, ApiResult, RouteHandler } from '../../http/types';
import { requireAcceptable, requireAgsAccess, requireContentType, type AgsAccessDeps, type AgsContext } from './platform-access';
import {
  createLineItem,
  deleteLineItem,
  getLineItem,
  lineItemsUrl,
  lineItemUrl,
  lineItemView,
  listLineItems,
  maxPageSize,
  updateLineItem,
  type PlatformAgsDeps,
} from './platform-line-items';
import { listResults } from './platform-results';
import { receiveScore, type ScoreDeps } from './platform-scores';

const base = '/{env}/lti13/ags/{activityId}/lineitems';
const readLineItems = [agsScopes.lineitem, agsScopes.lineitemReadonly];

/** `limit` (§3.2.4, §3.3.6): a positive integer; the page is never larger than `maxPageSize`. */
function pageLimit(event: ApiEvent): number {
  const raw = event.queryStringParameters?.limit;
  if (raw === undefined) return maxPageSize;
  if (!/^[1-9]\d{0,5}$/.test(raw)) throw invalid('limit', 'limit must be a positive integer');
  return Math.min(Number(raw), maxPageSize);
}

/** An optional query parameter (API Gateway joins a repeated one with commas). */
function queryParam(event: ApiEvent, name: string): string | undefined {
  return event.queryStringParameters?.[name];
}

/** RFC 8288 `Link` to the next page: the same URL with every filter kept and the cursor moved (§3.2.4). */
function nextLink(url: string, params: Record<string, string | undefined>, next: string | undefined): Record<string, string> {
  if (next === undefined) return {};
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...params, after: next })) if (value !== undefined) query.set(name, value);
  return { link: `<${url}?${query}>; rel="next"` };
}

/** Everything the AGS routes use: given by the composition root. */
export type AgsRouteDeps = AgsAccessDeps & PlatformAgsDeps & ScoreDeps;

export function agsRoutes(rt: () => AgsRouteDeps): Record<string, RouteHandler> {
  const deps = () => rt();
  const publicUrl = () => rt().config.publicUrl;
  const access = (event: ApiEvent, scope: string | readonly string[]): Promise<AgsContext> =>
    requireAgsAccess(rt(), pathParam(event, 'env'), pathParam(event, 'activityId'), event.headers?.authorization, scope);
  const typed = (status: number, mediaType: string, body: unknown, headers: Record<string, string> = {}): ApiResult =>
    json(status, body, { 'content-type': mediaType, ...headers });

  return {
    [`GET ${base}`]: async (event) => {
      const ctx = await access(event, readLineItems);
      requireAcceptable(event.headers?.accept, agsMediaTypes.lineitemContainer);
      const filters = {
        resource_link_id: queryParam(event, 'resource_link_id'),
        resource_id: queryParam(event, 'resource_id'),
        tag: queryParam(event, 'tag'),
      };
      const limit = pageLimit(event);
      const page = await listLineItems(deps(), ctx, {
        ...(filters.resource_link_id !== undefined ? { resourceLinkId: filters.resource_link_id } : {}),
        ...(filters.resource_id !== undefined ? { resourceId: filters.resource_id } : {}),
        ...(filters.tag !== undefined ? { tag: filters.tag } : {}),
        limit,
        ...(queryParam(event, 'after') !== undefined ? { after: queryParam(event, 'after') } : {}),
      });
      const url = lineItemsUrl(publicUrl(), ctx.environmentId, ctx.activity.id);
      const link = nextLink(url, { ...filters, limit: event.queryStringParameters?.limit }, page.next);
      return typed(
        200,
        agsMediaTypes.lineitemContainer,
        page.items.map((item) => lineItemView(publicUrl(), item)),
        link,
      );
    },

    [`POST ${base}`]: async (event) => {
      const ctx = await access(event, agsScopes.lineitem);
      requireContentType(event.headers?.['content-type'], agsMediaTypes.lineitem);
      requireAcceptable(event.headers?.accept, agsMediaTypes.lineitem);
      const item = await createLineItem(deps(), ctx, jsonObjectBody(event));
      const view = lineItemView(publicUrl(), item);
      return typed(201, agsMediaTypes.lineitem, view, { location: String(view.id) });
    },

    [`GET ${base}/{lineItemId}`]: async (event) => {
      const ctx = await access(event, readLineItems);
      requireAcceptable(event.headers?.accept, agsMediaTypes.lineitem);
      const item = await getLineItem(deps(), ctx, pathParam(event, 'lineItemId'));
      return typed(200, agsMediaTypes.lineitem, lineItemView(publicUrl(), item));
    },

    [`PUT ${base}/{lineItemId}`]: async (event) => {
      const ctx = await access(event, agsScopes.lineitem);
      requireContentType(event.headers?.['content-type'], agsMediaTypes.lineitem);
      requireAcceptable(event.headers?.accept, agsMediaTypes.lineitem);
      const item = await updateLineItem(deps(), ctx, pathParam(event, 'lineItemId'), jsonObjectBody(event));
      return typed(200, agsMediaTypes.lineitem, lineItemView(publicUrl(), item));
    },

    [`DELETE ${base}/{lineItemId}`]: async (event) => {
      const ctx = await access(event, agsScopes.lineitem);
      await deleteLineItem(deps(), ctx, pathParam(event, 'lineItemId'));
      return noContent();
    },

    [`POST ${base}/{lineItemId}/scores`]: async (event) => {
      const ctx = await access(event, agsScopes.score);
      requireContentType(event.headers?.['content-type'], agsMediaTypes.score);
      await receiveScore(deps(), { ctx, lineItemId: pathParam(event, 'lineItemId'), body: jsonObjectBody(event) });
      return noContent();
    },

    [`GET ${base}/{lineItemId}/results`]: async (event) => {
      const ctx = await access(event, agsScopes.resultReadonly);
      requireAcceptable(event.headers?.accept, agsMediaTypes.resultContainer);
      const lineItemId = pathParam(event, 'lineItemId');
      const userId = queryParam(event, 'user_id');
      const limit = pageLimit(event);
      const after = queryParam(event, 'after');
      const page = await listResults(deps(), ctx, lineItemId, {
        ...(userId !== undefined ? { userId } : {}),
        limit,
        ...(after !== undefined ? { after } : {}),
      });
      const url = `${lineItemUrl(publicUrl(), ctx.environmentId, ctx.activity.id, lineItemId)}/results`;
      return typed(
        200,
        agsMediaTypes.resultContainer,
        page.results,
        nextLink(url, { limit: event.queryStringParameters?.limit }, page.next),
      );
    },
  };
}
