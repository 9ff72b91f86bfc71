/** Lambda: the admin API. It queues passbacks (SQS) but never sends one, seals LTI 1.2 secrets (KMS) and never signs nor opens one: both without the SDK clients (app/admin-aws.ts). */
import { createHandler } from '../lambdas/admin';
import { firstAttemptQueue, sealOnlySecretBox } from '../app/admin-aws';
import { processRuntime } from '../app/runtime';

export const handler = createHandler(
  processRuntime((config) => ({ passbackQueue: firstAttemptQueue(config), secrets: sealOnlySecretBox(config) })),
);
