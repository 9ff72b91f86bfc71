/** Lambda: the passback worker, triggered by the passback SQS queue (one attempt per message). */
import { attemptDelivery } from '../academy/passback';
import { sqsBatchHandler } from '../adapters/sqs-queue';
import { runtime } from '../runtime';

export const handler = sqsBatchHandler((message) => attemptDelivery(runtime(), message));
