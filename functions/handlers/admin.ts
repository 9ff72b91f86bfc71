/** Lambda: the admin API. It queues passbacks (SQS), seals LTI 1.2 secrets (KMS) and never signs nor opens one. */
import { createHandler } from '../lambdas/admin';
import { passbackQueue, queueOnlySigner } from '../app/passback';
import { processRuntime } from '../app/runtime';
import { sealOnlySecretBox } from '../app/secrets';

export const handler = createHandler(
  processRuntime((config) => ({ passbackQueue: passbackQueue(config), signer: queueOnlySigner, secrets: sealOnlySecretBox(config) })),
);
