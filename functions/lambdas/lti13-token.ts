/**
 * The academy as LTI 1.3 platform's OAuth 2 token endpoint (`POST /{env}/lti13/token`): access
 * tokens for tools, against a JWT client assertion verified with the tool's key set.
 */
import { lambda } from '../http/lambda';
import { oauthJson } from '../http/renderers/oauth-json';
import { RemoteKeySets } from '../lti13/core/key-sets';
import { tokenEndpoint } from '../lti13/core/platform-token-endpoint';
import type { Runtime } from '../app/runtime';

export function createHandler(rt: () => Runtime) {
  /** The tools' key sets, cached for the life of the handler (on Lambda, one cold start). */
  let keySets: RemoteKeySets | undefined;
  return lambda(
    {
      'POST /{env}/lti13/token': (event) => tokenEndpoint({ ...rt(), keys: (keySets ??= new RemoteKeySets(rt().http, rt().clock)) }, event),
    },
    oauthJson,
  );
}
