/** Lambda: the academy as LTI 1.3 platform: Assignment and Grade Services (line items, scores, results). */
import { createHandler } from '../lambdas/lti13-ags';
import { processRuntime } from '../app/runtime';

export const handler = createHandler(processRuntime());
