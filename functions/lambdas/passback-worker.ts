/** The passback worker, triggered by the passback SQS queue (one attempt per message). */
import { attemptDelivery } from '../academy/passback/dispatcher';
import { sqsBatchHandler } from '../adapters/sqs-queue';
import { deliverers } from '../app/deliverers';
import type { Runtime } from '../app/runtime';

/** `rt()` gives the signer (an LTI 1.3 client assertion) and the queue of the next attempts. */
export function createHandler(rt: () => Runtime) {
  return sqsBatchHandler((message) => attemptDelivery({ ...rt(), deliverers }, message));
}
