/**
 * Receiving passback messages from an SQS event source with `ReportBatchItemFailures` (the worker
 * on the passback queue, the dead-letter function on its dead-letter queue): a message whose
 * processing throws is reported as a batch item failure and becomes visible again after the
 * visibility timeout; on the passback queue it goes to the dead-letter queue after the redrive
 * policy's `maxReceiveCount`. No AWS SDK here: only the event's shape.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { log, withCorrelation } from '../observability';
import type { PassbackMessage } from '../ports';

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
    ...(typeof fields.correlationId === 'string' && /^[\w-]{1,100}$/.test(fields.correlationId)
      ? { correlationId: fields.correlationId }
      : {}),
  };
}

export interface BatchOptions {
  /**
   * What becomes of a record whose body is not a passback message: `retry` (the default) reports it
   * as failed, so that on the passback queue it ends in the dead-letter queue; `drop` logs it and
   * lets SQS delete it, for the dead-letter queue, where nothing else would ever end its redelivery.
   */
  readonly malformed?: 'retry' | 'drop';
}

class MalformedMessage extends Error {
  override name = 'MalformedMessage';
}

function parseRecord(body: string): PassbackMessage {
  try {
    return parsePassbackMessage(body);
  } catch (error) {
    throw new MalformedMessage(error instanceof Error ? error.message : String(error));
  }
}

/**
 * A Lambda handler for an SQS event source with `reportBatchItemFailures`: runs every record's
 * message concurrently and answers the ids of those that threw (SQS deletes the others).
 */
export function sqsBatchHandler(consume: (message: PassbackMessage) => Promise<unknown>, options: BatchOptions = {}) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const results = await Promise.allSettled(
      event.Records.map(async (record) => {
        const message = parseRecord(record.body);
        return withCorrelation(message.correlationId ?? record.messageId, () => consume(message));
      }),
    );
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') return;
      const record = event.Records[index]!;
      const error =
        result.reason instanceof Error ? { name: result.reason.name, message: result.reason.message } : { value: String(result.reason) };
      const receiveCount = record.attributes?.ApproximateReceiveCount;
      if (result.reason instanceof MalformedMessage && options.malformed === 'drop') {
        // Only lti-bridge's own functions may send to these queues: the body holds ids, no secrets.
        log.error('malformed passback message dropped', { messageId: record.messageId, body: record.body.slice(0, 1000), error });
        return;
      }
      log.error('passback message failed; SQS will redeliver it', { messageId: record.messageId, receiveCount, error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    });
    return { batchItemFailures };
  };
}
