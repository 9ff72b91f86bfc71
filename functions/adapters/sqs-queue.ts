/**
 * The passback queue on AWS: SQS. Sending (`SqsPassbackQueue`, used by the admin API and by the
 * worker to queue the next attempt with `DelaySeconds`); receiving is `./sqs-batch.ts` (re-exported
 * here), which the dead-letter function bundles without the SQS client.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../config';
import type { PassbackMessage, PassbackQueue } from '../ports';

export { parsePassbackMessage, sqsBatchHandler } from './sqs-batch';

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
