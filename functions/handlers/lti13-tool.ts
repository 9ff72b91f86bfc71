/** Lambda: the academy as LTI 1.3 tool: OIDC login, launches, and the activities' resource URLs. */
import { createHandler } from '../lambdas/lti13-tool';
import { processRuntime } from '../app/runtime';

export const handler = createHandler(processRuntime());
