/** The academy as LTI 1.3 platform: Assignment and Grade Services (line items, scores, results). */
import { lambda } from '../http/lambda';
import { apiJson } from '../http/renderers/api-json';
import { agsRoutes } from '../lti13/ags/platform-routes';
import type { Runtime } from '../app/runtime';

export function createHandler(rt: () => Runtime) {
  return lambda(agsRoutes(rt), apiJson);
}
