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
  rotateLti12Secret,
  type WrittenActivity,
} from '../academy/activities';
import type { Activity } from '../academy/model';
import type { Runtime, RuntimeParts } from '../app/runtime';
import { bodyText, jsonBody, pageRequest, pathParam } from '../http/request';
import { listAnswer } from './lists';
import { json, noContent } from '../http/responses';
import type { RouteHandler } from '../http/types';
import { toolExists } from '../lti13/core/platform-tools';

/** The admin API seals the LTI 1.2 secrets it is given or issues (`secrets`), and never opens one. */
export function activityRoutes(rt: () => Runtime & Pick<RuntimeParts, 'secrets'>): Record<string, RouteHandler> {
  const deps = () => ({
    ...rt(),
    publicUrl: rt().config.publicUrl,
    toolExists: (environmentId: string, toolId: string) => toolExists(rt(), environmentId, toolId),
  });
  const view = (activity: Activity) => activityView(rt().config.publicUrl, activity);
  /** The one answer that holds a secret: the write's that issued it. */
  const written = ({ activity, issuedSecret }: WrittenActivity) => activityView(rt().config.publicUrl, activity, issuedSecret);
  return {
    'POST /admin/environments/{env}/activities': async (event) =>
      json(201, written(await createActivity(deps(), pathParam(event, 'env'), jsonBody(event)))),
    'GET /admin/environments/{env}/activities': async (event) =>
      json(200, listAnswer('activities', await listActivities(rt(), pathParam(event, 'env'), pageRequest(event)), view)),
    'GET /admin/environments/{env}/activities/{id}': async (event) =>
      json(200, view(await getActivity(rt(), pathParam(event, 'env'), pathParam(event, 'id')))),
    'PATCH /admin/environments/{env}/activities/{id}': async (event) =>
      json(200, written(await patchActivity(deps(), pathParam(event, 'env'), pathParam(event, 'id'), jsonBody(event)))),
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
    // The body is optional: no overlapHours takes the default.
    'POST /admin/environments/{env}/activities/{id}/lti12-credentials/{key}/rotate': async (event) =>
      json(
        200,
        await rotateLti12Secret(
          deps(),
          pathParam(event, 'env'),
          pathParam(event, 'id'),
          pathParam(event, 'key'),
          bodyText(event).trim() ? jsonBody(event) : {},
        ),
      ),
  };
}
