/**
 * The admin API's routes for LTI 1.3 platform registrations (academy as tool): request in, JSON
 * out; `functions/lti13/core/tool-platforms.ts` does the work.
 */
import { json, noContent } from '../http/responses';
import { jsonBody, pageRequest, pathParam } from '../http/request';
import { listAnswer } from './lists';
import type { ApiEvent, RouteHandler } from '../http/types';
import type { Runtime } from '../app/runtime';
import {
  createPlatform,
  deletePlatform,
  getPlatform,
  listPlatforms,
  patchPlatform,
  platformView,
  type PlatformDeps,
} from '../lti13/core/tool-platforms';
import type { Platform } from '../academy/model';

const env = (event: ApiEvent) => pathParam(event, 'env');
const id = (event: ApiEvent) => pathParam(event, 'id');

export function platformRegistrationRoutes(rt: () => Runtime): Record<string, RouteHandler> {
  const deps = (): PlatformDeps => ({ ...rt(), publicUrl: rt().config.publicUrl, localMode: rt().config.localMode });
  const view = async (platform: Platform) =>
    platformView(rt().config.publicUrl, platform, await rt().platformRegistrations.deployments(platform.environmentId, platform.id));
  return {
    'POST /admin/environments/{env}/platforms': async (event) =>
      json(201, await view(await createPlatform(deps(), env(event), jsonBody(event)))),
    'GET /admin/environments/{env}/platforms': async (event) => {
      const page = await listPlatforms(deps(), env(event), pageRequest(event));
      return json(
        200,
        listAnswer('platforms', { ...page, items: await Promise.all(page.items.map(view)) }, (platform) => platform),
      );
    },
    'GET /admin/environments/{env}/platforms/{id}': async (event) =>
      json(200, await view(await getPlatform(deps(), env(event), id(event)))),
    'PATCH /admin/environments/{env}/platforms/{id}': async (event) =>
      json(200, await view(await patchPlatform(deps(), env(event), id(event), jsonBody(event)))),
    'DELETE /admin/environments/{env}/platforms/{id}': async (event) => {
      await deletePlatform(deps(), env(event), id(event));
      return noContent();
    },
  };
}
