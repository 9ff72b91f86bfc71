/**
 * The admin API (docs/product.md "Admin API"): every IAM-authorized route, one file per resource. Each
 * file only reads path, query and body and shapes the answer; the domain functions do the work.
 */
import type { PassbackRuntime } from '../app/runtime';
import type { RouteHandler } from '../http/types';
import { activityRoutes } from './activities';
import { deepLinkRoutes } from './deep-links';
import { environmentRoutes } from './environments';
import { platformAdminRoutes } from './launches';
import { platformRegistrationRoutes } from './platforms';
import { progressRoutes } from './progress';
import { registrationRoutes } from './registrations';
import { toolRegistrationRoutes } from './tool-registrations';
import { toolRoutes } from './tools';
import { userRoutes } from './users';

/** `rt` has where passbacks go: recording progress opens them. */
export function adminRoutes(rt: () => PassbackRuntime): Record<string, RouteHandler> {
  return {
    ...environmentRoutes(rt),
    ...activityRoutes(rt),
    ...userRoutes(rt),
    ...progressRoutes(rt),
    ...platformAdminRoutes(rt),
    ...platformRegistrationRoutes(rt),
    ...toolRoutes(rt),
    ...toolRegistrationRoutes(rt),
    ...deepLinkRoutes(rt),
    ...registrationRoutes(rt),
  };
}
