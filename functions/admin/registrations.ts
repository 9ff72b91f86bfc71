/**
 * The admin API's Dynamic Registration routes, the academy as tool (docs/product.md "Dynamic
 * Registration 1.0"): one-time registration links, and the per-LMS setup sheets of a platform and of
 * an activity. Request in, JSON out; `functions/lti13/dynamic-registration/` does the work.
 */
import { getActivity } from '../academy/activities';
import { requireEnvironment } from '../academy/environments';
import type { Runtime } from '../app/runtime';
import { bodyText, jsonBody, pathParam } from '../http/request';
import { json } from '../http/responses';
import type { ApiEvent, RouteHandler } from '../http/types';
import { getPlatform } from '../lti13/core/tool-platforms';
import { createRegistrationLink } from '../lti13/dynamic-registration/tool-registration-links';
import { activitySetupSheet, platformSetupSheet, setupLms } from '../lti13/dynamic-registration/tool-setup-sheets';

const env = (event: ApiEvent) => pathParam(event, 'env');
const lms = (event: ApiEvent) => setupLms(event.queryStringParameters?.lms);

export function registrationRoutes(rt: () => Runtime): Record<string, RouteHandler> {
  return {
    // The body is optional: no activate means an inactive platform.
    'POST /admin/environments/{env}/registrations': async (event) =>
      json(
        201,
        await createRegistrationLink(
          { ...rt(), publicUrl: rt().config.publicUrl },
          env(event),
          bodyText(event).trim() ? jsonBody(event) : {},
        ),
      ),
    'GET /admin/environments/{env}/platforms/{id}/setup': async (event) => {
      const chosen = lms(event);
      const [environment, platform] = await Promise.all([
        requireEnvironment(rt(), env(event)),
        getPlatform(rt(), env(event), pathParam(event, 'id')),
      ]);
      return json(200, platformSetupSheet(rt().config.publicUrl, environment.name, platform, chosen));
    },
    'GET /admin/environments/{env}/activities/{id}/setup': async (event) => {
      const chosen = lms(event);
      const activity = await getActivity(rt(), env(event), pathParam(event, 'id'));
      return json(200, activitySetupSheet(rt().config.publicUrl, activity, chosen));
    },
  };
}
