/**
 * The admin API's routes for LTI 1.3 tool registrations (academy as platform): request in, JSON
 * out; `./tools.ts` does the work.
 */
import type { Tool } from '../academy/model';
import { jsonBody, pageRequest, pathParam } from '../http/request';
import { listAnswer } from './lists';
import { json, noContent } from '../http/responses';
import type { ApiEvent, RouteHandler } from '../http/types';
import type { Runtime } from '../app/runtime';
import { createTool, deleteTool, getTool, listTools, patchTool, toolView, type ToolDeps } from '../lti13/core/platform-tools';

const env = (event: ApiEvent) => pathParam(event, 'env');
const id = (event: ApiEvent) => pathParam(event, 'id');

export function toolRoutes(rt: () => Runtime): Record<string, RouteHandler> {
  const deps = (): ToolDeps => ({ ...rt(), publicUrl: rt().config.publicUrl, localMode: rt().config.localMode });
  const view = (tool: Tool) => toolView(rt().config.publicUrl, tool);
  return {
    'POST /admin/environments/{env}/tools': async (event) => json(201, view(await createTool(deps(), env(event), jsonBody(event)))),
    'GET /admin/environments/{env}/tools': async (event) =>
      json(200, listAnswer('tools', await listTools(deps(), env(event), pageRequest(event)), view)),
    'GET /admin/environments/{env}/tools/{id}': async (event) => json(200, view(await getTool(deps(), env(event), id(event)))),
    'PATCH /admin/environments/{env}/tools/{id}': async (event) =>
      json(200, view(await patchTool(deps(), env(event), id(event), jsonBody(event)))),
    'DELETE /admin/environments/{env}/tools/{id}': async (event) => {
      await deleteTool(deps(), env(event), id(event));
      return noContent();
    },
  };
}
