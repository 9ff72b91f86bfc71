/** Lambda: the academy as LTI 1.3 platform's OAuth 2 token endpoint. It signs nothing. */
import { createHandler } from '../lambdas/lti13-token';
import { processRuntime } from '../app/runtime';

export const handler = createHandler(processRuntime());
