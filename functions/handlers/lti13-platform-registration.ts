/** Lambda: the academy as LTI 1.3 platform at dynamic registration. It signs nothing and opens no secret. */
import { createHandler } from '../lambdas/lti13-platform-registration';
import { processRuntime } from '../app/runtime';

export const handler = createHandler(processRuntime());
