/**
 * The passback worker's queue, on which it queues next attempts: SQS when the function has one
 * (`PASSBACK_QUEUE_URL`), else a queue that refuses. Apart from `./runtime.ts` so that only it
 * bundles the SQS client (the admin API queues first attempts without it, `./admin-aws.ts`). The local
 * server has its own queue, which runs each attempt in its process (`../local/passback-queue.ts`).
 */
import { sqsClient, SqsPassbackQueue } from '../adapters/sqs-queue';
import { noPassbackQueue } from '../adapters/sqs-json-queue';
import type { Config } from '../config';
import type { PassbackQueue } from '../ports';

export function passbackQueue(config: Config): PassbackQueue {
  if (config.passbackQueueUrl) return new SqsPassbackQueue(sqsClient(config), config.passbackQueueUrl);
  return noPassbackQueue;
}
