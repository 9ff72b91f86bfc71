/**
 * The admin API's AWS calls without SDK clients (`functions/adapters/aws-json.ts`): KMS `Encrypt`
 * against the local KMS endpoint, opened by the SDK-based secret box, and SQS `SendMessage` against
 * a recording endpoint that checks the SigV4 signature, next to what the SDK's SQS client sends for
 * the same message.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AwsJsonError } from '../../../functions/adapters/aws-json';
import { KmsJsonSealer } from '../../../functions/adapters/kms-json-sealer';
import { KmsSecretBox } from '../../../functions/adapters/kms-secret-box';
import { SqsJsonPassbackQueue } from '../../../functions/adapters/sqs-json-queue';
import { SqsPassbackQueue } from '../../../functions/adapters/sqs-queue';
import { UnreadableSecretError } from '../../../functions/errors';
import { startLocalKms, type LocalKms } from '../../../functions/local/kms-endpoint';
import { SigV4Verifier } from '../../../functions/local/sigv4-verifier';
import type { PassbackMessage } from '../../../functions/ports';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret-key' };
const region = 'eu-west-1';

describe('KmsJsonSealer', () => {
  let dataDir: string;
  let kms: LocalKms;
  let client: KMSClient;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lti-bridge-aws-json-'));
    kms = await startLocalKms({ dataDir });
    client = new KMSClient({ endpoint: kms.endpoint, region, credentials, maxAttempts: 1 });
  });

  afterAll(async () => {
    client.destroy();
    await kms.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const context = { purpose: 'lti12-tool-credential', environment: 'env-1', activity: 'a-1', key: 'lb-1' };

  it('seals what the SDK-based secret box opens, in the same encryption context only', async () => {
    const sealer = new KmsJsonSealer({ region, endpoint: kms.endpoint, credentials, keyId: kms.secretsKeyId });
    const sealed = await sealer.seal('s3cret-value', context);
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain('s3cret-value');
    const box = new KmsSecretBox(client, kms.secretsKeyId);
    expect(await box.open(sealed, context)).toBe('s3cret-value');
    await expect(box.open(sealed, { ...context, activity: 'a-2' })).rejects.toThrow(UnreadableSecretError);
  });

  it("names KMS's error when the key is not one it has, and refuses without a key", async () => {
    const unknownKey = new KmsJsonSealer({ region, endpoint: kms.endpoint, credentials, keyId: 'no-such-key' });
    const error = await unknownKey.seal('x', context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsJsonError);
    expect((error as AwsJsonError).operation).toBe('Encrypt');
    expect((error as AwsJsonError).status).toBeGreaterThanOrEqual(400);
    await expect(new KmsJsonSealer({ region, endpoint: kms.endpoint, credentials, keyId: undefined }).seal('x', context)).rejects.toThrow(
      /no secrets key configured/,
    );
  });
});

interface Recorded {
  readonly target: string;
  readonly contentType: string;
  readonly body: Record<string, unknown>;
  readonly signature: 'valid' | string;
}

describe('SqsJsonPassbackQueue', () => {
  let server: Server;
  let origin: string;
  let recorded: Recorded[];
  /** What the endpoint answers next, one status per request (200 when the list is empty). */
  let answers: number[];
  const verifier = new SigV4Verifier({ ...credentials, region, service: 'sqs' });

  const read = (request: IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => resolve(Buffer.concat(chunks)));
      request.on('error', reject);
    });

  beforeAll(async () => {
    server = createServer(async (request, response) => {
      const raw = await read(request);
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
      const [rawPath, rawQueryString = ''] = (request.url ?? '/').split('?');
      const verification = await verifier.verify({
        method: request.method ?? 'POST',
        rawPath: rawPath!,
        rawQueryString,
        headers,
        body: raw,
      });
      const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      recorded.push({
        target: headers['x-amz-target'] ?? '',
        contentType: headers['content-type'] ?? '',
        body,
        signature: verification.ok ? 'valid' : verification.errorType,
      });
      const status = answers.shift() ?? 200;
      response.setHeader('content-type', 'application/x-amz-json-1.0');
      if (status === 200) {
        const md5 = createHash('md5').update(String(body.MessageBody)).digest('hex');
        response.end(JSON.stringify({ MessageId: `m-${recorded.length}`, MD5OfMessageBody: md5 }));
      } else if (status === 400) {
        response.statusCode = 400;
        response.end(JSON.stringify({ __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' }));
      } else {
        response.statusCode = status;
        response.end(JSON.stringify({ __type: 'com.amazonaws.sqs#InternalError', message: 'try again' }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    recorded = [];
    answers = [];
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const message: PassbackMessage = {
    environmentId: 'env-1',
    activityId: 'a-1',
    userId: 'u-1',
    bindingKey: 'lti12:key-1',
    sequence: 3,
    attempt: 0,
  };
  const queueUrl = () => `${origin}/123456789012/lti-bridge-passbacks`;

  it('sends what the SDK sends for the same message, signed for sqs in the region', async () => {
    await new SqsJsonPassbackQueue({ region, queueUrl: queueUrl(), credentials }).send(message, { delaySeconds: 30.4 });
    const sdk = new SQSClient({ region, endpoint: origin, credentials, maxAttempts: 1 });
    await new SqsPassbackQueue(sdk, queueUrl()).send(message, { delaySeconds: 30.4 });
    sdk.destroy();

    expect(recorded).toHaveLength(2);
    const [ours, theirs] = recorded;
    expect(ours!.signature).toBe('valid');
    expect(ours!.target).toBe('AmazonSQS.SendMessage');
    expect(ours!.target).toBe(theirs!.target);
    expect(ours!.contentType).toBe(theirs!.contentType);
    expect(ours!.body).toEqual(theirs!.body);
    expect(ours!.body).toEqual({ QueueUrl: queueUrl(), MessageBody: JSON.stringify(message), DelaySeconds: 30 });
  });

  it('a signature made with another secret does not verify at the endpoint', async () => {
    await new SqsJsonPassbackQueue({ region, queueUrl: queueUrl(), credentials: { ...credentials, secretAccessKey: 'wrong' } }).send(
      message,
    );
    expect(recorded.map((r) => r.signature)).toEqual(['InvalidSignatureException']);
  });

  it("fails at once on SQS's refusal, naming its type; tries a 5xx once more", async () => {
    const queue = new SqsJsonPassbackQueue({ region, queueUrl: queueUrl(), credentials });
    answers = [400];
    const refused = await queue.send(message).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AwsJsonError);
    expect((refused as AwsJsonError).type).toBe('QueueDoesNotExist');
    expect(recorded).toHaveLength(1);

    recorded = [];
    answers = [503];
    await queue.send(message);
    expect(recorded).toHaveLength(2);

    recorded = [];
    answers = [500, 500];
    await expect(queue.send(message)).rejects.toThrow(/InternalError \(HTTP 500\)/);
    expect(recorded).toHaveLength(2);
  });
});
