/**
 * Lambda: the academy as LTI 1.2 tool: basic launches from external LMSs. It opens the LTI 1.2
 * secret (KMS) that verifies a launch.
 */
import { createHandler } from '../lambdas/lti12-tool';
import { processRuntime } from '../app/runtime';
import { kmsSecretBox } from '../app/secrets';

export const handler = createHandler(processRuntime((config) => ({ secrets: kmsSecretBox(config) })));
