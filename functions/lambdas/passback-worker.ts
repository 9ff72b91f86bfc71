/** The passback worker, triggered by the passback SQS queue (one attempt per message). */
import { attemptDelivery } from '../academy/passback/dispatcher';
import { sqsBatchHandler } from '../adapters/sqs-queue';
import { deliverers } from '../app/deliverers';
import type { Runtime, RuntimeParts } from '../app/runtime';

/** An attempt signs (an LTI 1.3 client assertion) and queues the next one. */
export function createHandler(rt: () => Runtime & RuntimeParts) {
  return sqsBatchHandler((message) => attemptDelivery({ ...rt(), deliverers }, message));
}
