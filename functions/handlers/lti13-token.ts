/**
 * Lambda: the academy as LTI 1.3 platform's OAuth 2 token endpoint (`POST /{env}/lti13/token`):
 * access tokens for tools, against a JWT client assertion verified with the tool's key set.
 */
import { lambda } from '../http/lambda';
import { PlatformKeySets } from '../lti13/core/key-sets';
import { tokenEndpoint } from '../lti13/core/platform-token-endpoint';
import { runtime } from '../app/runtime';

/** The tools' key sets, cached for the life of the instance (one cold start). */
let keySets: PlatformKeySets | undefined;

export const handler = lambda(
  {
    'POST /{env}/lti13/token': (event) =>
      tokenEndpoint({ ...runtime(), keys: (keySets ??= new PlatformKeySets(runtime().http, runtime().clock)) }, event),
  },
  'oauth-json',
);
