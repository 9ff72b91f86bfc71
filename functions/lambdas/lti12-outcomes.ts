/** The academy as platform: the LTI 1.2 Basic Outcomes service for external tools. */
import { lambda } from '../http/lambda';
import { pox } from '../http/renderers/pox';
import { lti12Outcomes } from '../lti12/platform-outcomes-service';
import type { Runtime, RuntimeParts } from '../app/runtime';

export function createHandler(rt: () => Runtime & Pick<RuntimeParts, 'secrets'>) {
  return lambda({ 'POST /{env}/lti12/outcomes': (event) => lti12Outcomes(rt(), event) }, pox);
}
