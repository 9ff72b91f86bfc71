/** Lambda: the academy as platform: the browser's one-time entry to launch an external activity. */
import { lambda } from '../http/lambda';
import { platformLaunch } from '../lti/platform-launch';
import { runtime } from '../app/runtime';

export const handler = lambda({ 'GET /{env}/launch/{ticket}': (event) => platformLaunch(runtime(), event) }, 'html');
