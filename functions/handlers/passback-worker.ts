/**
 * Lambda: the passback worker. It signs (an LTI 1.3 client assertion, KMS), opens the LTI 1.2
 * secret a Basic Outcomes passback is signed with (KMS) and queues the next attempt (SQS).
 */
import { createHandler } from '../lambdas/passback-worker';
import { passbackQueue } from '../app/passback';
import { processRuntime } from '../app/runtime';
import { kmsSecretBox } from '../app/secrets';
import { kmsSigner } from '../app/signer';

export const handler = createHandler(
  processRuntime((config) => ({ signer: kmsSigner(config), passbackQueue: passbackQueue(config), secrets: kmsSecretBox(config) })),
);
