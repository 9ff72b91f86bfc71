/**
 * The academy as platform in the browser: the one-time entry to launch an external activity or
 * send a deep linking request, and the tool's deep linking response coming back.
 */
import { lambda } from '../http/lambda';
import { launchPage } from '../http/renderers/launch-page';
import { platformLaunch } from '../lti/platform-launch';
import { RemoteKeySets } from '../lti13/core/key-sets';
import { deepLinkingReturn } from '../lti13/deep-linking/platform-response';
import { externalLaunchers } from '../app/launchers';
import type { Runtime, RuntimeParts } from '../app/runtime';

export function createHandler(rt: () => Runtime & Pick<RuntimeParts, 'secrets'>) {
  /** The tools' key sets, cached for the life of the handler (on Lambda, one cold start). */
  let keySets: RemoteKeySets | undefined;
  return lambda(
    {
      'GET /{env}/launch/{ticket}': (event) => platformLaunch({ ...rt(), launchers: externalLaunchers(rt()) }, event),
      'POST /{env}/lti13/deep-linking/return': (event) =>
        deepLinkingReturn({ ...rt(), keySets: (keySets ??= new RemoteKeySets(rt().http, rt().clock)) }, event),
    },
    launchPage,
  );
}
