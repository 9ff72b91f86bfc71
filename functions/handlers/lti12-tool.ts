/** Lambda: the academy as LTI 1.2 tool: basic launches from external LMSs. */
import { createHandler } from '../lambdas/lti12-tool';
import { processRuntime } from '../app/runtime';

export const handler = createHandler(processRuntime());
