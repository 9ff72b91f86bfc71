/** Lambda: the passback worker, triggered by the passback SQS queue (one attempt per message). */
import { attemptDelivery } from '../academy/passback';
import { sqsBatchHandler } from '../adapters/sqs-queue';
import { passbackRuntime, useDeliverySigner } from '../passback-runtime';
import { signer } from '../signer-runtime';

useDeliverySigner(signer);

export const handler = sqsBatchHandler((message) => attemptDelivery(passbackRuntime(), message));
