/**
 * The admin API's two AWS calls besides DynamoDB, each one signed request without its SDK client
 * (`../adapters/aws-json.ts`), so that its cold start stays within budget (docs/benchmarks.md):
 * KMS `Encrypt` to seal LTI 1.2 secrets, and SQS `SendMessage` to queue each passback's first
 * attempt. With the function's credentials as Lambda provides them (`AWS_ACCESS_KEY_ID`, ...).
 */
import type { Config } from '../config';
import { KmsJsonSealer } from '../adapters/kms-json-sealer';
import { noPassbackQueue, SqsJsonPassbackQueue } from '../adapters/sqs-json-queue';
import type { PassbackQueue, SecretBox } from '../ports';

function credentialsOf(config: Config): NonNullable<Config['awsCredentials']> {
  if (!config.awsCredentials) throw new Error('no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)');
  return config.awsCredentials;
}

/**
 * Seals only (`secrets:seal`; the key refuses it `Decrypt` too): the admin API issues and stores
 * secrets but never signs or verifies with them.
 */
export function sealOnlySecretBox(config: Config): SecretBox {
  let sealer: KmsJsonSealer | undefined;
  return {
    seal: (plaintext, context) => {
      sealer ??= new KmsJsonSealer({
        region: config.region,
        endpoint: config.kmsEndpoint,
        credentials: credentialsOf(config),
        keyId: config.secretsKeyId,
      });
      return sealer.seal(plaintext, context);
    },
    open: () => Promise.reject(new Error('this function seals secrets and never opens them')),
  };
}

/** The passback queue the admin API queues first attempts on (`queue:send`), or one that refuses without `PASSBACK_QUEUE_URL`. */
export function firstAttemptQueue(config: Config): PassbackQueue {
  const queueUrl = config.passbackQueueUrl;
  if (!queueUrl) return noPassbackQueue;
  let queue: SqsJsonPassbackQueue | undefined;
  return {
    send: (message, options) => {
      queue ??= new SqsJsonPassbackQueue({ region: config.region, queueUrl, credentials: credentialsOf(config) });
      return queue.send(message, options);
    },
  };
}
