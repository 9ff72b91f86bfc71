/**
 * The academy as LTI 1.3 tool's registration by an LMS: the one-time Dynamic Registration link
 * (its errors a page with the Close button, `registration-page`) and the Canvas developer key JSON
 * (its errors JSON). Apart from the launch function so that launches bundle neither, and so that
 * its longer timeout (two calls to the LMS) and its writes are its own.
 */
import { lambda } from '../http/lambda';
import { apiJson } from '../http/renderers/api-json';
import { registrationPage } from '../http/renderers/registration-page';
import type { ApiEvent } from '../http/types';
import { canvasConfig } from '../lti13/dynamic-registration/tool-canvas-config';
import { toolRegistration } from '../lti13/dynamic-registration/tool-register';
import type { Runtime } from '../app/runtime';

const canvasConfigRoute = 'GET /{env}/lti13/canvas-config.json';

export function createHandler(rt: () => Runtime) {
  const registration = lambda(
    { 'GET /{env}/lti13/registrations/{registrationId}': (event) => toolRegistration(rt(), event) },
    registrationPage,
  );
  const configuration = lambda({ [canvasConfigRoute]: (event) => canvasConfig(rt(), event) }, apiJson);
  return (event: ApiEvent, context: Parameters<typeof registration>[1]) =>
    event.routeKey === canvasConfigRoute ? configuration(event, context) : registration(event, context);
}
