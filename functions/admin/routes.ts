/**
 * The admin API's routes for environments, activities and users: request in, JSON out. The domain
 * functions do the work; this file only reads path, query and body, and shapes the answer.
 */
import { json, noContent } from '../http/responses';
import { jsonBody, pathParam } from '../http/request';
import type { ApiEvent, RouteHandler } from '../http/types';
import type { Runtime } from '../app/runtime';
import { activityView, createActivity, deleteActivity, getActivity, listActivities, patchActivity } from '../academy/activities';
import { putEnvironment, requireEnvironment } from '../academy/environments';
import { exchangeSso } from '../academy/launch';
import { progressRoutes } from './progress';
import { platformRegistrationRoutes } from './platforms';
import { findUserByEmail, getUser, putUser, userView } from '../academy/users';
import { toolRoutes } from './tools';
import { toolExists } from '../lti13/core/platform-tools';
import { platformAdminRoutes } from './launches';

const env = (event: ApiEvent) => pathParam(event, 'env');
const id = (event: ApiEvent) => pathParam(event, 'id');

export function adminRoutes(rt: () => Runtime): Record<string, RouteHandler> {
  const activityDeps = () => ({
    ...rt(),
    publicUrl: rt().config.publicUrl,
    toolExists: (environmentId: string, toolId: string) => toolExists(rt(), environmentId, toolId),
  });
  const view = (activity: Parameters<typeof activityView>[1]) => activityView(rt().config.publicUrl, activity);
  return {
    ...platformRegistrationRoutes(rt),
    ...platformAdminRoutes(rt),
    ...toolRoutes(rt),
    'PUT /admin/environments/{env}': async (event) => {
      const { environment, created } = await putEnvironment(rt(), env(event), jsonBody(event));
      return json(created ? 201 : 200, environment);
    },
    'GET /admin/environments/{env}': async (event) => json(200, await requireEnvironment(rt(), env(event))),

    'POST /admin/environments/{env}/activities': async (event) =>
      json(201, view(await createActivity(activityDeps(), env(event), jsonBody(event)))),
    'GET /admin/environments/{env}/activities': async (event) =>
      json(200, { activities: (await listActivities(rt(), env(event))).map(view) }),
    'GET /admin/environments/{env}/activities/{id}': async (event) =>
      json(200, view(await getActivity(rt(), env(event), id(event)))),
    'PATCH /admin/environments/{env}/activities/{id}': async (event) =>
      json(200, view(await patchActivity(activityDeps(), env(event), id(event), jsonBody(event)))),
    'DELETE /admin/environments/{env}/activities/{id}': async (event) => {
      await deleteActivity(rt(), env(event), id(event));
      return noContent();
    },

    'PUT /admin/environments/{env}/users/{id}': async (event) => {
      const { user, created } = await putUser(rt(), env(event), id(event), jsonBody(event));
      return json(created ? 201 : 200, userView(user));
    },
    'GET /admin/environments/{env}/users/{id}': async (event) => json(200, userView(await getUser(rt(), env(event), id(event)))),
    'GET /admin/environments/{env}/users': async (event) =>
      json(200, userView(await findUserByEmail(rt(), env(event), event.queryStringParameters?.email))),

    ...progressRoutes(rt),
    'POST /admin/environments/{env}/sso/exchange': async (event) => {
      const environmentId = env(event);
      await requireEnvironment(rt(), environmentId);
      const grant = await exchangeSso(rt(), environmentId, jsonBody(event).code);
      const user = await getUser(rt(), environmentId, grant.userId);
      return json(200, { user: userView(user), activityId: grant.activityId, created: grant.created, launch: grant.launch });
    },
  };
}
