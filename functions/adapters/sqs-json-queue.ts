/**
 * Sending to the passback queue (SQS `SendMessage`) as one signed request (`./aws-json.ts`), for the
 * admin API, which queues each passback's first attempt and nothing else: its cold start does not
 * load the SQS client. The worker, which sends and receives all day, keeps the client
 * (`./sqs-queue.ts`); both send the same `SendMessage` input ({@link sendMessageInput}).
 */
import type { PassbackMessage, PassbackQueue } from '../ports';
import { AwsJsonService, type AwsCredentials } from './aws-json';

/** SQS's longest `DelaySeconds`. */
const maxDelaySeconds = 900;

/** The `SendMessage` input of a passback message, delayed by at most SQS's 15 minutes. */
export function sendMessageInput(queueUrl: string, message: PassbackMessage, options: { delaySeconds?: number } = {}) {
  const delay = Math.min(maxDelaySeconds, Math.max(0, Math.round(options.delaySeconds ?? 0)));
  return { QueueUrl: queueUrl, MessageBody: JSON.stringify(message), ...(delay > 0 ? { DelaySeconds: delay } : {}) };
}

/** The queue of a function without `PASSBACK_QUEUE_URL`: every send is refused, saying why. */
export const noPassbackQueue: PassbackQueue = {
  send: () => Promise.reject(new Error('PASSBACK_QUEUE_URL is not set: this function has no queue:send permission')),
};

export interface SqsJsonQueueOptions {
  readonly region: string;
  readonly queueUrl: string;
  readonly credentials: AwsCredentials;
}

export class SqsJsonPassbackQueue implements PassbackQueue {
  private readonly sqs: AwsJsonService;

  constructor(private readonly options: SqsJsonQueueOptions) {
    // The queue URL's origin is the SQS endpoint of its region, as the SDK uses it (useQueueUrlAsEndpoint).
    this.sqs = new AwsJsonService({
      service: 'sqs',
      targetPrefix: 'AmazonSQS',
      jsonVersion: '1.0',
      region: options.region,
      endpoint: `${new URL(options.queueUrl).origin}/`,
      credentials: options.credentials,
    });
  }

  async send(message: PassbackMessage, options: { delaySeconds?: number } = {}): Promise<void> {
    await this.sqs.call('SendMessage', sendMessageInput(this.options.queueUrl, message, options));
  }
}
