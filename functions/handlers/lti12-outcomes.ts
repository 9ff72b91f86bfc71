/** Lambda: the academy as platform: the LTI 1.2 Basic Outcomes service for external tools. */
import { createHandler } from '../lambdas/lti12-outcomes';
import { processRuntime } from '../app/runtime';

export const handler = createHandler(processRuntime());
