/**
 * The admin API's user routes, and the single sign-on exchange that answers a launch's user:
 * request in, JSON out (the work is in `../academy/users.ts` and `../academy/launch.ts`).
 */
import * as z from 'zod/mini';
import { requireEnvironment } from '../academy/environments';
import { nonEmpty, parse } from '../academy/validation';
import { exchangeSso } from '../academy/launch';
import { findUserByEmail, getUser, listUsers, putUser, userView } from '../academy/users';
import type { Runtime } from '../app/runtime';
import { jsonBody, pageRequest, pathParam } from '../http/request';
import { listAnswer } from './lists';
import { json } from '../http/responses';
import type { RouteHandler } from '../http/types';

/** `POST …/sso/exchange`'s body (the code is checked again, and consumed, by `exchangeSso`). */
export const ssoExchangeBody = z.strictObject({ code: nonEmpty('code', 200) });

export function userRoutes(rt: () => Runtime): Record<string, RouteHandler> {
  return {
    'PUT /admin/environments/{env}/users/{id}': async (event) => {
      const { user, created } = await putUser(rt(), pathParam(event, 'env'), pathParam(event, 'id'), jsonBody(event));
      return json(created ? 201 : 200, userView(user));
    },
    'GET /admin/environments/{env}/users/{id}': async (event) =>
      json(200, userView(await getUser(rt(), pathParam(event, 'env'), pathParam(event, 'id')))),
    // With `?email=` the one user of that email (as before); without, a page of users.
    'GET /admin/environments/{env}/users': async (event) =>
      event.queryStringParameters?.email !== undefined
        ? json(200, userView(await findUserByEmail(rt(), pathParam(event, 'env'), event.queryStringParameters.email)))
        : json(200, listAnswer('users', await listUsers(rt(), pathParam(event, 'env'), pageRequest(event)), userView)),
    'POST /admin/environments/{env}/sso/exchange': async (event) => {
      const environmentId = pathParam(event, 'env');
      await requireEnvironment(rt(), environmentId);
      const grant = await exchangeSso(rt(), environmentId, parse(ssoExchangeBody, jsonBody(event)).code);
      const user = await getUser(rt(), environmentId, grant.userId);
      return json(200, { user: userView(user), activityId: grant.activityId, created: grant.created, launch: grant.launch });
    },
  };
}
