/**
 * The passback queue on AWS: SQS. Sending (`SqsPassbackQueue`, used by the admin API and by the
 * worker to queue the next attempt with `DelaySeconds`) and receiving (`sqsBatchHandler`, the
 * worker Lambda's SQS event source with `ReportBatchItemFailures`): a message whose processing
 * throws is reported as a batch item failure, becomes visible again after the visibility timeout,
 * and goes to the dead-letter queue after the redrive policy's `maxReceiveCount`.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Config } from '../config';
import type { PassbackMessage, PassbackQueue } from '../ports';

/** SQS's longest `DelaySeconds`. */
const maxDelaySeconds = 900;

export function sqsClient(config: Pick<Config, 'region'>): SQSClient {
  return new SQSClient({ region: config.region, maxAttempts: 3 });
}

export class SqsPassbackQueue implements PassbackQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: PassbackMessage, options: { delaySeconds?: number } = {}): Promise<void> {
    const delay = Math.min(maxDelaySeconds, Math.max(0, Math.round(options.delaySeconds ?? 0)));
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        ...(delay > 0 ? { DelaySeconds: delay } : {}),
      }),
    );
  }
}

const textFields = ['environmentId', 'activityId', 'userId', 'bindingKey'] as const;
const countFields = ['sequence', 'attempt'] as const;

/** Reads a queued message; throws on anything else (the message then ends in the dead-letter queue). */
export function parsePassbackMessage(body: string): PassbackMessage {
  const value: unknown = JSON.parse(body);
  if (typeof value !== 'object' || value === null) throw new Error('a passback message must be a JSON object');
  const fields = value as Record<string, unknown>;
  for (const name of textFields) {
    if (typeof fields[name] !== 'string' || fields[name] === '') throw new Error(`a passback message needs ${name}`);
  }
  for (const name of countFields) {
    if (!Number.isSafeInteger(fields[name]) || (fields[name] as number) < 0) throw new Error(`a passback message needs a whole ${name}`);
  }
  const message = fields as unknown as PassbackMessage;
  return {
    environmentId: message.environmentId,
    activityId: message.activityId,
    userId: message.userId,
    bindingKey: message.bindingKey,
    sequence: message.sequence,
    attempt: message.attempt,
  };
}

/**
 * A Lambda handler for an SQS event source with `reportBatchItemFailures`: runs every record's
 * message concurrently and answers the ids of those that threw (SQS deletes the others).
 */
export function sqsBatchHandler(consume: (message: PassbackMessage) => Promise<unknown>) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const results = await Promise.allSettled(event.Records.map(async (record) => consume(parsePassbackMessage(record.body))));
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') return;
      const record = event.Records[index]!;
      const error = result.reason instanceof Error ? { name: result.reason.name, message: result.reason.message } : { value: String(result.reason) };
      console.error(
        JSON.stringify({ level: 'error', message: 'passback message failed; SQS will redeliver it', messageId: record.messageId, receiveCount: record.attributes?.ApproximateReceiveCount, error }),
      );
      batchItemFailures.push({ itemIdentifier: record.messageId });
    });
    return { batchItemFailures };
  };
}
