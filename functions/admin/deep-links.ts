/**
 * The admin API's routes for deep links (academy as LTI 1.3 platform; docs/product.md "Deep Linking
 * 2.0"): request in, JSON out; `../lti13/deep-linking/platform-deep-links.ts` does the work.
 */
import type { Runtime } from '../app/runtime';
import { jsonBody, pathParam } from '../http/request';
import { json } from '../http/responses';
import type { RouteHandler } from '../http/types';
import { createDeepLink, deepLinkView, getDeepLink } from '../lti13/deep-linking/platform-deep-links';

export function deepLinkRoutes(rt: () => Runtime): Record<string, RouteHandler> {
  return {
    'POST /admin/environments/{env}/deep-links': async (event) =>
      json(201, await createDeepLink({ ...rt(), publicUrl: rt().config.publicUrl }, pathParam(event, 'env'), jsonBody(event))),
    'GET /admin/environments/{env}/deep-links/{id}': async (event) =>
      json(200, deepLinkView(await getDeepLink(rt(), pathParam(event, 'env'), pathParam(event, 'id')), rt().clock.now())),
  };
}
