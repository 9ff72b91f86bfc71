/**
 * Progress back to an LTI 1.3 platform through the real local server (docs/product.md "Progress back to
 * the LMS", issue 4 point 5): the test platform launches a learner with the AGS endpoint claim, the
 * academy records progress through the admin API, and the passback system (in-process queue,
 * production retry policy) posts AGS scores. The platform verifies each client assertion with
 * `jsonwebtoken` against lti-bridge's JWKS, and the access token is reused for the next score.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import { agsScore, lineItemSpec } from '../../../../functions/lti13/ags/tool-passback';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import { agsClaim, agsScope, launchFromPlatform, lti, TestPlatform } from '../../../fixtures/lti13-platform';

const env = 'ags';
let server: TestServer;
let lms: TestPlatform;
let activityId: string;
let resourceUrl: string;
let loginUrl: string;
let platformId: string;
let kmsRequests: string[] = [];

interface PassbackView {
  version: string;
  target: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
}

beforeAll(async () => {
  server = await startTestServer();
  lms = await TestPlatform.start();
  lms.redirectUris = [`${server.baseUrl}/${env}/lti13/launch`];
  lms.toolJwksUrl = `${server.baseUrl}/.well-known/jwks.json`;
  expect(
    (
      await server.admin.request('PUT', `/admin/environments/${env}`, {
        name: 'AGS',
        ltiEnabled: true,
        academyUrl: 'https://academy.example/sso',
      })
    ).status,
  ).toBe(201);
  const activity = await server.admin.request('POST', `/admin/environments/${env}/activities`, {
    type: 'e-learning',
    title: 'Fire safety',
    availableForLti: true,
  });
  activityId = activity.json.id;
  resourceUrl = activity.json.ltiAccess.lti13.resourceUrl;
  const registered = await server.admin.request('POST', `/admin/environments/${env}/platforms`, lms.registration());
  platformId = registered.json.id;
  loginUrl = registered.json.toolConfiguration.loginUrl;
  (server.runtime.signer as unknown as { client: KMSClient }).client.middlewareStack.add(
    (next, context) => async (args) => {
      kmsRequests.push(String(context.commandName));
      return next(args);
    },
    { step: 'deserialize', name: 'lti13PassbackCountKms' },
  );
});
afterAll(async () => {
  await lms?.close();
  await server?.close();
});

let learners = 0;

/** Launches a new learner with the given AGS endpoint claim; answers the academy user id and the sub. */
async function launchLearner(endpoint: Record<string, unknown> | undefined): Promise<{ userId: string; sub: string }> {
  const sub = `ags-learner-${++learners}`;
  const result = await launchFromPlatform(lms, {
    loginUrl,
    targetLinkUri: resourceUrl,
    loginHint: sub,
    scenario: { claims: (claims) => ({ ...claims, ...(endpoint ? { [agsClaim]: endpoint } : {}) }) },
  });
  expect(result.launch?.status).toBe(303);
  const code = new URL(result.launch!.location!).searchParams.get('code');
  const grant = await server.admin.request('POST', `/admin/environments/${env}/sso/exchange`, { code });
  expect(grant.status).toBe(200);
  return { userId: grant.json.user.id, sub };
}

const progressPath = (userId: string) => `/admin/environments/${env}/activities/${activityId}/progress/${userId}`;

