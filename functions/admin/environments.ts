/** The admin API's environment routes: request in, JSON out (the work is in `../academy/environments.ts`). */
import { putEnvironment, requireEnvironment } from '../academy/environments';
import type { Runtime } from '../app/runtime';
import { jsonBody, pathParam } from '../http/request';
import { json } from '../http/responses';
import type { RouteHandler } from '../http/types';

export function environmentRoutes(rt: () => Runtime): Record<string, RouteHandler> {
  return {
    'PUT /admin/environments/{env}': async (event) => {
      const { environment, created } = await putEnvironment(rt(), pathParam(event, 'env'), jsonBody(event));
      return json(created ? 201 : 200, environment);
    },
    'GET /admin/environments/{env}': async (event) => json(200, await requireEnvironment(rt(), pathParam(event, 'env'))),
  };
}
