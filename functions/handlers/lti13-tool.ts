/** Lambda: the academy as LTI 1.3 tool: OIDC login, launches, and the activities' resource URLs. */
import { lambda } from '../http/lambda';
import { lti13ToolLaunch } from '../lti13/core/tool-launch';
import { lti13ToolLogin } from '../lti13/core/tool-login';
import { PlatformKeySets } from '../lti13/core/key-sets';
import { resourcePage } from '../lti13/core/tool-resource-page';
import { runtime } from '../app/runtime';

/** The platforms' key sets, cached for the life of this instance (one cold start). */
let keySets: PlatformKeySets | undefined;
const launchDeps = () => ({ ...runtime(), keySets: (keySets ??= new PlatformKeySets(runtime().http, runtime().clock)) });

export const handler = lambda(
  {
    'GET /{env}/lti13/login': (event) => lti13ToolLogin(runtime(), event),
    'POST /{env}/lti13/login': (event) => lti13ToolLogin(runtime(), event),
    'POST /{env}/lti13/launch': (event) => lti13ToolLaunch(launchDeps(), event),
    'GET /{env}/lti13/activities/{activityId}': (event) => resourcePage(runtime(), event),
  },
  'launch-page',
);
