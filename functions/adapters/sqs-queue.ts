/**
 * The passback queue on AWS: SQS. Sending with the SQS client (`SqsPassbackQueue`, used by the
 * worker to queue the next attempt with `DelaySeconds`; the admin API sends its one message per
 * passback without the client, `./sqs-json-queue.ts`); receiving is `./sqs-batch.ts` (re-exported
 * here), which the dead-letter function bundles without the SQS client.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../config';
import type { PassbackMessage, PassbackQueue } from '../ports';
import { sendMessageInput } from './sqs-json-queue';

export { parsePassbackMessage, sqsBatchHandler } from './sqs-batch';

export function sqsClient(config: Pick<Config, 'region'>): SQSClient {
  return new SQSClient({ region: config.region, maxAttempts: 3 });
}

export class SqsPassbackQueue implements PassbackQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: PassbackMessage, options: { delaySeconds?: number } = {}): Promise<void> {
    await this.client.send(new SendMessageCommand(sendMessageInput(this.queueUrl, message, options)));
  }
}
