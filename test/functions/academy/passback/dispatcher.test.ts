/**
 * Progress back to the LMS through the real local server (docs/product.md "Progress back to the LMS",
 * issue 3 point 7): an LMS launches a learner with `lis_outcome_service_url` and
 * `lis_result_sourcedid` (the form signed by the npm `oauth-1.0a`, not by lti-bridge), the academy
 * records progress through the admin API, and a test LMS (`test/fixtures/outcomes-receiver.ts`)
 * receives `replaceResult`, verifying signature and body hash with `oauth-1.0a` and SHA-1 of its own.
 * The local server's passback queue is the in-process queue with the production retry policy, so
 * an outage costs a real retry delay (about 2 s for the first retry).
 */
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import { closeSigners, launch, learnerParams, type Lti12Credentials, createLti12Activity } from '../../../fixtures/lti12-launch';
import { startOutcomesReceiver, success, type OutcomesReceiver, type ReceivedOutcome } from '../../../fixtures/outcomes-receiver';

const env = 'passback';
let server: TestServer;
let receiver: OutcomesReceiver;
let activity: Lti12Credentials & { id: string };

interface PassbackView {
  version: string;
  target: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  updatedAt: string;
}
interface ProgressView {
  userId: string;
  activityId: string;
  status: string;
  score: number | null;
  passbacks: PassbackView[];
}

const progressPath = (userId: string, activityId = activity.id) => `/admin/environments/${env}/activities/${activityId}/progress/${userId}`;

const createActivity = (title: string) => createLti12Activity(server.admin, env, title);

let learners = 0;

/** Launches a new learner as an LMS would and answers the academy user id (through single sign-on). */
async function launchLearner(
  outcome: { serviceUrl?: string; sourcedId?: string },
  overrides: Record<string, string> = {},
  into = activity,
): Promise<string> {
  learners++;
  const response = await launch(
    into,
    learnerParams({ lis_outcome_service_url: outcome.serviceUrl, lis_result_sourcedid: outcome.sourcedId, ...overrides }),
  );
  expect(response.status).toBe(303);
  const code = new URL(response.headers.get('location')!).searchParams.get('code');
  const grant = await server.admin.request('POST', `/admin/environments/${env}/sso/exchange`, { code });
  expect(grant.status).toBe(200);
  return grant.json.user.id as string;
}

async function putProgress(userId: string, body: unknown, activityId = activity.id) {
  return server.admin.request('PUT', progressPath(userId, activityId), body);
}

async function getProgress(userId: string): Promise<ProgressView> {
  const answer = await server.admin.request('GET', progressPath(userId));
  expect(answer.status).toBe(200);
  return answer.json as ProgressView;
}

