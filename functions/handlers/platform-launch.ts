/** Lambda: the academy as platform: the browser's one-time entry to launch an external activity. */
import { externalLaunchers } from '../app/launchers';
import { runtime } from '../app/runtime';
import { lambda } from '../http/lambda';
import { platformLaunch } from '../lti/platform-launch';

const deps = () => ({ ...runtime(), launchers: externalLaunchers(runtime()) });

export const handler = lambda({ 'GET /{env}/launch/{ticket}': (event) => platformLaunch(deps(), event) }, 'launch-page');
