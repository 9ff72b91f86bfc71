/** Lambda: the passback worker, triggered by the passback SQS queue (one attempt per message). */
import { attemptDelivery } from '../academy/passback/dispatcher';
import { sqsBatchHandler } from '../adapters/sqs-queue';
import { passbackRuntime, useDeliverySigner } from '../app/passback';
import { signer } from '../app/signer';

useDeliverySigner(signer);

export const handler = sqsBatchHandler((message) => attemptDelivery(passbackRuntime(), message));
