/**
 * The passback worker's SQS semantics (`sqsBatchHandler` + `attemptDelivery`), with SQS mocked by
 * aws-sdk-client-mock and the real DynamoDB store on the embedded dynalite: retries are re-enqueued
 * with `DelaySeconds` from the retry policy, messages whose processing throws are reported as
 * `batchItemFailures` (SQS redelivers them, then the DLQ), stale and duplicate messages are dropped,
 * and the DLQ's consumer marks the delivery of a dead-lettered message `failed` (kept, never dropped).
 */
import { captureLogs, logLines } from '../../../fixtures/log-capture';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { SQSEvent } from 'aws-lambda';
import { DeliveryError, type Deliverer, type DeliveryAttempt } from '../../../../functions/academy/passback/deliverer';
import type { Activity, Progress } from '../../../../functions/academy/model';
import { attemptDelivery, passBack, type PassbackDeps, type PassbackOpeningDeps } from '../../../../functions/academy/passback/dispatcher';
import { deadLetteredError, markDeadLettered } from '../../../../functions/academy/passback/recovery';
import { passbackMaxReceives, passbackRetryPolicy } from '../../../../functions/academy/passback/retry-policy';
import { DynamoPassbackStore } from '../../../../functions/adapters/dynamo-passback';
import { DynamoProgressStore } from '../../../../functions/adapters/dynamo-progress';
import { keys } from '../../../../functions/adapters/keys';
import { parsePassbackMessage, sqsBatchHandler, SqsPassbackQueue } from '../../../../functions/adapters/sqs-queue';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../../../functions/local/embedded-dynamo';
import { bindingKey, type Lti12Binding, type PassbackMessage } from '../../../../functions/ports';

// The SDK's notice that its 2027 releases need Node 22 is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/passback';
const env = 'worker-env';
const activityId = 'act-1';
const sqs = mockClient(SQSClient);

let dynamo: EmbeddedDynamo;
let dataDir: string;
let doc: DynamoDBDocumentClient;
let store: DynamoPassbackStore;
let progressStore: DynamoProgressStore;
let now = Date.parse('2026-11-27T10:00:00.000Z');

/** The fake LMS protocol: what each attempt does, and what it was given. */
let behaviour: (attempt: DeliveryAttempt<Lti12Binding>) => Promise<void>;
let attempts: DeliveryAttempt<Lti12Binding>[];
const fakeDeliverer: Deliverer<Lti12Binding> = {
  target: (binding) => binding.serviceUrl,
  carries: (progress) => progress.status !== 'in-progress',
  deliver: async (attempt) => {
    attempts.push(attempt);
    await behaviour(attempt);
  },
};

/** The worker's deps, which open deliveries too: where they go is what the deliverers say. */
function deps(overrides: Partial<PassbackDeps> = {}): PassbackDeps & PassbackOpeningDeps {
  const passbackDeps: PassbackDeps = {
    passbacks: store,
    passbackQueue: new SqsPassbackQueue(
      new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
      QUEUE_URL,
    ),
    clock: { now: () => now },
    http: { send: () => Promise.reject(new Error('no network in this test')) },
    signer: { publicKeys: () => Promise.reject(new Error('unused')), signJwt: () => Promise.reject(new Error('unused')) },
    secrets: { open: () => Promise.reject(new Error('unused')) },
    config: {} as PassbackDeps['config'],
    deliverers: { '1.2': fakeDeliverer },
    random: () => 0.5,
    ...overrides,
  };
  return { ...passbackDeps, deliveryTargets: passbackDeps.deliverers };
}

let users = 0;

