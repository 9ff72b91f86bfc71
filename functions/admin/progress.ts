/** The admin API's progress routes: request in, JSON out (the work is in `./progress.ts`). */
import { jsonBody, pathParam } from '../http/request';
import { json } from '../http/responses';
import type { RouteHandler } from '../http/types';
import type { PassbackRuntime } from '../app/runtime';
import { activityProgress, learnerProgress, recordProgress } from '../academy/progress';

export function progressRoutes(rt: () => PassbackRuntime): Record<string, RouteHandler> {
  return {
    'PUT /admin/environments/{env}/activities/{id}/progress/{userId}': async (event) =>
      json(200, await recordProgress(rt(), pathParam(event, 'env'), pathParam(event, 'id'), pathParam(event, 'userId'), jsonBody(event))),
    'GET /admin/environments/{env}/activities/{id}/progress/{userId}': async (event) =>
      json(200, await learnerProgress(rt(), pathParam(event, 'env'), pathParam(event, 'id'), pathParam(event, 'userId'))),
    'GET /admin/environments/{env}/activities/{id}/progress': async (event) =>
      json(200, { progress: await activityProgress(rt(), pathParam(event, 'env'), pathParam(event, 'id')) }),
  };
}
