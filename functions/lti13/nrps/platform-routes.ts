/**
 * The HTTP side of the academy's Names and Role Provisioning Service (NRPS 2.0 §2.4, §3) at
 * `GET /{env}/lti13/nrps/{activityId}/memberships`: a bearer token of the activity's tool with the
 * NRPS scope (§3.6.1), the media type it answers (§2.1, §2.4), the query parameters (§2.4.1 `role`,
 * §2.4.2 `limit`, §3 `rlid`, and `cursor`, which only `next` links carry) and the RFC 8288 `Link`
 * to the next page. The work is in `./platform-memberships.ts`.
 */
import { invalid } from '../../errors';
import { pathParam } from '../../http/request';
import { json } from '../../http/responses';
import type { ApiEvent, RouteHandler } from '../../http/types';
import { nrpsMembershipsUrl } from '../core/platform-urls';
import { requireAcceptable, requireServiceAccess, type ServiceAccessDeps } from '../core/platform-service-access';
import {
  cursorParameter,
  defaultPageSize,
  listMemberships,
  maxPageSize,
  type MembershipsQuery,
  type PlatformNrpsDeps,
} from './platform-memberships';
import { nrpsMediaType, nrpsQuery, nrpsScope } from './vocabulary';

/** §2.4.2 `limit`: a positive integer, a guide the page never exceeds; at most {@link maxPageSize}. */
function pageLimit(raw: string | undefined): number {
  if (raw === undefined) return defaultPageSize;
  if (!/^[1-9]\d{0,5}$/.test(raw)) throw invalid(nrpsQuery.limit, 'limit must be a positive integer');
  return Math.min(Number(raw), maxPageSize);
}

/** The request's query (API Gateway joins a repeated parameter with commas: such a value matches nothing). */
function membershipsQuery(event: ApiEvent): MembershipsQuery {
  const query = event.queryStringParameters ?? {};
  const role = query[nrpsQuery.role];
  const rlid = query[nrpsQuery.resourceLinkId];
  const cursor = query[cursorParameter];
  return {
    limit: pageLimit(query[nrpsQuery.limit]),
    ...(role !== undefined ? { role } : {}),
    ...(rlid !== undefined ? { resourceLinkId: rlid } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
  };
}

/** RFC 8288 `Link` to the next page (§2.4.2): the request's URL, every parameter kept, with the next cursor. */
function nextLink(requestUrl: string, event: ApiEvent, next: string | undefined): Record<string, string> {
  if (next === undefined) return {};
  const url = new URL(requestUrl);
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (name !== cursorParameter && value !== undefined) url.searchParams.set(name, value);
  }
  url.searchParams.set(cursorParameter, next);
  return { link: `<${url}>; rel="next"` };
}

/** Everything the NRPS route uses: given by the composition root. */
export type NrpsRouteDeps = ServiceAccessDeps & PlatformNrpsDeps & { readonly config: { readonly publicUrl: string } };

export function nrpsRoutes(rt: () => NrpsRouteDeps): Record<string, RouteHandler> {
  return {
    'GET /{env}/lti13/nrps/{activityId}/memberships': async (event) => {
      const deps = rt();
      const ctx = await requireServiceAccess(
        deps,
        pathParam(event, 'env'),
        pathParam(event, 'activityId'),
        event.headers?.authorization,
        nrpsScope,
      );
      requireAcceptable(event.headers?.accept, nrpsMediaType);
      const query = membershipsQuery(event);
      const { container, next } = await listMemberships(deps, deps.config.publicUrl, ctx, query);
      const url = nrpsMembershipsUrl(deps.config.publicUrl, ctx.environmentId, ctx.activity.id);
      return json(200, container, { 'content-type': nrpsMediaType, ...nextLink(url, event, next) });
    },
  };
}