/** A learner with an LTI 1.2 binding and progress, and its opened delivery's first message. */
async function learner(
  progress: Pick<Progress, 'status' | 'score'> = { status: 'completed', score: 80 },
): Promise<{ userId: string; binding: Lti12Binding; message: PassbackMessage }> {
  const userId = `user-${++users}`;
  const binding: Lti12Binding = {
    version: '1.2',
    consumerKey: 'key-1',
    serviceUrl: `https://lms.example/outcomes/${userId}`,
    sourcedId: `src-${userId}`,
  };
  await doc.send(
    new PutCommand({
      TableName: dynamo.tableNames.data,
      Item: {
        ...keys.binding(env, activityId, userId, bindingKey(binding)),
        ...keys.activityIndex(env, activityId, userId, `BIND#${bindingKey(binding)}`),
        kind: 'binding',
        userId,
        activityId,
        binding,
      },
    }),
  );
  const recorded: Progress = { environmentId: env, activityId, userId, ...progress, updatedAt: new Date(now).toISOString() };
  await progressStore.put(recorded);
  const sent: PassbackMessage[] = [];
  const opened = await passBack(
    deps({ passbackQueue: { send: async (m) => void sent.push(m) } }),
    await store.learner(env, activityId, userId),
    recorded,
  );
  expect(opened).toHaveLength(1);
  expect(sent).toEqual([{ environmentId: env, activityId, userId, bindingKey: 'lti12:key-1', sequence: opened[0]!.sequence, attempt: 0 }]);
  return { userId, binding, message: sent[0]! };
}

