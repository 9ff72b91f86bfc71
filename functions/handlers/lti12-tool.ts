/** Lambda: the academy as LTI 1.2 tool: basic launches from external LMSs. */
import { lambda } from '../http/lambda';
import { lti12ToolLaunch } from '../lti12/tool-launch';
import { runtime } from '../app/runtime';

export const handler = lambda({ 'POST /{env}/lti12/launch/{activityId}': (event) => lti12ToolLaunch(runtime(), event) }, 'launch-page');
