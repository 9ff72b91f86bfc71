/** The admin API's activity routes: request in, JSON out (the work is in `../academy/activities.ts`). */
import {
  activityView,
  createActivity,
  deleteActivity,
  getActivity,
  issueLti12Credential,
  listActivities,
  patchActivity,
  revokeLti12Credential,
} from '../academy/activities';
import type { Activity } from '../academy/model';
import type { Runtime } from '../app/runtime';
import { jsonBody, pageRequest, pathParam } from '../http/request';
import { listAnswer } from './lists';
import { json, noContent } from '../http/responses';
import type { RouteHandler } from '../http/types';
import { toolExists } from '../lti13/core/platform-tools';

export function activityRoutes(rt: () => Runtime): Record<string, RouteHandler> {
  const deps = () => ({
    ...rt(),
    publicUrl: rt().config.publicUrl,
    toolExists: (environmentId: string, toolId: string) => toolExists(rt(), environmentId, toolId),
  });
  const view = (activity: Activity) => activityView(rt().config.publicUrl, activity);
  return {
    'POST /admin/environments/{env}/activities': async (event) =>
      json(201, view(await createActivity(deps(), pathParam(event, 'env'), jsonBody(event)))),
    'GET /admin/environments/{env}/activities': async (event) =>
      json(200, listAnswer('activities', await listActivities(rt(), pathParam(event, 'env'), pageRequest(event)), view)),
    'GET /admin/environments/{env}/activities/{id}': async (event) =>
      json(200, view(await getActivity(rt(), pathParam(event, 'env'), pathParam(event, 'id')))),
    'PATCH /admin/environments/{env}/activities/{id}': async (event) =>
      json(200, view(await patchActivity(deps(), pathParam(event, 'env'), pathParam(event, 'id'), jsonBody(event)))),
    'DELETE /admin/environments/{env}/activities/{id}': async (event) => {
      await deleteActivity(rt(), pathParam(event, 'env'), pathParam(event, 'id'));
      return noContent();
    },
    'POST /admin/environments/{env}/activities/{id}/lti12-credentials': async (event) =>
      json(201, await issueLti12Credential(deps(), pathParam(event, 'env'), pathParam(event, 'id'), jsonBody(event))),
    'DELETE /admin/environments/{env}/activities/{id}/lti12-credentials/{key}': async (event) => {
      await revokeLti12Credential(deps(), pathParam(event, 'env'), pathParam(event, 'id'), pathParam(event, 'key'));
      return noContent();
    },
  };
}
