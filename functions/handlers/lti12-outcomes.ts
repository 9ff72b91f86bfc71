/** Lambda: the academy as platform: the LTI 1.2 Basic Outcomes service for external tools. */
import { lambda } from '../http/lambda';
import { lti12Outcomes } from '../lti12/platform-outcomes-service';
import { runtime } from '../app/runtime';

export const handler = lambda({ 'POST /{env}/lti12/outcomes': (event) => lti12Outcomes(runtime(), event) }, 'pox');
