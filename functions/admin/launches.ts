/**
 * The admin API's routes of the academy as platform: request in, JSON out
 * (`POST /admin/environments/{env}/launches`, docs/product.md "Admin API").
 */
import { jsonBody, pathParam } from '../http/request';
import { json } from '../http/responses';
import type { RouteHandler } from '../http/types';
import type { Runtime } from '../app/runtime';
import { createLaunchTicket } from '../lti/platform-ticket-requests';

export function platformAdminRoutes(rt: () => Runtime): Record<string, RouteHandler> {
  return {
    'POST /admin/environments/{env}/launches': async (event) =>
      json(201, await createLaunchTicket({ ...rt(), publicUrl: rt().config.publicUrl }, pathParam(event, 'env'), jsonBody(event))),
  };
}
