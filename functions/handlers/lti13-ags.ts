/** Lambda: the academy as LTI 1.3 platform: Assignment and Grade Services (line items, scores, results). */
import { lambda } from '../http/lambda';
import { agsRoutes } from '../lti13/ags/platform-routes';
import { runtime } from '../app/runtime';

export const handler = lambda(agsRoutes(runtime), 'api-json');
