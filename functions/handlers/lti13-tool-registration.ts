/** Lambda: the academy as LTI 1.3 tool registered by an LMS (Dynamic Registration link, Canvas JSON). No KMS. */
import { createHandler } from '../lambdas/lti13-tool-registration';
import { processRuntime } from '../app/runtime';

export const handler = createHandler(processRuntime());
