/**
 * No delivery stays `pending` with nothing queued (issue 3 point 7: "nothing is dropped"; docs/product.md:
 * "a delivery that keeps failing is kept as `failed`, never dropped"), on the real local server and
 * its embedded store (dynalite), with the real stores built from the server's configuration:
 *
 * - local mode: deliveries an earlier run of the server left `pending` (its in-process queue died
 *   with it) are queued again when the next run starts on the same data directory, and reach the LMS;
 * - the same recovery, called directly: which deliveries the scan finds, and that each is queued at
 *   its next attempt;
 * - a first attempt that cannot be queued: the passback is `failed` ("could not be queued: …") and
 *   the PUT answers 503; sending the progress again delivers it;
 * - the dead-letter function's handler marks a dead-lettered message's delivery `failed`.
 */
import { captureLogs } from '../../../fixtures/log-capture';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deliverers } from '../../../../functions/app/deliverers';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import type { Deliverer } from '../../../../functions/academy/passback/deliverer';
import {
  attemptDelivery,
  notQueuedError,
  passBack,
  type PassbackDeps,
  type PassbackOpeningDeps,
} from '../../../../functions/academy/passback/dispatcher';
import { deadLetteredError, requeuePending } from '../../../../functions/academy/passback/recovery';
import { recordProgress } from '../../../../functions/academy/progress';
import type { Progress } from '../../../../functions/academy/model';
import { DynamoPassbackStore } from '../../../../functions/adapters/dynamo-passback';
import { keys } from '../../../../functions/adapters/keys';
import { HttpError } from '../../../../functions/errors';
import { createHandler as deadLetterHandler } from '../../../../functions/lambdas/passback-dead-letters';
import { InProcessQueue } from '../../../../functions/local/in-process-queue';
import { bindingKey, type Delivery, type Lti12Binding, type PassbackMessage, type PassbackQueue } from '../../../../functions/ports';
import type { Runtime, RuntimeParts } from '../../../../functions/app/runtime';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import { closeSigners, launch, learnerParams, type Lti12Credentials } from '../../../fixtures/lti12-launch';
import { startOutcomesReceiver, type OutcomesReceiver } from '../../../fixtures/outcomes-receiver';

const env = 'recovery';
let dataDir: string;
/** The server the helpers below talk to: the earlier run while it sets up, then this run. */
let server: TestServer;
let receiver: OutcomesReceiver;
let activity: Lti12Credentials & { id: string };
let rt: Runtime & Pick<RuntimeParts, 'secrets'>;
let store: DynamoPassbackStore;

interface PassbackView {
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  target: string;
}
interface ProgressView {
  status: string;
  score: number | null;
  passbacks: PassbackView[];
}

const unusedSigner = { publicKeys: () => Promise.reject(new Error('unused')), signJwt: () => Promise.reject(new Error('unused')) };
/** A queue that takes messages and never runs them: the in-process queue of a server that stopped. */
const lostQueue: PassbackQueue = { send: async () => undefined };

/** Deps that open deliveries and attempt them: where they go is what the deliverers say. */
function passbackDeps(overrides: Partial<PassbackDeps> = {}): Runtime & PassbackDeps & PassbackOpeningDeps {
  const deps = { ...rt, signer: unusedSigner, passbackQueue: lostQueue, deliverers, ...overrides };
  return { ...deps, deliveryTargets: deps.deliverers };
}

/** Launches a new learner as the LMS would (the binding is the launch's) and answers the academy user id. */
async function launchLearner(path: string, sourcedId: string): Promise<string> {
  const response = await launch(
    activity,
    learnerParams({ lis_outcome_service_url: `${receiver.baseUrl}${path}`, lis_result_sourcedid: sourcedId }),
  );
  expect(response.status).toBe(303);
  const code = new URL(response.headers.get('location')!).searchParams.get('code');
  const grant = await server.admin.request('POST', `/admin/environments/${env}/sso/exchange`, { code });
  expect(grant.status).toBe(200);
  return grant.json.user.id as string;
}

function progressOf(userId: string, score: number, at = Date.now()): Progress {
  return { environmentId: env, activityId: activity.id, userId, status: 'completed', score, updatedAt: new Date(at).toISOString() };
}

/** Records progress and opens its delivery as `PUT …/progress` does, with the given queue and clock. */
async function open(userId: string, score: number, options: { queue?: PassbackQueue; at?: number } = {}): Promise<Delivery> {
  const at = options.at ?? Date.now();
  const progress = progressOf(userId, score, at);
  await rt.progress.put(progress);
  const opened = await passBack(
    passbackDeps({ passbackQueue: options.queue ?? lostQueue, clock: { now: () => at } }),
    await store.learner(env, activity.id, userId),
    progress,
  );
  expect(opened).toHaveLength(1);
  return opened[0]!;
}

