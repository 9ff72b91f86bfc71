/**
 * The `adminLti13` function's admin routes (docs/product.md "Admin API"): LTI 1.3 connections, that
 * is platforms (their setup sheets and registration links), tools (their registration) and deep
 * links. The academy's own routes are `./routes.ts`.
 */
import type { Runtime } from '../app/runtime';
import type { RouteHandler } from '../http/types';
import { deepLinkRoutes } from './deep-links';
import { platformRegistrationRoutes } from './platforms';
import { registrationRoutes } from './registrations';
import { toolRegistrationRoutes } from './tool-registrations';
import { toolRoutes } from './tools';

export function adminLti13Routes(rt: () => Runtime): Record<string, RouteHandler> {
  return {
    ...platformRegistrationRoutes(rt),
    ...toolRoutes(rt),
    ...toolRegistrationRoutes(rt),
    ...deepLinkRoutes(rt),
    ...registrationRoutes(rt),
  };
}
