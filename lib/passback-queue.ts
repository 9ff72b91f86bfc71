import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface PassbackQueueProps {
  /**
   * The longest timeout of the functions that consume the queue or the dead-letter queue; the
   * visibility timeout of both is six times it.
   */
  readonly consumerTimeout: Duration;
  /**
   * How many times a message whose processing fails (the worker throws or times out) is received
   * before it moves to the dead-letter queue. Failed deliveries to an LMS do not count: the worker
   * records them and queues the next attempt itself, with the retry policy's delay.
   * @default 5 (`passbackMaxReceives` of functions/academy/passback/retry-policy.ts, whose dead-letter
   * message quotes it; the stack test checks they agree)
   */
  readonly maxReceiveCount?: number;
}

/**
 * The passback queue (docs/product.md "Progress back to the LMS": at least once, retried with backoff)
 * and its dead-letter queue. Both are encrypted with SQS-managed keys (no KMS grants needed) and
 * refuse requests without TLS. The worker's event source reports batch item failures, so one failed
 * message is redelivered without the rest of its batch. The dead-letter queue has a consumer too,
 * which marks each dead-lettered message's delivery `failed`: a delivery is never left `pending`
 * with nothing queued (docs/product.md: "kept as `failed`, never dropped").
 */
export class PassbackQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: PassbackQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice for a Lambda event source: at least six times the function's timeout.
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
  }

  /**
   * Makes `fn` the queue's worker: batches of up to 10 messages, failures reported per message.
   *
   * @param maxConcurrency the worker's reserved concurrency, when it has one: the event source then
   *   invokes it no more often than that at once. Otherwise Lambda's SQS poller may invoke it beyond
   *   its reservation, and each throttled batch returns to the queue with one more receive counted
   *   towards the dead-letter queue.
   */
  addWorker(fn: IFunction, maxConcurrency?: number): void {
    if (maxConcurrency !== undefined && maxConcurrency < 2) {
      throw new Error(
        `the passback worker's concurrency must be at least 2 (the SQS event source's smallest maximum), got ${maxConcurrency}`,
      );
    }
    fn.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency }));
  }

  /**
   * Makes `fn` the dead-letter queue's consumer (the event source grants it receiving and deleting
   * there, and nothing on the passback queue). A message it fails on is received again after the
   * visibility timeout, for as long as the dead-letter queue keeps it.
   */
  addDeadLetterConsumer(fn: IFunction): void {
    fn.addEventSource(new SqsEventSource(this.deadLetterQueue, { batchSize: 10, reportBatchItemFailures: true }));
  }
}