const messageOf = (d: Delivery): PassbackMessage => ({
  environmentId: d.environmentId,
  activityId: d.activityId,
  userId: d.userId,
  bindingKey: d.bindingKey,
  sequence: d.sequence,
  attempt: d.attempts,
});

async function deliveryOf(userId: string, key = 'lti12:'): Promise<Delivery> {
  const found = (await store.learner(env, activity.id, userId)).deliveries.filter((d) => d.bindingKey.startsWith(key));
  expect(found).toHaveLength(1);
  return found[0]!;
}

async function getProgress(userId: string): Promise<ProgressView> {
  const answer = await server.admin.request('GET', `/admin/environments/${env}/activities/${activity.id}/progress/${userId}`);
  expect(answer.status).toBe(200);
  return answer.json as ProgressView;
}

async function until(userId: string, done: (view: ProgressView) => boolean, timeoutMs = 15_000): Promise<ProgressView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await getProgress(userId);
    if (done(view)) return view;
    if (Date.now() > deadline) throw new Error(`progress never reached the expected state: ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`never reached the expected state: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A learner with LTI 1.2 bindings written directly (no launch), for the tests that do not reach an LMS. */
let synthetic = 0;
async function bindLearner(consumerKeys: readonly string[] = [activity.key]): Promise<string> {
  const userId = `synthetic-${++synthetic}`;
  for (const consumerKey of consumerKeys) {
    const binding: Lti12Binding = { version: '1.2', consumerKey, serviceUrl: `https://lms.invalid/${userId}`, sourcedId: `src-${userId}` };
    await server.dynamo.send(
      new PutCommand({
        TableName: rt.config.tables.data,
        Item: {
          ...keys.binding(env, activity.id, userId, bindingKey(binding)),
          ...keys.activityIndex(env, activity.id, userId, `BIND#${bindingKey(binding)}`),
          kind: 'binding',
          userId,
          activityId: activity.id,
          binding,
        },
      }),
    );
  }
  return userId;
}

/** What an earlier run of the local server left behind, on the data directory this run starts on. */
const left = { firstLost: '', retryLost: '', delivered: '' };

/** Serves the helpers above from `next`: its handlers' runtime and its passback store. */
function use(next: TestServer): void {
  server = next;
  rt = next.runtime;
  store = new DynamoPassbackStore(next.dynamo, rt.config.tables.data);
}

beforeAll(async () => {
  receiver = await startOutcomesReceiver();
  dataDir = await mkdtemp(join(tmpdir(), 'lti-bridge-recovery-'));

  // The earlier run: deliveries opened with a queue that never runs them (the in-process queue of
  // a server that then stopped), one of them after a failed attempt, and one delivered.
  const earlier = await startTestServer({ dataDir });
  try {
    use(earlier);
    expect(
      (
        await server.admin.request('PUT', `/admin/environments/${env}`, {
          name: 'Recovery',
          ltiEnabled: true,
          academyUrl: 'https://academy.example/sso',
        })
      ).status,
    ).toBe(201);
    const created = await server.admin.request('POST', `/admin/environments/${env}/activities`, {
      type: 'e-learning',
      title: 'Recovered course',
      availableForLti: true,
    });
    expect(created.status).toBe(201);
    activity = { id: created.json.id, ...created.json.ltiAccess.lti12 };
    receiver.secrets.set(activity.key, activity.secret);

    left.firstLost = await launchLearner('/left/first', 'left-first');
    await open(left.firstLost, 61);
    left.retryLost = await launchLearner('/left/retry', 'left-retry');
    const retried = await open(left.retryLost, 62);
    expect(
      await store.record(messageOf(retried), {
        state: 'pending',
        lastError: 'the outcome service answered HTTP 503',
        target: retried.target,
        now: Date.now(),
      }),
    ).toBe(true);
    left.delivered = await launchLearner('/left/delivered', 'left-delivered');
    const done = await open(left.delivered, 63);
    expect(await store.record(messageOf(done), { state: 'delivered', target: done.target, now: Date.now() })).toBe(true);
  } finally {
    await earlier.close();
  }

  // This run, on the same data directory (and so the same activity, at this run's URL).
  use(await startTestServer({ dataDir }));
  activity = { ...activity, launchUrl: activity.launchUrl.replace(earlier.baseUrl, server.baseUrl) };
});

afterAll(async () => {
  await closeSigners();
  await receiver?.close();
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('local mode: a server that stopped with attempts queued', () => {
  it('the next run queues them again when it starts: the LMS gets every score, and nothing already delivered is sent again', async () => {
    expect(await getProgress(left.firstLost)).toMatchObject({ status: 'completed', score: 61 });
    const first = await until(left.firstLost, (v) => v.passbacks[0]?.state === 'delivered');
    expect(first.passbacks[0]).toMatchObject({
      state: 'delivered',
      attempts: 1,
      lastError: null,
      target: `${receiver.baseUrl}/left/first`,
    });
    const retry = await until(left.retryLost, (v) => v.passbacks[0]?.state === 'delivered');
    // Its attempt 1 had failed before the stop; the recovered message is attempt 2.
    expect(retry.passbacks[0]).toMatchObject({ state: 'delivered', attempts: 2, lastError: null });

    const sent = await receiver.waitFor(2, (r) => r.sourcedId?.startsWith('left-') === true);
    expect(sent.map((r) => [r.sourcedId, r.score]).sort()).toEqual([
      ['left-first', '0.61'],
      ['left-retry', '0.62'],
    ]);
    expect(sent.every((r) => r.signatureValid && r.bodyHashValid)).toBe(true);
    // Give a wrongly queued attempt of the delivered one time to arrive: it must not.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received.filter((r) => r.sourcedId === 'left-delivered')).toEqual([]);
    expect((await getProgress(left.delivered)).passbacks[0]).toMatchObject({ state: 'delivered', attempts: 1 });
  });
});

describe('the recovery itself (requeuePending + the store’s local scan), against the server’s dynalite', () => {
  it('finds the deliveries pending before a time, queues each at its next attempt, and the in-process queue runs them to delivered', async () => {
    // This run's own recovery scan ran when it started, before anything below is written.
    const t0 = Date.now();
    const firstLost = await bindLearner();
    const firstDelivery = await open(firstLost, 40, { at: t0 });
    const retrying = await bindLearner();
    let retried = await open(retrying, 41, { at: t0 });
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(await store.record(messageOf(retried), { state: 'pending', lastError: 'down', target: retried.target, now: t0 })).toBe(true);
      retried = await deliveryOf(retrying);
    }
    const delivered = await bindLearner();
    const done = await open(delivered, 42, { at: t0 });
    await store.record(messageOf(done), { state: 'delivered', target: done.target, now: t0 });
    const failed = await bindLearner();
    const refused = await open(failed, 43, { at: t0 });
    await store.record(messageOf(refused), { state: 'failed', lastError: 'refused', target: refused.target, now: t0 });
    const later = await bindLearner();
    await open(later, 44, { at: t0 + 60_000 });
    const mine = new Set([firstLost, retrying, delivered, failed, later]);

    const scanned = (await store.scanPendingDeliveriesForLocalRecovery(t0 + 1000)).filter((d) => mine.has(d.userId));
    expect(scanned.map((d) => [d.userId, d.state, d.attempts]).sort()).toEqual([
      [firstLost, 'pending', 0],
      [retrying, 'pending', 2],
    ]);

    const sends: string[] = [];
    const fake: Deliverer<Lti12Binding> = {
      target: (binding) => binding.serviceUrl,
      carries: () => true,
      deliver: async (attempt) => void sends.push(`${attempt.binding.sourcedId}:${attempt.progress.score}`),
    };
    const queue: InProcessQueue = new InProcessQueue(
      (message) => attemptDelivery(passbackDeps({ deliverers: { '1.2': fake }, passbackQueue: queue }), message),
      { log: () => undefined },
    );
    const queued = await requeuePending({
      pending: async () => (await store.scanPendingDeliveriesForLocalRecovery(t0 + 1000)).filter((d) => mine.has(d.userId)),
      passbackQueue: queue,
    });
    expect(queued.sort((a, b) => a.attempt - b.attempt)).toEqual([
      {
        environmentId: env,
        activityId: activity.id,
        userId: firstLost,
        bindingKey: firstDelivery.bindingKey,
        sequence: firstDelivery.sequence,
        attempt: 0,
      },
      {
        environmentId: env,
        activityId: activity.id,
        userId: retrying,
        bindingKey: retried.bindingKey,
        sequence: retried.sequence,
        attempt: 2,
      },
    ]);

    expect(
      await eventually(
        () => deliveryOf(firstLost),
        (d) => d.state !== 'pending',
      ),
    ).toMatchObject({ state: 'delivered', attempts: 1 });
    expect(
      await eventually(
        () => deliveryOf(retrying),
        (d) => d.state !== 'pending',
      ),
    ).toMatchObject({ state: 'delivered', attempts: 3 });
    expect(sends.sort()).toEqual([`src-${firstLost}:40`, `src-${retrying}:41`]);
    expect(await deliveryOf(delivered)).toMatchObject({ state: 'delivered', attempts: 1 });
    expect(await deliveryOf(failed)).toMatchObject({ state: 'failed', attempts: 1, lastError: 'refused' });
    expect(await deliveryOf(later)).toMatchObject({ state: 'pending', attempts: 0 });
    queue.close();
  });

  it('queues nothing when nothing is pending', async () => {
    const sent: PassbackMessage[] = [];
    expect(await requeuePending({ pending: async () => [], passbackQueue: { send: async (m) => void sent.push(m) } })).toEqual([]);
    expect(sent).toEqual([]);
  });
});

describe('a first attempt that cannot be queued', () => {
  const queueDown: PassbackQueue = {
    send: async () => {
      throw new Error('SQS is unavailable');
    },
  };

  it('PUT answers 503, the progress is recorded and the passback is failed ("could not be queued: …"), not pending; sending it again delivers it', async () => {
    const userId = await launchLearner('/not-queued', 'not-queued-1');
    const errors = captureLogs();
    let refused: unknown;
    try {
      refused = await recordProgress(passbackDeps({ passbackQueue: queueDown }), env, activity.id, userId, {
        status: 'completed',
        score: 72,
      }).catch((e: unknown) => e);
    } finally {
      errors.mockRestore();
    }
    expect(refused).toBeInstanceOf(HttpError);
    expect(refused).toMatchObject({
      status: 503,
      code: 'passback_unavailable',
      message: 'the progress is recorded, but passing it back to the LMS could not be queued; send the same progress again',
    });

    const view = await getProgress(userId);
    expect(view).toMatchObject({ status: 'completed', score: 72 });
    expect(view.passbacks).toEqual([
      expect.objectContaining({
        state: 'failed',
        attempts: 0,
        lastError: 'could not be queued: SQS is unavailable; record the progress again to send it',
        target: `${receiver.baseUrl}/not-queued`,
      }),
    ]);
    expect(notQueuedError(new Error('SQS is unavailable'))).toBe(view.passbacks[0]!.lastError);

    // What the 503 tells the academy to do: send the same progress again.
    const again = await server.admin.request('PUT', `/admin/environments/${env}/activities/${activity.id}/progress/${userId}`, {
      status: 'completed',
      score: 72,
    });
    expect(again.status).toBe(200);
    expect(again.json.passbacks).toEqual([expect.objectContaining({ state: 'pending', attempts: 0, lastError: null })]);
    const delivered = await until(userId, (v) => v.passbacks[0]?.state === 'delivered');
    expect(delivered.passbacks[0]).toMatchObject({ attempts: 1, lastError: null });
    expect((await receiver.waitFor(1, (r) => r.sourcedId === 'not-queued-1')).map((r) => r.score)).toEqual(['0.72']);
  });

  it('with two LMSs and one refused: that passback is failed, the other is still opened and queued, and passBack rejects', async () => {
    const userId = await bindLearner(['key-a', 'key-b']);
    const queued: PassbackMessage[] = [];
    const half: PassbackQueue = {
      send: async (message) => {
        if (message.bindingKey === 'lti12:key-b') throw new Error('queue refused key-b');
        queued.push(message);
      },
    };
    const progress = progressOf(userId, 50);
    await rt.progress.put(progress);
    await expect(passBack(passbackDeps({ passbackQueue: half }), await store.learner(env, activity.id, userId), progress)).rejects.toThrow(
      'queue refused key-b',
    );
    const a = await deliveryOf(userId, 'lti12:key-a');
    const b = await deliveryOf(userId, 'lti12:key-b');
    expect(a).toMatchObject({ state: 'pending', attempts: 0 });
    expect(queued).toEqual([messageOf(a)]);
    expect(b).toMatchObject({
      state: 'failed',
      attempts: 0,
      lastError: 'could not be queued: queue refused key-b; record the progress again to send it',
    });
  });
});

describe('the dead-letter function (functions/handlers/passback-dead-letters.ts)', () => {
  function dlqEvent(...bodies: [string, string][]): SQSEvent {
    return {
      Records: bodies.map(([messageId, body]) => ({
        messageId,
        receiptHandle: `rh-${messageId}`,
        body,
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:passback-dead-letters',
        awsRegion: 'eu-west-1',
      })),
    };
  }

  it('marks the delivery of each dead-lettered message failed, in the store of its runtime', async () => {
    const userId = await bindLearner();
    const opened = await open(userId, 30);
    const errors = captureLogs();
    try {
      expect(await deadLetterHandler(() => server.runtime)(dlqEvent(['dlq-1', JSON.stringify(messageOf(opened))], ['junk', '{}']))).toEqual(
        { batchItemFailures: [] },
      );
    } finally {
      errors.mockRestore();
    }
    expect(await deliveryOf(userId)).toMatchObject({
      state: 'failed',
      attempts: 0,
      lastError: deadLetteredError(5),
      sequence: opened.sequence,
    });
  });
});
