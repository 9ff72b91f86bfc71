/** The academy as platform: the browser's one-time entry to launch an external activity. */
import { lambda } from '../http/lambda';
import { launchPage } from '../http/renderers/launch-page';
import { platformLaunch } from '../lti/platform-launch';
import { externalLaunchers } from '../app/launchers';
import type { Runtime, RuntimeParts } from '../app/runtime';

export function createHandler(rt: () => Runtime & Pick<RuntimeParts, 'secrets'>) {
  return lambda(
    { 'GET /{env}/launch/{ticket}': (event) => platformLaunch({ ...rt(), launchers: externalLaunchers(rt()) }, event) },
    launchPage,
  );
}
