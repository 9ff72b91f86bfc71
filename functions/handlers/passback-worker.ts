/** Lambda: the passback worker, triggered by the passback SQS queue (one attempt per message). */
import { attemptDelivery } from '../academy/passback';
import { sqsBatchHandler } from '../adapters/sqs-queue';
import { passbackRuntime } from '../passback-runtime';

export const handler = sqsBatchHandler((message) => attemptDelivery(passbackRuntime(), message));
