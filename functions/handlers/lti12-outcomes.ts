/**
 * Lambda: the academy as platform: the LTI 1.2 Basic Outcomes service for external tools. It opens
 * the tool's LTI 1.2 secret (KMS) to verify its requests.
 */
import { createHandler } from '../lambdas/lti12-outcomes';
import { processRuntime } from '../app/runtime';
import { kmsSecretBox } from '../app/secrets';

export const handler = createHandler(processRuntime((config) => ({ secrets: kmsSecretBox(config) })));
