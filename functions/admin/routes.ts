/**
 * The admin API (docs/product.md "Admin API"): every IAM-authorized route, one file per resource. Each
 * file only reads path, query and body and shapes the answer; the domain functions do the work.
 *
 * Two functions serve it, so that each initialises within budget (docs/benchmarks.md): `admin`
 * (the academy: environments, activities, users, progress, launches) and `adminLti13` (LTI 1.3
 * connections: platforms, tools, their registration and setup sheets, deep links: `./lti13-routes.ts`).
 * The route table (`../routes.ts`) says which function serves which route; apart in two files so
 * that neither function bundles the other's modules.
 */
import type { PassbackRuntime } from '../app/runtime';
import type { RouteHandler } from '../http/types';
import { activityRoutes } from './activities';
import { environmentRoutes } from './environments';
import { platformAdminRoutes } from './launches';
import { progressRoutes } from './progress';
import { userRoutes } from './users';

/** The `admin` function's routes. `rt` has where passbacks go: recording progress opens them. */
export function adminRoutes(rt: () => PassbackRuntime): Record<string, RouteHandler> {
  return {
    ...environmentRoutes(rt),
    ...activityRoutes(rt),
    ...userRoutes(rt),
    ...progressRoutes(rt),
    ...platformAdminRoutes(rt),
  };
}
