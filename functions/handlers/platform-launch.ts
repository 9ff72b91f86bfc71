/**
 * Lambda: the academy as platform: the browser's one-time entry to launch an external activity. It
 * opens an LTI 1.2 tool's secret (KMS) to sign the launch.
 */
import { createHandler } from '../lambdas/platform-launch';
import { processRuntime } from '../app/runtime';
import { kmsSecretBox } from '../app/secrets';

export const handler = createHandler(processRuntime((config) => ({ secrets: kmsSecretBox(config) })));
