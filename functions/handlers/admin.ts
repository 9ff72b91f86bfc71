/** Lambda: the admin API. It queues passbacks (SQS) and never signs. */
import { createHandler } from '../lambdas/admin';
import { passbackQueue, queueOnlySigner } from '../app/passback';
import { processRuntime } from '../app/runtime';

export const handler = createHandler(processRuntime((config) => ({ passbackQueue: passbackQueue(config), signer: queueOnlySigner })));