function sqsEvent(...bodies: [string, unknown][]): SQSEvent {
  return {
    Records: bodies.map(([messageId, body]) => ({
      messageId,
      receiptHandle: `rh-${messageId}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:passback',
      awsRegion: 'eu-west-1',
    })),
  };
}

const worker = (d = deps()) => sqsBatchHandler((message) => attemptDelivery(d, message));

async function delivery(userId: string) {
  return (await store.learner(env, activityId, userId)).deliveries[0]!;
}

const sentMessages = () =>
  sqs
    .commandCalls(SendMessageCommand)
    .map((call) => ({ ...call.args[0].input, body: JSON.parse(call.args[0].input.MessageBody!) as PassbackMessage }));

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lti-bridge-worker-'));
  dynamo = await startEmbeddedDynamo({ dataDir });
  doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'eu-west-1', endpoint: dynamo.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  store = new DynamoPassbackStore(doc, dynamo.tableNames.data);
  progressStore = new DynamoProgressStore(doc, dynamo.tableNames.data);
  const activity: Activity = {
    id: activityId,
    environmentId: env,
    type: 'e-learning',
    title: 'Worker course',
    availableForLti: true,
    lti12Credentials: { key: 'key-1', secret: 'secret-1' },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  await doc.send(
    new PutCommand({ TableName: dynamo.tableNames.data, Item: { ...keys.activity(env, activityId), kind: 'activity', ...activity } }),
  );
});

afterAll(async () => {
  doc?.destroy();
  await dynamo?.close();
  await rm(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'queued' });
  behaviour = async () => undefined;
  attempts = [];
  now += 60_000;
});

describe('a retryable failure', () => {
  it('records pending with the error and re-enqueues the next attempt with DelaySeconds from the policy; the message is acknowledged', async () => {
    const { userId, message } = await learner();
    behaviour = async () => {
      throw new DeliveryError('the outcome service answered HTTP 503', true);
    };
    const answer = await worker()(sqsEvent(['m-1', message]));
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(sentMessages()).toEqual([expect.objectContaining({ QueueUrl: QUEUE_URL, DelaySeconds: 2, body: { ...message, attempt: 1 } })]);
    expect(await delivery(userId)).toMatchObject({ state: 'pending', attempts: 1, lastError: 'the outcome service answered HTTP 503' });

    // The re-enqueued message, when it comes due and the LMS is back: delivered, error cleared.
    behaviour = async () => undefined;
    const next = sentMessages()[0]!.body;
    sqs.resetHistory();
    expect(await worker()(sqsEvent(['m-2', next]))).toEqual({ batchItemFailures: [] });
    expect(sentMessages()).toEqual([]);
    const done = await delivery(userId);
    expect(done).toMatchObject({ state: 'delivered', attempts: 2 });
    expect(done.lastError).toBeUndefined();
    expect(done.deliveredAt).toBe(new Date(now).toISOString());
  });

  it('backs off: the fourth failed attempt waits 16 s (jitter at its middle)', async () => {
    const { userId, message } = await learner();
    behaviour = async () => {
      throw new DeliveryError('down', true);
    };
    let next = message;
    for (let i = 0; i < 4; i++) {
      sqs.resetHistory();
      await worker()(sqsEvent([`m-${i}`, next]));
      next = sentMessages()[0]!.body;
    }
    expect(sentMessages()[0]).toMatchObject({ DelaySeconds: 16, body: { attempt: 4 } });
    expect(await delivery(userId)).toMatchObject({ state: 'pending', attempts: 4 });
  });

  it("re-enqueues after the LMS's Retry-After when it is longer than the backoff, capped at the policy's longest wait", async () => {
    for (const [asked, delay] of [
      [120, 120],
      [3600, 300],
      [1, 2],
    ] as const) {
      const { userId, message } = await learner();
      behaviour = async () => {
        throw new DeliveryError('the outcome service answered HTTP 429', true, asked);
      };
      sqs.resetHistory();
      await worker()(sqsEvent(['m-1', message]));
      expect(sentMessages()).toEqual([expect.objectContaining({ DelaySeconds: delay, body: { ...message, attempt: 1 } })]);
      expect(await delivery(userId)).toMatchObject({ state: 'pending', attempts: 1 });
    }
  });

  it('after the last attempt of the policy: failed, kept with its last error, nothing re-enqueued', async () => {
    const { userId, message } = await learner();
    behaviour = async () => {
      throw new DeliveryError('the outcome service could not be reached: connect ECONNREFUSED', true);
    };
    const d = deps({ retryPolicy: { ...passbackRetryPolicy, maxAttempts: 2 } });
    await worker(d)(sqsEvent(['m-1', message]));
    const second = sentMessages()[0]!.body;
    sqs.resetHistory();
    await worker(d)(sqsEvent(['m-2', second]));
    expect(sentMessages()).toEqual([]);
    expect(await delivery(userId)).toMatchObject({
      state: 'failed',
      attempts: 2,
      lastError: 'the outcome service could not be reached: connect ECONNREFUSED',
    });
  });

  it('an unexpected error of a deliverer is retried with a generic error (detail in the log only)', async () => {
    const { userId, message } = await learner();
    behaviour = async () => {
      throw new TypeError('secret-bearing detail');
    };
    const errors = captureLogs();
    try {
      await worker()(sqsEvent(['m-1', message]));
      expect(logLines(errors, 'passback delivery failed unexpectedly')).toHaveLength(1);
    } finally {
      errors.mockRestore();
    }
    expect(sentMessages()).toHaveLength(1);
    const recorded = await delivery(userId);
    expect(recorded).toMatchObject({ state: 'pending', attempts: 1 });
    expect(recorded.lastError).toMatch(/^an unexpected error occurred while sending/);
    expect(recorded.lastError).not.toContain('secret-bearing');
  });
});

describe('a permanent failure', () => {
  it('is failed at once with the reason, nothing re-enqueued', async () => {
    const { userId, message } = await learner();
    behaviour = async () => {
      throw new DeliveryError('the LMS answered imsx_codeMajor failure: Tool does not accept grades', false);
    };
    expect(await worker()(sqsEvent(['m-1', message]))).toEqual({ batchItemFailures: [] });
    expect(sentMessages()).toEqual([]);
    expect(await delivery(userId)).toMatchObject({
      state: 'failed',
      attempts: 1,
      lastError: 'the LMS answered imsx_codeMajor failure: Tool does not accept grades',
    });
  });

  it('a binding version without a registered deliverer is failed and says so', async () => {
    const { userId, message } = await learner();
    await worker(deps({ deliverers: {} }))(sqsEvent(['m-1', message]));
    expect(await delivery(userId)).toMatchObject({
      state: 'failed',
      lastError: 'progress cannot be passed back through LTI 1.2: no deliverer is registered for it',
    });
  });
});

describe('stale and duplicate messages', () => {
  it('a message of an older sequence is dropped: nothing sent, the newer delivery untouched', async () => {
    const { userId, binding, message } = await learner();
    const newer = await store.open(message, {
      binding,
      target: binding.serviceUrl,
      progress: { environmentId: env, activityId, userId, status: 'passed', score: 95, updatedAt: new Date(now).toISOString() },
      now,
    });
    expect(newer.sequence).toBe(message.sequence + 1);
    expect(await worker()(sqsEvent(['old', message]))).toEqual({ batchItemFailures: [] });
    expect(attempts).toEqual([]);
    expect(sentMessages()).toEqual([]);
    expect(await delivery(userId)).toMatchObject({
      state: 'pending',
      attempts: 0,
      sequence: newer.sequence,
      progress: { status: 'passed', score: 95 },
    });
  });

  it('a duplicated message (SQS delivers at least once) runs once and forks no second retry chain', async () => {
    const { userId, message } = await learner();
    behaviour = async () => {
      throw new DeliveryError('down', true);
    };
    await worker()(sqsEvent(['first', message]));
    await worker()(sqsEvent(['duplicate', message]));
    expect(attempts).toHaveLength(1);
    expect(sentMessages()).toHaveLength(1);
    expect(await delivery(userId)).toMatchObject({ attempts: 1 });
  });

  it('an attempt whose result finds the delivery reopened meanwhile records nothing', async () => {
    const { userId, binding, message } = await learner();
    behaviour = async () => {
      // The academy records newer progress while this attempt is talking to the LMS.
      await store.open(message, {
        binding,
        target: binding.serviceUrl,
        progress: { environmentId: env, activityId, userId, status: 'completed', score: 99, updatedAt: new Date(now).toISOString() },
        now,
      });
    };
    expect(await attemptDelivery(deps(), message)).toEqual({ result: 'stale' });
    expect(await delivery(userId)).toMatchObject({ state: 'pending', attempts: 0, sequence: message.sequence + 1 });
  });
});

describe('what an attempt sends', () => {
  it('the newest progress at delivery time, so that a retry sends the latest score', async () => {
    const { userId, message } = await learner({ status: 'completed', score: 40 });
    await progressStore.put({
      environmentId: env,
      activityId,
      userId,
      status: 'completed',
      score: 90,
      updatedAt: new Date(now).toISOString(),
    });
    await worker()(sqsEvent(['m-1', message]));
    expect(attempts.map((a) => a.progress.score)).toEqual([90]);
  });

  it('the progress that opened the delivery when the newest is one the protocol does not carry', async () => {
    const { userId, message } = await learner({ status: 'completed', score: 40 });
    await progressStore.put({ environmentId: env, activityId, userId, status: 'in-progress', updatedAt: new Date(now).toISOString() });
    await worker()(sqsEvent(['m-1', message]));
    expect(attempts.map((a) => [a.progress.status, a.progress.score])).toEqual([['completed', 40]]);
  });

  it('the binding as the newest launch left it, and the activity', async () => {
    const { userId, binding, message } = await learner();
    const relaunched = { ...binding, serviceUrl: 'https://lms.example/moved', sourcedId: 'src-new' };
    await doc.send(
      new PutCommand({
        TableName: dynamo.tableNames.data,
        Item: {
          ...keys.binding(env, activityId, userId, bindingKey(relaunched)),
          kind: 'binding',
          userId,
          activityId,
          binding: relaunched,
        },
      }),
    );
    await worker()(sqsEvent(['m-1', message]));
    expect(attempts[0]).toMatchObject({ binding: relaunched, activity: { id: activityId, lti12Credentials: { key: 'key-1' } } });
    expect(await delivery(userId)).toMatchObject({ state: 'delivered', target: 'https://lms.example/moved' });
  });
});

describe('messages whose processing throws are reported as batch item failures', () => {
  it('a store error fails only that message; the others of the batch are processed and acknowledged', async () => {
    const good = await learner();
    const bad = await learner();
    const failing = deps({
      passbacks: {
        ...store,
        learner: store.learner.bind(store),
        activity: store.activity.bind(store),
        open: store.open.bind(store),
        record: store.record.bind(store),
        abandon: store.abandon.bind(store),
        load: (key) => (key.userId === bad.userId ? Promise.reject(new Error('ProvisionedThroughputExceededException')) : store.load(key)),
      },
    });
    const errors = captureLogs();
    try {
      expect(await worker(failing)(sqsEvent(['good', good.message], ['bad', bad.message]))).toEqual({
        batchItemFailures: [{ itemIdentifier: 'bad' }],
      });
    } finally {
      errors.mockRestore();
    }
    expect(await delivery(good.userId)).toMatchObject({ state: 'delivered' });
    expect(await delivery(bad.userId)).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('a malformed message is a batch item failure (it ends in the dead-letter queue)', async () => {
    const errors = captureLogs();
    try {
      expect(await worker()(sqsEvent(['junk', 'not json'], ['partial', { environmentId: env, sequence: 1 }]))).toEqual({
        batchItemFailures: [{ itemIdentifier: 'junk' }, { itemIdentifier: 'partial' }],
      });
    } finally {
      errors.mockRestore();
    }
  });

  it('when the retry cannot be queued, the message fails and nothing is recorded, so its redelivery tries again', async () => {
    const { userId, message } = await learner();
    behaviour = async () => {
      throw new DeliveryError('down', true);
    };
    sqs.on(SendMessageCommand).rejects(new Error('SQS unavailable'));
    const errors = captureLogs();
    try {
      expect(await worker()(sqsEvent(['m-1', message]))).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    } finally {
      errors.mockRestore();
    }
    expect(await delivery(userId)).toMatchObject({ state: 'pending', attempts: 0 });

    sqs.reset();
    sqs.on(SendMessageCommand).resolves({});
    expect(await worker()(sqsEvent(['m-1', message]))).toEqual({ batchItemFailures: [] });
    expect(await delivery(userId)).toMatchObject({ state: 'pending', attempts: 1 });
    expect(attempts).toHaveLength(2);
  });
});

describe('the dead-letter queue consumer (a message the worker failed on passbackMaxReceives times)', () => {
  const deadLetters = (d: Parameters<typeof markDeadLettered>[0] = deps()) =>
    sqsBatchHandler((message) => markDeadLettered(d, message), { malformed: 'drop' });
  const quiet = () => captureLogs();

  it('marks the pending delivery failed with a lastError that says so, keeps its attempts, and acknowledges the message', async () => {
    const { userId, message } = await learner();
    behaviour = async () => {
      throw new DeliveryError('down', true);
    };
    await worker()(sqsEvent(['m-1', message]));
    const retry = sentMessages()[0]!.body;
    expect(await delivery(userId)).toMatchObject({ state: 'pending', attempts: 1 });

    // The worker crashes on the queued retry until SQS dead-letters it.
    const errors = quiet();
    try {
      expect(await deadLetters()(sqsEvent(['dlq-1', retry]))).toEqual({ batchItemFailures: [] });
      expect(errors.text()).toContain('"outcome":"failed"');
    } finally {
      errors.mockRestore();
    }
    const failed = await delivery(userId);
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, lastError: deadLetteredError(passbackMaxReceives) });
    expect(failed.lastError).toBe(
      'delivery could not be processed (moved to the dead-letter queue after 5 receives; see the service log); record the progress again to send it',
    );
    expect(failed.updatedAt).toBe(new Date(now).toISOString());
    // Kept, not deleted: the learner's records still hold it, and nothing was queued or sent.
    expect((await store.learner(env, activityId, userId)).deliveries).toHaveLength(1);
    expect(attempts).toHaveLength(1);
    expect(sentMessages()).toHaveLength(1);
  });

  it('a later progress update reopens the failed delivery and it is delivered', async () => {
    const { userId, binding, message } = await learner();
    const errors = quiet();
    try {
      await deadLetters()(sqsEvent(['dlq-1', message]));
    } finally {
      errors.mockRestore();
    }
    expect(await delivery(userId)).toMatchObject({ state: 'failed', attempts: 0 });
    const reopened = await store.open(message, {
      binding,
      target: binding.serviceUrl,
      progress: { environmentId: env, activityId, userId, status: 'passed', score: 91, updatedAt: new Date(now).toISOString() },
      now,
    });
    expect(reopened).toMatchObject({ state: 'pending', attempts: 0, sequence: message.sequence + 1 });
    expect(reopened.lastError).toBeUndefined();
    await worker()(sqsEvent(['m-2', { ...message, sequence: reopened.sequence }]));
    expect(await delivery(userId)).toMatchObject({ state: 'delivered', attempts: 1 });
  });

  it.each([
    ['delivered meanwhile', async (m: PassbackMessage) => void (await worker()(sqsEvent(['ok', m])))],
    [
      'reopened by a newer update',
      async (m: PassbackMessage) => {
        const found = await store.load(m);
        await store.open(m, { binding: found.binding!, target: 'x', progress: found.progress!, now });
      },
    ],
    [
      'moved on to a later attempt (an older duplicate was dead-lettered)',
      async (m: PassbackMessage) => {
        behaviour = async () => {
          throw new DeliveryError('down', true);
        };
        await worker()(sqsEvent(['retry', m]));
      },
    ],
  ])('a delivery %s is left alone (stale)', async (_label, meanwhile) => {
    const { userId, message } = await learner();
    await meanwhile(message);
    const before = await delivery(userId);
    const errors = quiet();
    try {
      expect(await markDeadLettered(deps(), message)).toBe('stale');
      expect(await deadLetters()(sqsEvent(['dlq', message]))).toEqual({ batchItemFailures: [] });
    } finally {
      errors.mockRestore();
    }
    expect(await delivery(userId)).toEqual(before);
  });

  it('a store error is a batch item failure (the dead letter is received again); a malformed one is logged and dropped', async () => {
    const { userId, message } = await learner();
    const failing = {
      clock: { now: () => now },
      passbacks: { abandon: () => Promise.reject(new Error('ProvisionedThroughputExceededException')) },
    };
    const errors = quiet();
    try {
      expect(await deadLetters(failing)(sqsEvent(['dlq-1', message], ['junk', 'not json']))).toEqual({
        batchItemFailures: [{ itemIdentifier: 'dlq-1' }],
      });
      expect(logLines(errors, 'malformed passback message dropped')).toHaveLength(1);
    } finally {
      errors.mockRestore();
    }
    expect(await delivery(userId)).toMatchObject({ state: 'pending', attempts: 0 });
  });
});

describe('SqsPassbackQueue and message parsing', () => {
  const queue = () => deps().passbackQueue;
  const message: PassbackMessage = { environmentId: 'e', activityId: 'a', userId: 'u', bindingKey: 'lti12:k', sequence: 3, attempt: 0 };

  it('sends no DelaySeconds for an immediate attempt, and caps a delay at SQS’s 900 s', async () => {
    await queue().send(message);
    await queue().send(message, { delaySeconds: 5000 });
    await queue().send(message, { delaySeconds: 2.4 });
    const calls = sentMessages();
    expect(calls[0]!.DelaySeconds).toBeUndefined();
    expect(calls[1]!.DelaySeconds).toBe(900);
    expect(calls[2]!.DelaySeconds).toBe(2);
    expect(calls[0]!.body).toEqual(message);
  });

  it('parses exactly the message fields and refuses anything else', () => {
    expect(parsePassbackMessage(JSON.stringify({ ...message, extra: 'dropped' }))).toEqual(message);
    expect(() => parsePassbackMessage('[]')).toThrow('a passback message needs environmentId');
    expect(() => parsePassbackMessage(JSON.stringify({ ...message, attempt: -1 }))).toThrow('a passback message needs a whole attempt');
    expect(() => parsePassbackMessage(JSON.stringify({ ...message, sequence: '3' }))).toThrow('a passback message needs a whole sequence');
    expect(() => parsePassbackMessage(JSON.stringify({ ...message, bindingKey: '' }))).toThrow('a passback message needs bindingKey');
  });
});
