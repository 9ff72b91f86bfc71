/** The academy as LTI 1.3 tool: OIDC login, launches, and the activities' resource URLs. */
import { lambda } from '../http/lambda';
import { launchPage } from '../http/renderers/launch-page';
import { RemoteKeySets } from '../lti13/core/key-sets';
import { lti13ToolLaunch } from '../lti13/core/tool-launch';
import { lti13ToolLogin } from '../lti13/core/tool-login';
import { resourcePage } from '../lti13/core/tool-resource-page';
import type { Runtime, RuntimeParts } from '../app/runtime';

export function createHandler(rt: () => Runtime & Pick<RuntimeParts, 'secrets'>) {
  /** The platforms' key sets, cached for the life of the handler (on Lambda, one cold start). */
  let keySets: RemoteKeySets | undefined;
  const launchDeps = () => ({ ...rt(), keySets: (keySets ??= new RemoteKeySets(rt().http, rt().clock)) });
  return lambda(
    {
      'GET /{env}/lti13/login': (event) => lti13ToolLogin(rt(), event),
      'POST /{env}/lti13/login': (event) => lti13ToolLogin(rt(), event),
      'POST /{env}/lti13/launch': (event) => lti13ToolLaunch(launchDeps(), event),
      'GET /{env}/lti13/activities/{activityId}': (event) => resourcePage(rt(), event),
    },
    launchPage,
  );
}
