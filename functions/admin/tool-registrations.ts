/**
 * The admin API's route for dynamic registrations of LTI 1.3 tools (academy as platform;
 * docs/product.md "Dynamic Registration 1.0"): request in, JSON out;
 * `../lti13/dynamic-registration/platform-registration-links.ts` does the work.
 */
import type { Runtime } from '../app/runtime';
import { jsonBody, pathParam } from '../http/request';
import { json } from '../http/responses';
import type { RouteHandler } from '../http/types';
import { createToolRegistration } from '../lti13/dynamic-registration/platform-registration-links';

export function toolRegistrationRoutes(rt: () => Runtime): Record<string, RouteHandler> {
  return {
    'POST /admin/environments/{env}/tool-registrations': async (event) =>
      json(
        201,
        await createToolRegistration(
          { ...rt(), publicUrl: rt().config.publicUrl, localMode: rt().config.localMode },
          pathParam(event, 'env'),
          jsonBody(event),
        ),
      ),
  };
}
