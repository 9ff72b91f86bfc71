/**
 * Lambda: the passback worker. It signs (an LTI 1.3 client assertion, KMS) and queues the next
 * attempt (SQS).
 */
import { createHandler } from '../lambdas/passback-worker';
import { passbackQueue } from '../app/passback';
import { processRuntime } from '../app/runtime';
import { kmsSigner } from '../app/signer';

export const handler = createHandler(processRuntime((config) => ({ signer: kmsSigner(config), passbackQueue: passbackQueue(config) })));
