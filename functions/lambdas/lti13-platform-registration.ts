/**
 * The academy as LTI 1.3 platform at dynamic registration (Dynamic Registration 1.0): its OpenID
 * configuration, and the client registrations of tools holding a registration token.
 */
import { lambda } from '../http/lambda';
import { registrationJson } from '../http/renderers/registration-json';
import { openidConfigurationEndpoint } from '../lti13/dynamic-registration/platform-openid-configuration';
import { toolRegistrationEndpoint } from '../lti13/dynamic-registration/platform-registration';
import type { Runtime } from '../app/runtime';

export function createHandler(rt: () => Runtime) {
  return lambda(
    {
      'GET /{env}/lti13/.well-known/openid-configuration': (event) => openidConfigurationEndpoint(rt(), event),
      'POST /{env}/lti13/register': (event) => toolRegistrationEndpoint(rt(), event),
    },
    registrationJson,
  );
}
