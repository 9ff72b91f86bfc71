/**
 * The admin API's roster sync route (docs/nrps.md "Roster sync"): request in, JSON out (the work is
 * in `../lti13/nrps/tool-roster-sync.ts`). Its own function: it signs client assertions (KMS) and
 * may run for many seconds, which the rest of the admin API does neither.
 */
import { pathParam } from '../http/request';
import { json } from '../http/responses';
import type { RouteHandler } from '../http/types';
import { syncRoster, type RosterSyncDeps } from '../lti13/nrps/tool-roster-sync';

export function rosterSyncRoutes(rt: () => RosterSyncDeps): Record<string, RouteHandler> {
  return {
    'POST /admin/environments/{env}/activities/{id}/roster-sync': async (event) =>
      json(200, await syncRoster(rt(), pathParam(event, 'env'), pathParam(event, 'id'))),
  };
}
