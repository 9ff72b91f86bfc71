/**
 * The academy as LTI 1.3 platform's services that a tool calls with a bearer token: Assignment and
 * Grade Services (line items, scores, results) and Names and Role Provisioning Services
 * (memberships). Both check the token the same way (`../lti13/core/platform-service-access.ts`).
 */
import { lambda } from '../http/lambda';
import { apiJson } from '../http/renderers/api-json';
import { agsRoutes } from '../lti13/ags/platform-routes';
import { nrpsRoutes } from '../lti13/nrps/platform-routes';
import type { Runtime } from '../app/runtime';

export function createHandler(rt: () => Runtime) {
  return lambda({ ...agsRoutes(rt), ...nrpsRoutes(rt) }, apiJson);
}
