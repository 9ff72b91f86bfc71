/** The admin API for environments, activities, users, progress and launches (IAM-authorized routes); LTI 1.3 connections are `./admin-lti13.ts`. */
import { adminRoutes } from '../admin/routes';
import { lambda } from '../http/lambda';
import { apiJson } from '../http/renderers/api-json';
import { deliveryTargets } from '../app/delivery-targets';
import type { Runtime, RuntimeParts } from '../app/runtime';

/** Recording progress opens its passbacks and queues their first attempts: it needs where they go and the queue, never a deliverer. */
export function createHandler(rt: () => Runtime & Pick<RuntimeParts, 'passbackQueue' | 'secrets'>) {
  return lambda(
    adminRoutes(() => ({ ...rt(), deliveryTargets })),
    apiJson,
  );
}
