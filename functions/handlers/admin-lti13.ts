/** Lambda: the admin API for LTI 1.3 connections. No KMS, no SQS: the stores only. */
import { createHandler } from '../lambdas/admin-lti13';
import { processRuntime } from '../app/runtime';

export const handler = createHandler(processRuntime());