async function until(userId: string, done: (passback: PassbackView) => boolean, timeoutMs = 15_000): Promise<PassbackView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await server.admin.request('GET', progressPath(userId));
    expect(view.status).toBe(200);
    const passback = view.json.passbacks[0] as PassbackView | undefined;
    if (passback && done(passback)) return passback;
    if (Date.now() > deadline) throw new Error(`passback never reached the expected state: ${JSON.stringify(view.json)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function lineItemIn(context: string): string {
  const id = `${lms.url}/contexts/${context}/lineitems/1/lineitem`;
  lms.lineItems.set(context, [{ id, label: 'Fire safety (platform)', scoreMaximum: 100, resourceLinkId: 'rl-200d101f' }]);
  return id;
}

it('maps progress to AGS scores (activityProgress, gradingProgress, scoreGiven of 100)', () => {
  const at = '2026-03-01T10:00:00.000Z';
  expect(agsScore({ status: 'not-attempted', updatedAt: at }, 'u')).toEqual({
    userId: 'u',
    activityProgress: 'Initialized',
    gradingProgress: 'NotReady',
    timestamp: at,
  });
  expect(agsScore({ status: 'in-progress', updatedAt: at }, 'u')).toEqual({
    userId: 'u',
    activityProgress: 'Started',
    gradingProgress: 'NotReady',
    timestamp: at,
  });
  expect(agsScore({ status: 'in-progress', score: 40, updatedAt: at }, 'u')).toMatchObject({
    scoreGiven: 40,
    scoreMaximum: 100,
    gradingProgress: 'Pending',
  });
  expect(agsScore({ status: 'completed', updatedAt: at }, 'u')).toMatchObject({
    scoreGiven: 100,
    scoreMaximum: 100,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
  });
  expect(agsScore({ status: 'passed', score: 85, updatedAt: at }, 'u')).toMatchObject({
    scoreGiven: 85,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
  });
  expect(agsScore({ status: 'failed', updatedAt: at }, 'u')).toMatchObject({ scoreGiven: 0, gradingProgress: 'FullyGraded' });
});

it('creates line items out of 100, labelled with the activity title, or its id when the title is blank', () => {
  const binding = {
    version: '1.3',
    platformId: 'p',
    sub: 's',
    scopes: [],
    lineitems: 'https://lms.example/li',
    resourceLinkId: 'rl-1',
  } as const;
  expect(lineItemSpec({ id: 'act-7', title: 'Fire safety' }, binding)).toEqual({
    resourceId: 'act-7',
    label: 'Fire safety',
    scoreMaximum: 100,
    resourceLinkId: 'rl-1',
  });
  expect(lineItemSpec({ id: 'act-7', title: '  ' }, { ...binding, resourceLinkId: undefined })).toEqual({
    resourceId: 'act-7',
    label: 'act-7',
    scoreMaximum: 100,
  });
});

it('posts a score to the launch line item, and a second one with the same access token', async () => {
  const lineitem = lineItemIn('course-1');
  const { userId, sub } = await launchLearner({
    scope: [agsScope.lineitem, agsScope.resultReadonly, agsScope.score],
    lineitem,
    lineitems: lms.lineItemsUrl('course-1'),
  });
  const tokensBefore = lms.tokenRequests.length;
  kmsRequests = [];

  expect((await server.admin.request('PUT', progressPath(userId), { status: 'in-progress', score: 40 })).status).toBe(200);
  const first = await until(userId, (p) => p.state === 'delivered');
  expect(first).toMatchObject({ version: '1.3', target: lineitem, attempts: 1, lastError: null });

  expect((await server.admin.request('PUT', progressPath(userId), { status: 'completed', score: 85 })).status).toBe(200);
  await until(userId, (p) => p.state === 'delivered' && lms.scores.filter((s) => s.body.userId === sub).length === 2);

  const scores = lms.scores.filter((s) => s.body.userId === sub);
  expect(scores.map((s) => s.lineItemUrl)).toEqual([lineitem, lineitem]);
  expect(scores[0]!.body).toMatchObject({
    userId: sub,
    scoreGiven: 40,
    scoreMaximum: 100,
    activityProgress: 'Started',
    gradingProgress: 'Pending',
  });
  expect(scores[1]!.body).toMatchObject({
    userId: sub,
    scoreGiven: 85,
    scoreMaximum: 100,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
  });
  for (const s of scores) expect(s.body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect(Date.parse(scores[1]!.body.timestamp as string)).toBeGreaterThan(Date.parse(scores[0]!.body.timestamp as string));
  expect(scores[0]!.contentType).toBe('application/vnd.ims.lis.v1.score+json');

  // one token (one client assertion, one KMS Sign), used for both scores
  const tokens = lms.tokenRequests.slice(tokensBefore);
  expect(tokens).toHaveLength(1);
  expect(tokens[0]!.assertion).toMatchObject({
    iss: lms.clientId,
    sub: lms.clientId,
    aud: lms.tokenUrl,
    [`${lti}deployment_id`]: lms.deploymentId,
  });
  expect(scores[0]!.token).toBe(scores[1]!.token);
  expect(kmsRequests.filter((name) => name === 'SignCommand')).toHaveLength(1);
});

it('creates the activity line item in the launch container when the launch gave only line items', async () => {
  const { userId, sub } = await launchLearner({ scope: [agsScope.lineitem, agsScope.score], lineitems: lms.lineItemsUrl('course-2') });
  expect((await server.admin.request('PUT', progressPath(userId), { status: 'passed', score: 92 })).status).toBe(200);
  const delivered = await until(userId, (p) => p.state === 'delivered');
  expect(delivered.target).toBe(lms.lineItemsUrl('course-2'));
  const created = lms.lineItems.get('course-2')!;
  expect(created).toEqual([
    {
      id: `${lms.url}/contexts/course-2/lineitems/1/lineitem`,
      label: 'Fire safety',
      scoreMaximum: 100,
      resourceId: activityId,
      resourceLinkId: 'rl-200d101f',
    },
  ]);
  expect(lms.scores.filter((s) => s.body.userId === sub).map((s) => [s.lineItemUrl, s.body.scoreGiven])).toEqual([[created[0]!.id, 92]]);

  // a second learner of the same course finds the same line item
  const second = await launchLearner({ scope: [agsScope.lineitem, agsScope.score], lineitems: lms.lineItemsUrl('course-2') });
  await server.admin.request('PUT', progressPath(second.userId), { status: 'completed' });
  await until(second.userId, (p) => p.state === 'delivered');
  expect(lms.lineItems.get('course-2')).toHaveLength(1);
  expect(lms.scores.filter((s) => s.body.userId === second.sub).map((s) => s.body.scoreGiven)).toEqual([100]);
});

it('looks the line item up once per delivery, so that a column deleted at the platform is created again, not posted to from memory', async () => {
  // Blackboard Learn's launch from a content item without a grade column carries only `lineitems`
  // (docs.anthology.com, Blackboard LTI 1.3 "Sample JWT content"; "Authenticating to the LTI Subsystems":
  // `lineitem` only "if the item that is performing the request has a grading column attached").
  const context = 'bb-course';
  const blackboardClaim = {
    lineitems: lms.lineItemsUrl(context),
    scope: [agsScope.lineitem, agsScope.resultReadonly, agsScope.score, agsScope.lineitemReadonly],
  };
  const { userId, sub } = await launchLearner(blackboardClaim);
  const requests = () => lms.lineItemRequests.filter((r) => r.url.startsWith(lms.lineItemsUrl(context))).map((r) => r.method);

  await server.admin.request('PUT', progressPath(userId), { status: 'completed', score: 80 });
  await until(userId, (p) => p.state === 'delivered');
  expect(requests()).toEqual(['GET', 'POST']);
  const first = lms.lineItems.get(context)![0]!.id;

  // The instructor deletes the column; the next delivery finds none and creates it again.
  lms.lineItems.set(context, []);
  await server.admin.request('PUT', progressPath(userId), { status: 'passed', score: 90 });
  await until(userId, (p) => p.state === 'delivered' && lms.scores.filter((s) => s.body.userId === sub).length === 2);
  expect(requests()).toEqual(['GET', 'POST', 'GET', 'POST']);
  expect(lms.lineItems.get(context)).toEqual([expect.objectContaining({ resourceId: activityId, label: 'Fire safety' })]);

  // A column the platform still has is found (one GET, no POST) and gets the score.
  await server.admin.request('PUT', progressPath(userId), { status: 'passed', score: 95 });
  await until(userId, (p) => p.state === 'delivered' && lms.scores.filter((s) => s.body.userId === sub).length === 3);
  expect(requests()).toEqual(['GET', 'POST', 'GET', 'POST', 'GET']);
  const created = lms.lineItems.get(context)![0]!.id;
  expect(lms.scores.filter((s) => s.body.userId === sub).map((s) => [s.lineItemUrl, s.body.scoreGiven])).toEqual([
    [first, 80],
    [created, 90],
    [created, 95],
  ]);
});

it('retries while the platform is down, then delivers', async () => {
  const lineitem = lineItemIn('course-3');
  const { userId, sub } = await launchLearner({ scope: [agsScope.score], lineitem });
  lms.scoreFailures.push(503);
  await server.admin.request('PUT', progressPath(userId), { status: 'completed', score: 70 });
  const retrying = await until(userId, (p) => p.attempts === 1);
  expect(retrying).toMatchObject({ state: 'pending', lastError: expect.stringContaining('HTTP 503') });
  const delivered = await until(userId, (p) => p.state === 'delivered');
  expect(delivered.attempts).toBe(2);
  expect(lms.scores.filter((s) => s.body.userId === sub).map((s) => s.body.scoreGiven)).toEqual([70]);
});

it("fails at once, with the platform's answer, when the platform refuses the score (422): no retry", async () => {
  const lineitem = lineItemIn('course-422');
  const { userId, sub } = await launchLearner({ scope: [agsScope.score], lineitem });
  lms.scoreFailures.push({ status: 422, body: { error: 'invalid_score', error_description: 'scoreGiven must not exceed scoreMaximum' } });
  await server.admin.request('PUT', progressPath(userId), { status: 'completed', score: 70 });
  const failed = await until(userId, (p) => p.state === 'failed');
  expect(failed).toMatchObject({
    attempts: 1,
    lastError: `the platform's scores endpoint answered HTTP 422: {"error":"invalid_score","error_description":"scoreGiven must not exceed scoreMaximum"}`,
  });
  // Nothing else is sent: give a (wrong) retry time to come.
  await new Promise((resolve) => setTimeout(resolve, 2600));
  expect((await until(userId, () => true)).attempts).toBe(1);
  expect(lms.scores.filter((s) => s.body.userId === sub)).toEqual([]);
});

