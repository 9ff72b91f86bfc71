/** Lambda: the admin API. It queues passbacks (SQS) but never sends one, seals LTI 1.2 secrets (KMS) and never signs nor opens one. */
import { createHandler } from '../lambdas/admin';
import { passbackQueue } from '../app/passback';
import { processRuntime } from '../app/runtime';
import { sealOnlySecretBox } from '../app/secrets';

export const handler = createHandler(
  processRuntime((config) => ({ passbackQueue: passbackQueue(config), secrets: sealOnlySecretBox(config) })),
);