/** Polls the learner's progress until `done` holds (or fails after `timeoutMs`). */
async function until(userId: string, done: (view: ProgressView) => boolean, timeoutMs = 15_000): Promise<ProgressView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await getProgress(userId);
    if (done(view)) return view;
    if (Date.now() > deadline) throw new Error(`progress never reached the expected state: ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const onlyPassback = (view: ProgressView) => {
  expect(view.passbacks).toHaveLength(1);
  return view.passbacks[0]!;
};

beforeAll(async () => {
  server = await startTestServer();
  receiver = await startOutcomesReceiver();
  expect(
    (
      await server.admin.request('PUT', `/admin/environments/${env}`, {
        name: 'Passback',
        ltiEnabled: true,
        academyUrl: 'https://academy.example/sso',
      })
    ).status,
  ).toBe(201);
  activity = await createActivity('Safety basics');
  receiver.secrets.set(activity.key, activity.secret);
});

afterAll(async () => {
  await closeSigners();
  await receiver?.close();
  await server?.close();
});

beforeEach(() => {
  receiver.answer = success;
});

describe('happy path', () => {
  it('completed with score 85: the LMS receives replaceResult 0.85 for the sourcedid, signed with the activity key; GET shows delivered after 1 attempt', async () => {
    const serviceUrl = `${receiver.baseUrl}/mod/lti/service.php?course=c-12&tag=a%20b`;
    const userId = await launchLearner({ serviceUrl, sourcedId: 'lms-a:result:1' });

    const started = performance.now();
    const put = await putProgress(userId, { status: 'completed', score: 85 });
    const answered = performance.now();
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ userId, activityId: activity.id, status: 'completed', score: 85 });
    expect(put.json.passbacks).toEqual([
      expect.objectContaining({ version: '1.2', target: serviceUrl, state: 'pending', attempts: 0, lastError: null }),
    ]);

    const [got] = await receiver.waitFor(1, (r) => r.sourcedId === 'lms-a:result:1');
    const received = performance.now();
    expect(got).toMatchObject<Partial<ReceivedOutcome>>({
      signatureValid: true,
      bodyHashValid: true,
      contentType: 'application/xml',
      operation: 'replaceResult',
      score: '0.85',
      language: 'en',
      path: '/mod/lti/service.php',
    });
    expect(got!.oauth.oauth_consumer_key).toBe(activity.key);
    expect(got!.url).toBe(serviceUrl);

    const view = await until(userId, (v) => v.passbacks[0]?.state === 'delivered');
    const delivered = performance.now();
    expect(onlyPassback(view)).toMatchObject({ version: '1.2', target: serviceUrl, state: 'delivered', attempts: 1, lastError: null });
    expect(view).toMatchObject({ status: 'completed', score: 85 });
    // Measured for the report: PUT answered, LMS reached, state visible as delivered.
    // Warm: five more updates, each timed from the PUT to the LMS's receipt.
    const warm: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const t0 = performance.now();
      expect((await putProgress(userId, { status: 'completed', score: 85 + i })).status).toBe(200);
      await receiver.waitFor(i + 1, (r) => r.sourcedId === 'lms-a:result:1');
      warm.push(performance.now() - t0);
    }
    warm.sort((a, b) => a - b);
    console.log(
      `passback latency (local, first): PUT answered ${(answered - started).toFixed(1)} ms, LMS received ${(received - started).toFixed(1)} ms, ` +
        `GET shows delivered ${(delivered - started).toFixed(1)} ms after the PUT; warm PUT → LMS received: median ${warm[2]!.toFixed(1)} ms ` +
        `(min ${warm[0]!.toFixed(1)}, max ${warm[4]!.toFixed(1)})`,
    );
    expect(receiver.received.filter((r) => r.sourcedId === 'lms-a:result:1').map((r) => r.score)).toEqual([
      '0.85',
      '0.86',
      '0.87',
      '0.88',
      '0.89',
      '0.9',
    ]);
  });

  it('sends a new result for every update (passed 92.5 → 0.925), each with a new message id', async () => {
    const userId = await launchLearner({ serviceUrl: `${receiver.baseUrl}/outcomes/updates`, sourcedId: 'updates-1' });
    expect((await putProgress(userId, { status: 'completed', score: 40 })).status).toBe(200);
    await until(userId, (v) => v.passbacks[0]?.state === 'delivered');
    expect((await putProgress(userId, { status: 'passed', score: 92.5 })).status).toBe(200);
    const both = await receiver.waitFor(2, (r) => r.sourcedId === 'updates-1');
    expect(both.map((r) => r.score)).toEqual(['0.4', '0.925']);
    expect(new Set(both.map((r) => r.messageId)).size).toBe(2);
    const view = await until(userId, (v) => v.passbacks[0]?.state === 'delivered' && v.score === 92.5);
    expect(onlyPassback(view).attempts).toBe(1);
  });

  it('completed without a score sends 1.0; failed without a score sends 0.0', async () => {
    const userId = await launchLearner({ serviceUrl: `${receiver.baseUrl}/outcomes/noscore`, sourcedId: 'noscore-1' });
    await putProgress(userId, { status: 'completed' });
    await receiver.waitFor(1, (r) => r.sourcedId === 'noscore-1');
    await until(userId, (v) => v.passbacks[0]?.state === 'delivered');
    await putProgress(userId, { status: 'failed', score: null });
    const sent = await receiver.waitFor(2, (r) => r.sourcedId === 'noscore-1');
    expect(sent.map((r) => r.score)).toEqual(['1.0', '0.0']);
  });
});

describe('what is not sent', () => {
  it('in-progress (and not-attempted) send nothing: no delivery, no request to the LMS', async () => {
    const userId = await launchLearner({ serviceUrl: `${receiver.baseUrl}/outcomes/in-progress`, sourcedId: 'in-progress-1' });
    const put = await putProgress(userId, { status: 'in-progress', score: 30 });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ status: 'in-progress', score: 30, passbacks: [] });
    expect((await putProgress(userId, { status: 'not-attempted' })).json.passbacks).toEqual([]);
    // An attempt would run at once (delay 0); give it ample time to show up if it were queued.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(receiver.received.filter((r) => r.sourcedId === 'in-progress-1')).toEqual([]);
    expect(await getProgress(userId)).toMatchObject({ status: 'not-attempted', score: null, passbacks: [] });

    // Completing it afterwards does send.
    await putProgress(userId, { status: 'completed', score: 64 });
    const [sent] = await receiver.waitFor(1, (r) => r.sourcedId === 'in-progress-1');
    expect(sent!.score).toBe('0.64');
  });

  it('a learner launched without lis_outcome_service_url has nothing to pass back', async () => {
    const userId = await launchLearner({});
    const put = await putProgress(userId, { status: 'completed', score: 10 });
    expect(put.json.passbacks).toEqual([]);
  });
});

describe('an LMS that refuses or is down', () => {
  it('imsx_codeMajor failure: kept as failed after one attempt, lastError quotes the LMS', async () => {
    const userId = await launchLearner({ serviceUrl: `${receiver.baseUrl}/outcomes/refusing`, sourcedId: 'refused-1' });
    receiver.answer = (r) =>
      r.path === '/outcomes/refusing'
        ? { status: 200, codeMajor: 'failure', description: 'Tool does not accept grades' }
        : { status: 200, codeMajor: 'success' };
    await putProgress(userId, { status: 'completed', score: 50 });
    const view = await until(userId, (v) => v.passbacks[0]?.state === 'failed');
    expect(onlyPassback(view)).toMatchObject({
      state: 'failed',
      attempts: 1,
      lastError: 'the LMS answered imsx_codeMajor failure: Tool does not accept grades',
    });
    expect(receiver.received.filter((r) => r.sourcedId === 'refused-1')).toHaveLength(1);

    // A later update opens a new delivery (and this time the LMS accepts it).
    receiver.answer = success;
    await putProgress(userId, { status: 'completed', score: 55 });
    const after = await until(userId, (v) => v.passbacks[0]?.state === 'delivered');
    expect(onlyPassback(after)).toMatchObject({ attempts: 1, lastError: null });
  });

  it('HTTP 503 at first: pending with the error meanwhile, then delivered on a retry; nothing lost', async () => {
    const userId = await launchLearner({ serviceUrl: `${receiver.baseUrl}/outcomes/flaky`, sourcedId: 'flaky-1' });
    let calls = 0;
    receiver.answer = (r) => (r.path === '/outcomes/flaky' && ++calls === 1 ? { status: 503 } : { status: 200, codeMajor: 'success' });

    const started = Date.now();
    await putProgress(userId, { status: 'completed', score: 70 });
    const meanwhile = await until(userId, (v) => v.passbacks[0]?.attempts === 1);
    expect(onlyPassback(meanwhile)).toMatchObject({ state: 'pending', attempts: 1, lastError: 'the outcome service answered HTTP 503' });

    const view = await until(userId, (v) => v.passbacks[0]?.state === 'delivered');
    expect(onlyPassback(view)).toMatchObject({ state: 'delivered', attempts: 2, lastError: null });
    const sent = receiver.received.filter((r) => r.sourcedId === 'flaky-1');
    expect(sent.map((r) => r.score)).toEqual(['0.7', '0.7']);
    expect(sent.every((r) => r.signatureValid && r.bodyHashValid)).toBe(true);
    // The first retry comes within seconds (policy: 2 s ± 20 %, plus the attempt's own work on a busy machine).
    const gap = sent[1]!.at - sent[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(1500);
    expect(gap).toBeLessThan(6000);
    expect(Date.now() - started).toBeLessThan(12_000);
  });

  it('HTTP 429 with Retry-After: the retry waits as long as the LMS asked, not the 2 s of the policy', async () => {
    const userId = await launchLearner({ serviceUrl: `${receiver.baseUrl}/outcomes/throttled`, sourcedId: 'throttled-1' });
    let calls = 0;
    receiver.answer = (r) =>
      r.path === '/outcomes/throttled' && ++calls === 1
        ? { status: 429, headers: { 'retry-after': '5' }, rawBody: 'Too many grade updates, slow down' }
        : { status: 200, codeMajor: 'success' };
    await putProgress(userId, { status: 'completed', score: 75 });
    const meanwhile = await until(userId, (v) => v.passbacks[0]?.attempts === 1);
    expect(onlyPassback(meanwhile)).toMatchObject({
      state: 'pending',
      lastError: 'the outcome service answered HTTP 429: Too many grade updates, slow down',
    });
    const view = await until(userId, (v) => v.passbacks[0]?.state === 'delivered', 20_000);
    expect(onlyPassback(view)).toMatchObject({ attempts: 2, lastError: null });
    const sent = receiver.received.filter((r) => r.sourcedId === 'throttled-1');
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(4900);
  });

  it("HTTP 400: failed after one attempt, lastError quoting the LMS's answer", async () => {
    const userId = await launchLearner({ serviceUrl: `${receiver.baseUrl}/outcomes/bad`, sourcedId: 'bad-1' });
    receiver.answer = (r) =>
      r.path === '/outcomes/bad'
        ? { status: 400, rawBody: '<html><body><h1>Bad Request</h1><p>Unknown lis_result_sourcedid</p></body></html>' }
        : { status: 200, codeMajor: 'success' };
    await putProgress(userId, { status: 'completed', score: 20 });
    const view = await until(userId, (v) => v.passbacks[0]?.state === 'failed');
    expect(onlyPassback(view)).toMatchObject({
      attempts: 1,
      lastError: 'the outcome service answered HTTP 400: Bad Request Unknown lis_result_sourcedid',
    });
    expect(receiver.received.filter((r) => r.sourcedId === 'bad-1')).toHaveLength(1);
  });

  it('an LMS that is down (connection refused) gets the newest score when it is back; an update meanwhile wins', async () => {
    const lms = await startOutcomesReceiver();
    try {
      lms.secrets.set(activity.key, activity.secret);
      const serviceUrl = `${lms.baseUrl}/outcomes/down`;
      const userId = await launchLearner({ serviceUrl, sourcedId: 'down-1' });
      await lms.stop();

      await putProgress(userId, { status: 'completed', score: 70 });
      const first = await until(userId, (v) => v.passbacks[0]?.attempts === 1);
      expect(onlyPassback(first)).toMatchObject({ state: 'pending', attempts: 1 });
      expect(onlyPassback(first).lastError).toMatch(/^the outcome service could not be reached: .*ECONNREFUSED/);

      // While the LMS is still down the academy records a newer score: a new delivery, whose retry
      // sends the newest score; the older delivery's queued retry is dropped as superseded.
      await putProgress(userId, { status: 'passed', score: 90 });
      await until(userId, (v) => v.passbacks[0]?.attempts === 1 && v.score === 90);
      await lms.start();

      const view = await until(userId, (v) => v.passbacks[0]?.state === 'delivered');
      expect(onlyPassback(view)).toMatchObject({ state: 'delivered', attempts: 2, lastError: null, target: serviceUrl });
      // Let any stale retry of the first delivery come due: it must not send 0.7 or change the state.
      await new Promise((resolve) => setTimeout(resolve, 2600));
      expect(lms.received.map((r) => r.score)).toEqual(['0.9']);
      expect(lms.received[0]).toMatchObject({ signatureValid: true, bodyHashValid: true, sourcedId: 'down-1' });
      expect(onlyPassback(await getProgress(userId))).toMatchObject({ state: 'delivered', attempts: 2 });
    } finally {
      await lms.close();
    }
  });
});

describe('bindings', () => {
  it('two launches of one learner with the same key from two LMS URLs: the newest launch wins', async () => {
    const learner = { user_id: `moved-${Date.now()}` };
    const userId = await launchLearner({ serviceUrl: `${receiver.baseUrl}/lms-one/outcomes`, sourcedId: 'one-1' }, learner);
    const email = (await server.admin.request('GET', `/admin/environments/${env}/users/${userId}`)).json.email as string;
    const again = await launchLearner(
      { serviceUrl: `${receiver.baseUrl}/lms-two/outcomes`, sourcedId: 'two-1' },
      { ...learner, lis_person_contact_email_primary: email },
    );
    expect(again).toBe(userId);

    const put = await putProgress(userId, { status: 'completed', score: 60 });
    expect(put.json.passbacks).toEqual([expect.objectContaining({ target: `${receiver.baseUrl}/lms-two/outcomes`, state: 'pending' })]);
    const [sent] = await receiver.waitFor(1, (r) => r.sourcedId === 'two-1');
    expect(sent).toMatchObject({ path: '/lms-two/outcomes', score: '0.6', signatureValid: true });
    await until(userId, (v) => v.passbacks[0]?.state === 'delivered');
    expect(receiver.received.filter((r) => r.sourcedId === 'one-1')).toEqual([]);
  });

  it('one learner, two activities: each activity passes back to its own binding only', async () => {
    const other = await createActivity('Second course');
    receiver.secrets.set(other.key, other.secret);
    const userId = await launchLearner({ serviceUrl: `${receiver.baseUrl}/course-a`, sourcedId: 'course-a-1' });
    const email = (await server.admin.request('GET', `/admin/environments/${env}/users/${userId}`)).json.email as string;
    await launchLearner(
      { serviceUrl: `${receiver.baseUrl}/course-b`, sourcedId: 'course-b-1' },
      { lis_person_contact_email_primary: email },
      other,
    );

    await putProgress(userId, { status: 'completed', score: 33 }, other.id);
    const [sent] = await receiver.waitFor(1, (r) => r.sourcedId === 'course-b-1');
    expect(sent).toMatchObject({ score: '0.33', signatureValid: true });
    expect(sent!.oauth.oauth_consumer_key).toBe(other.key);
    expect(receiver.received.filter((r) => r.sourcedId === 'course-a-1')).toEqual([]);
  });
});

describe('GET …/progress (the activity)', () => {
  it('lists every enrolled learner, not-attempted when nothing is recorded, with their passbacks', async () => {
    const course = await createActivity('Listed course');
    receiver.secrets.set(course.key, course.secret);
    const enrolledOnly = await launchLearner({ serviceUrl: `${receiver.baseUrl}/listed`, sourcedId: 'listed-1' }, {}, course);
    const scored = await launchLearner({ serviceUrl: `${receiver.baseUrl}/listed`, sourcedId: 'listed-2' }, {}, course);
    await putProgress(scored, { status: 'completed', score: 77 }, course.id);
    await receiver.waitFor(1, (r) => r.sourcedId === 'listed-2');

    // A user who never launched (created by the admin API) gets progress recorded too.
    expect(
      (
        await server.admin.request('PUT', `/admin/environments/${env}/users/admin-made`, {
          email: 'admin-made@school.edu',
          givenName: 'Ada',
          familyName: 'Admin',
        })
      ).status,
    ).toBe(201);
    await putProgress('admin-made', { status: 'in-progress' }, course.id);

    let list: ProgressView[] = [];
    const deadline = Date.now() + 10_000;
    do {
      const answer = await server.admin.request('GET', `/admin/environments/${env}/activities/${course.id}/progress`);
      expect(answer.status).toBe(200);
      list = answer.json.progress;
    } while (list.find((p) => p.userId === scored)?.passbacks[0]?.state !== 'delivered' && Date.now() < deadline);

    expect(list.map((p) => p.userId)).toEqual([enrolledOnly, scored, 'admin-made'].sort());
    expect(list.find((p) => p.userId === enrolledOnly)).toEqual(
      expect.objectContaining({ activityId: course.id, status: 'not-attempted', score: null, passbacks: [] }),
    );
    expect(list.find((p) => p.userId === scored)).toMatchObject({
      status: 'completed',
      score: 77,
      passbacks: [{ version: '1.2', target: `${receiver.baseUrl}/listed`, state: 'delivered', attempts: 1, lastError: null }],
    });
    expect(list.find((p) => p.userId === 'admin-made')).toMatchObject({ status: 'in-progress', score: null, passbacks: [] });
  });
});

describe('errors', () => {
  let userId: string;
  beforeAll(async () => {
    userId = await launchLearner({ serviceUrl: `${receiver.baseUrl}/errors`, sourcedId: 'errors-1' });
  });

  it.each([
    [{ status: 'done' }, 'status', 'status must be one of not-attempted, in-progress, completed, passed, failed'],
    [{}, 'status', 'status is required'],
    [{ status: 'completed', score: 101 }, 'score', 'score must be a number from 0 to 100'],
    [{ status: 'completed', score: -1 }, 'score', 'score must be a number from 0 to 100'],
    [{ status: 'completed', score: '85' }, 'score', 'score must be a number from 0 to 100'],
    [{ status: 'completed', grade: 5 }, 'grade', 'unknown field grade'],
  ])('%j → 400 naming %s', async (body, field, message) => {
    const answer = await putProgress(userId, body);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: 'invalid_request', message, field });
  });

  it('a body that is not JSON → 400', async () => {
    const answer = await server.admin.request('PUT', progressPath(userId), 'status=completed', { contentType: 'application/json' });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: 'invalid_request', field: 'body' });
  });

  it('an unknown activity, user or environment → 404 naming which', async () => {
    const missingActivity = await putProgress(userId, { status: 'completed' }, 'no-such-activity');
    expect(missingActivity.status).toBe(404);
    expect(missingActivity.json).toEqual({ error: 'not_found', message: 'activity no-such-activity not found' });

    const missingUser = await putProgress('no-such-user', { status: 'completed' });
    expect(missingUser.status).toBe(404);
    expect(missingUser.json).toEqual({ error: 'not_found', message: 'user no-such-user not found' });

    const getMissingUser = await server.admin.request('GET', progressPath('no-such-user'));
    expect(getMissingUser.json).toEqual({ error: 'not_found', message: 'user no-such-user not found' });

    const list = await server.admin.request('GET', `/admin/environments/${env}/activities/no-such-activity/progress`);
    expect(list.status).toBe(404);
    expect(list.json.message).toBe('activity no-such-activity not found');

    const otherEnv = await server.admin.request('PUT', `/admin/environments/nowhere/activities/${activity.id}/progress/${userId}`, {
      status: 'completed',
    });
    expect(otherEnv.status).toBe(404);
    expect(otherEnv.json.message).toBe('environment nowhere not found');
  });

  it('nothing is recorded or sent by a refused request', async () => {
    await putProgress(userId, { status: 'completed', score: 500 });
    expect(await getProgress(userId)).toMatchObject({ status: 'not-attempted', passbacks: [] });
    expect(receiver.received.filter((r) => r.sourcedId === 'errors-1')).toEqual([]);
  });

  it('needs a SigV4-signed request', async () => {
    const answer = await server.admin.unsigned('PUT', progressPath(userId), { status: 'completed' });
    expect(answer.status).toBe(403);
    expect((await server.admin.unsigned('GET', progressPath(userId))).status).toBe(403);
  });
});
