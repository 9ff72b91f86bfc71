/** The admin API for environments, activities, users and progress (IAM-authorized routes). */
import { adminRoutes } from '../admin/routes';
import { lambda } from '../http/lambda';
import { apiJson } from '../http/renderers/api-json';
import { deliverers } from '../app/deliverers';
import type { Runtime, RuntimeParts } from '../app/runtime';

/** Recording progress opens its passbacks and queues their first attempts: it needs the deliverers and the queue. */
export function createHandler(rt: () => Runtime & RuntimeParts) {
  return lambda(
    adminRoutes(() => ({ ...rt(), deliverers })),
    apiJson,
  );
}
