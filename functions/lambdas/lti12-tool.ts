/** The academy as LTI 1.2 tool: basic launches from external LMSs. */
import { lambda } from '../http/lambda';
import { launchPage } from '../http/renderers/launch-page';
import { lti12ToolLaunch } from '../lti12/tool-launch';
import type { Runtime, RuntimeParts } from '../app/runtime';

export function createHandler(rt: () => Runtime & Pick<RuntimeParts, 'secrets'>) {
  return lambda({ 'POST /{env}/lti12/launch/{activityId}': (event) => lti12ToolLaunch(rt(), event) }, launchPage);
}
