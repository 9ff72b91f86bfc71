/** Lambda: the academy as LTI 1.3 platform: Assignment and Grade Services (line items, scores, results). */
import { lambda } from '../http/lambda';
import { agsRoutes } from '../platform/ags-routes';
import { runtime } from '../runtime';

export const handler = lambda(agsRoutes(runtime), 'json');