it('records a failed passback when the platform is deactivated, and none without the AGS claim', async () => {
  const lineitem = lineItemIn('course-4');
  const { userId } = await launchLearner({ scope: [agsScope.score], lineitem });
  const plain = await launchLearner(undefined);
  expect((await server.admin.request('PATCH', `/admin/environments/${env}/platforms/${platformId}`, { activated: false })).status).toBe(
    200,
  );
  try {
    await server.admin.request('PUT', progressPath(userId), { status: 'completed' });
    const failed = await until(userId, (p) => p.state === 'failed');
    expect(failed.lastError).toContain('deactivated');
    expect(failed.attempts).toBe(1);
  } finally {
    await server.admin.request('PATCH', `/admin/environments/${env}/platforms/${platformId}`, { activated: true });
  }
  await server.admin.request('PUT', progressPath(plain.userId), { status: 'completed' });
  const view = await server.admin.request('GET', progressPath(plain.userId));
  expect(view.json.passbacks).toEqual([]);
});

it("passes back to a platform with a fixed token audience once its registration names it (Brightspace's OAuth 2 Audience)", async () => {
  // Brightspace gives, next to its access token URL, a "Brightspace OAuth 2 Audience" that client
  // assertions must be addressed to (D2L Community, "Tool registration, deployment and links", article 23662).
  const audience = 'https://api.brightspace.com/auth/token';
  const brightspace = await TestPlatform.start();
  try {
    brightspace.redirectUris = lms.redirectUris;
    brightspace.toolJwksUrl = lms.toolJwksUrl;
    brightspace.tokenAudience = audience;
    const registered = await server.admin.request('POST', `/admin/environments/${env}/platforms`, brightspace.registration());
    expect(registered.status).toBe(201);
    const lineitem = `${brightspace.url}/contexts/d2l/lineitems/1/lineitem`;
    brightspace.lineItems.set('d2l', [{ id: lineitem, label: 'Fire safety', scoreMaximum: 100 }]);
    const sub = 'd2l-learner';
    const launched = await launchFromPlatform(brightspace, {
      loginUrl,
      targetLinkUri: resourceUrl,
      loginHint: sub,
      scenario: { claims: (claims) => ({ ...claims, [agsClaim]: { scope: [agsScope.score], lineitem } }) },
    });
    const code = new URL(launched.launch!.location!).searchParams.get('code');
    const userId = (await server.admin.request('POST', `/admin/environments/${env}/sso/exchange`, { code })).json.user.id as string;

    // Addressed to the token URL, the assertion is refused: failed at once, saying what to check.
    await server.admin.request('PUT', progressPath(userId), { status: 'completed', score: 64 });
    const refused = await until(userId, (p) => p.state === 'failed');
    expect(refused).toMatchObject({
      attempts: 1,
      lastError: expect.stringContaining('HTTP 400: invalid_client: client_assertion: jwt audience'),
    });
    expect(brightspace.tokenErrors.at(-1)).toContain('jwt audience invalid');

    const patched = await server.admin.request('PATCH', `/admin/environments/${env}/platforms/${registered.json.id}`, {
      tokenAudience: audience,
    });
    expect(patched.status).toBe(200);
    await server.admin.request('PUT', progressPath(userId), { status: 'completed', score: 65 });
    expect(await until(userId, (p) => p.state === 'delivered')).toMatchObject({ attempts: 1, lastError: null, target: lineitem });
    expect(brightspace.tokenRequests.map((r) => r.assertion.aud)).toEqual([audience]);
    expect(brightspace.scores.map((s) => [s.body.userId, s.body.scoreGiven])).toEqual([[sub, 65]]);
  } finally {
    await brightspace.close();
  }
});
