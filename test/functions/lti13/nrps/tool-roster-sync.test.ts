/**
 * The academy as tool syncing an activity's roster from the platforms that launched it (NRPS 2.0
 * §2.4; docs/nrps.md "Roster sync"), through the real local server and a test LMS (its own
 * `jsonwebtoken` tokens and memberships endpoint): a launch remembers its context's memberships URL
 * in its one write; the sync follows every page, enrols the active learners, creating or linking
 * accounts as a launch would, skips the others with a reason, runs twice to the same result, and a
 * learner synced before their first launch is recognised at it. A failing LMS writes nothing.
 */
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expectError } from '../../../fixtures/expect-error';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import { launchFromPlatform, nrpsMediaType, nrpsScope, TestPlatform, type Member } from '../../../fixtures/lti13-platform';

const learnerRole = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';
const instructorRole = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor';
const academyUrl = 'https://academy.example/sso';
const env = 'school';

let server: TestServer;
let platform: TestPlatform;
let loginUrl: string;
let platformId: string;

async function admin(method: string, path: string, body?: unknown) {
  return server.admin.request(method, `/admin/environments/${env}${path}`, body);
}

async function newActivity(title: string): Promise<{ id: string; resourceUrl: string }> {
  const answer = await admin('POST', '/activities', { type: 'e-learning', title, availableForLti: true });
  expect(answer.status).toBe(201);
  return { id: answer.json.id, resourceUrl: answer.json.ltiAccess.lti13.resourceUrl };
}

let hints = 0;

/** A launch of `sub` from `context` of the test LMS, accepted; answers the single sign-on grant. */
async function launch(activity: { id: string; resourceUrl: string }, sub: string, context: string, email = `${sub}@school.example`) {
  const run = await launchFromPlatform(platform, {
    loginUrl,
    targetLinkUri: activity.resourceUrl,
    loginHint: `${sub}-${++hints}`,
    scenario: { claims: (claims) => ({ ...platform.withNrps(context)(claims), sub, email }) },
  });
  expect(run.launch?.status).toBe(303);
  const code = new URL(run.launch!.location!).searchParams.get('code');
  const exchange = await admin('POST', '/sso/exchange', { code });
  expect(exchange.status).toBe(200);
  return { userId: exchange.json.user.id as string, created: exchange.json.created as boolean };
}

const sync = (activityId: string) => admin('POST', `/activities/${activityId}/roster-sync`);

const member = (userId: string, fields: Member = {}): Member => ({
  status: 'Active',
  user_id: userId,
  given_name: userId,
  family_name: 'Student',
  name: `${userId} Student`,
  email: `${userId}@school.example`,
  roles: [learnerRole],
  ...fields,
});

/** Every user of the environment, by id (read straight from the data table: the admin API lists users by email only). */
async function users(): Promise<string[]> {
  const { Items } = await server.dynamo.send(
    new ScanCommand({
      TableName: server.runtime.config.tables.data,
      FilterExpression: '#kind = :user AND environmentId = :env',
      ExpressionAttributeNames: { '#kind': 'kind' },
      ExpressionAttributeValues: { ':user': 'user', ':env': env },
    }),
  );
  return (Items ?? []).map((item) => String(item.id)).sort();
}

/** The users enrolled in an activity (its gsi1 partition's enrollments). */
async function enrolled(activityId: string): Promise<string[]> {
  const { Items } = await server.dynamo.send(
    new QueryCommand({
      TableName: server.runtime.config.tables.data,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      FilterExpression: '#kind = :enrollment',
      ExpressionAttributeNames: { '#kind': 'kind' },
      ExpressionAttributeValues: { ':pk': `ENV#${env}#ACT#${activityId}`, ':enrollment': 'enrollment' },
    }),
  );
  return (Items ?? []).map((item) => String(item.userId)).sort();
}

beforeAll(async () => {
  server = await startTestServer();
  platform = await TestPlatform.start();
  platform.redirectUris = [`${server.baseUrl}/${env}/lti13/launch`];
  platform.toolJwksUrl = `${server.baseUrl}/.well-known/jwks.json`;
  expect(
    (await server.admin.request('PUT', `/admin/environments/${env}`, { name: 'School academy', ltiEnabled: true, academyUrl })).status,
  ).toBe(201);
  const registered = await admin('POST', '/platforms', { ...platform.registration(), name: 'Test LMS' });
  expect(registered.status).toBe(201);
  platformId = registered.json.id;
  loginUrl = registered.json.toolConfiguration.loginUrl;
}, 30_000);

afterAll(async () => {
  await platform?.close();
  await server?.close();
});

describe('a launch remembers its context roster (NRPS 2.0 §3.6.1)', () => {
  it("keeps the memberships URL of each context that launched the activity, the newest launch's", async () => {
    const activity = await newActivity('Remembered');
    await launch(activity, 'rem-1', 'econ-101');
    await launch(activity, 'rem-2', 'econ-102');
    await launch(activity, 'rem-3', 'econ-101');
    const sources = await server.runtime.roster.sources(env, activity.id);
    expect(sources.map(({ platformId: id, contextId, membershipsUrl }) => ({ id, contextId, membershipsUrl }))).toEqual([
      { id: platformId, contextId: 'econ-101', membershipsUrl: platform.membershipsUrl('econ-101') },
      { id: platformId, contextId: 'econ-102', membershipsUrl: platform.membershipsUrl('econ-102') },
    ]);
  });

  it('remembers nothing of a launch without the claim, or with a claim it cannot use', async () => {
    const activity = await newActivity('Forgotten');
    const run = await launchFromPlatform(platform, {
      loginUrl,
      targetLinkUri: activity.resourceUrl,
      loginHint: `plain-${++hints}`,
      scenario: {
        claims: (claims) => ({
          ...claims,
          'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice': { context_memberships_url: 'javascript:alert(1)' },
        }),
      },
    });
    expect(run.launch?.status).toBe(303);
    expect(await server.runtime.roster.sources(env, activity.id)).toEqual([]);
  });
});

describe('POST /admin/environments/{env}/activities/{id}/roster-sync', () => {
  let course: { id: string; resourceUrl: string };
  let known: string;
  let existingByEmail: string;

  beforeAll(async () => {
    course = await newActivity('Economics');
    // Ann launched before the sync; Bea has an academy account made by the academy, with the same email the LMS gives.
    known = (await launch(course, 'ann', 'econ')).userId;
    expect(
      (await admin('PUT', '/users/bea-academy', { email: 'bea@school.example', givenName: 'Bea', familyName: 'Academy' })).status,
    ).toBe(201);
    existingByEmail = 'bea-academy';
    platform.membershipPageSize = 3;
    platform.memberships.set('econ', [
      member('ann'),
      member('bea'),
      member('cy'),
      member('dee', { roles: ['Learner'] }),
      member('eli', { roles: [instructorRole] }),
      member('fay', { status: 'Inactive' }),
      member('gus', { email: undefined }),
      member('hal', { email: 'not-an-email' }),
      member('', {}),
      member('ivy', { status: undefined, given_name: undefined, family_name: undefined, name: 'Ivy Mononym' }),
      member('jo', { roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership/Learner#GuestLearner', instructorRole] }),
    ]);
  });

  it('reads every page of every context that launched the activity, and enrols its active learners', async () => {
    const before = await users();
    const answer = await sync(course.id);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      contexts: [{ platformId, contextId: 'econ', members: 11 }],
      members: 11,
      created: 4,
      enrolled: 5,
      alreadyEnrolled: 1,
      skipped: expect.arrayContaining([
        { userId: 'eli', reason: 'not a learner' },
        { userId: 'fay', reason: 'status Inactive' },
        { userId: 'gus', reason: 'no email address: one is needed to create or link an account' },
        { userId: 'hal', reason: 'no email address: one is needed to create or link an account' },
        { reason: 'no user_id' },
      ]),
    });
    expect(answer.json.skipped).toHaveLength(5);
    // Four pages of three, each asked with the NRPS token and media type.
    const requests = platform.membershipRequests.slice(-4);
    expect(requests.map((request) => new URL(request.url).searchParams.get('page') ?? '0')).toEqual(['0', '1', '2', '3']);
    for (const request of requests) expect(request.accept).toBe(nrpsMediaType);
    expect(platform.tokenRequests.at(-1)?.scope).toBe(nrpsScope);

    const after = await users();
    const createdIds = after.filter((id) => !before.includes(id));
    expect(createdIds).toHaveLength(4);
    // Ann is recognised by her LMS id, Bea's academy account linked by email (the policy is "always").
    expect(await enrolled(course.id)).toEqual([...createdIds, known, existingByEmail].sort());
    const bea = await admin('GET', `/users/${existingByEmail}`);
    expect(Object.values(bea.json.externalIds)).toContain('bea');
    const ivy = (await Promise.all(createdIds.map((id) => admin('GET', `/users/${id}`)))).find(
      (user) => user.json.email === 'ivy@school.example',
    );
    expect(ivy?.json).toMatchObject({ givenName: 'Ivy', familyName: 'Mononym' });
  });

  it('changes nothing when run again', async () => {
    const before = { users: await users(), enrolled: await enrolled(course.id) };
    const answer = await sync(course.id);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ members: 11, created: 0, enrolled: 0, alreadyEnrolled: 6 });
    expect({ users: await users(), enrolled: await enrolled(course.id) }).toEqual(before);
  });

  it("recognises a synced learner's first launch instead of creating another account", async () => {
    const before = await users();
    const grant = await launch(course, 'cy', 'econ');
    expect(grant.created).toBe(false);
    expect(await users()).toEqual(before);
    const cy = await admin('GET', `/users/${grant.userId}`);
    expect(cy.json.email).toBe('cy@school.example');
  });

  it("skips a learner whose account may not be linked under the platform's policy, with the reason", async () => {
    const strict = await newActivity('Strict');
    await launch(strict, 'kim', 'strict');
    expect(
      (await admin('PUT', '/users/lu-staff', { email: 'lu@school.example', givenName: 'Lu', familyName: 'Staff', ltiLinkable: false }))
        .status,
    ).toBe(201);
    // Two members of the LMS with one email: the first gets the account, the second may not take it over.
    platform.memberships.set('strict', [
      member('kim'),
      member('lu'),
      member('mo', { email: 'shared@school.example' }),
      member('max', { email: 'shared@school.example' }),
    ]);
    const answer = await sync(strict.id);
    expect(answer.json).toMatchObject({ members: 4, created: 1, enrolled: 1, alreadyEnrolled: 1 });
    expect(answer.json.skipped).toEqual(
      expect.arrayContaining([
        { userId: 'lu', reason: 'account link refused: the account of this email may not be signed in from another system' },
        { userId: 'max', reason: 'account link refused: the account of this email is linked to another user of this LMS' },
      ]),
    );
    expect(answer.json.skipped).toHaveLength(2);
  });

  describe('a failing LMS', () => {
    let failing: { id: string; resourceUrl: string };
    let ned: string;

    beforeAll(async () => {
      // The edge logs each 502 with its message (no credential in it): expected here.
      jest.spyOn(console, 'error').mockImplementation(() => undefined);
      failing = await newActivity('Failing');
      ned = (await launch(failing, 'ned', 'fail')).userId;
      platform.memberships.set('fail', [member('ned'), member('oli'), member('pam'), member('quin')]);
    });

    async function expectNothingWritten(answer: Awaited<ReturnType<typeof sync>>, before: string[]) {
      expect(await users()).toEqual(before);
      expect(await enrolled(failing.id)).toEqual([ned]);
      return answer;
    }

    it('answers 502 naming the platform, the context and its answer when a later page fails, and writes nothing', async () => {
      const before = await users();
      platform.membershipFailures.push({ status: 500, body: { error: 'database on fire' }, onPage: 1 });
      const answer = await expectNothingWritten(await sync(failing.id), before);
      expectError(answer, { status: 502, code: 'roster_unavailable' });
      expect(answer.json.message).toContain('Test LMS');
      expect(answer.json.message).toContain('context fail');
      expect(answer.json.message).toContain('page 2');
      expect(answer.json.message).toContain('HTTP 500');
      expect(answer.json.message).toContain('database on fire');
      expect(answer.json).toMatchObject({ platformId, contextId: 'fail', retryable: true });
    });

    it('answers 502 when the platform refuses the access token, with its answer and no credential', async () => {
      const before = await users();
      platform.revokeTokens();
      platform.tokenFailures.push({
        status: 400,
        body: { error: 'invalid_scope', error_description: 'NRPS is not enabled for this tool' },
      });
      const answer = await expectNothingWritten(await sync(failing.id), before);
      expectError(answer, { status: 502, code: 'roster_unavailable' });
      expect(answer.json.message).toContain('NRPS is not enabled for this tool');
      expect(answer.json.message).not.toMatch(/eyJ/);
    });

    it('refuses a next link to another origin (the token would go with it), and writes nothing', async () => {
      const before = await users();
      platform.membershipNextLink = (next) => next.replace('127.0.0.1', 'localhost');
      try {
        const answer = await expectNothingWritten(await sync(failing.id), before);
        expectError(answer, { status: 502, code: 'roster_unavailable' });
        expect(answer.json.message).toContain('another origin');
      } finally {
        platform.membershipNextLink = undefined;
      }
    });

    afterAll(() => jest.restoreAllMocks());

    it('then syncs once the LMS answers again', async () => {
      const answer = await sync(failing.id);
      expect(answer.json).toMatchObject({ members: 4, created: 3, enrolled: 3, alreadyEnrolled: 1, skipped: [] });
    });
  });

  it('answers 404 for an unknown environment or activity, and 409 for an external activity', async () => {
    expectError(await server.admin.request('POST', '/admin/environments/nowhere/activities/x/roster-sync'), {
      status: 404,
      code: 'not_found',
    });
    expectError(await sync('missing'), { status: 404, code: 'not_found' });
    const tool = await admin('POST', '/tools', {
      name: 'Ext',
      oidcUrl: 'https://ext.example/login',
      jwksUrl: 'https://ext.example/jwks',
      activated: true,
    });
    const external = await admin('POST', '/activities', {
      type: 'e-learning',
      title: 'External',
      lti: { version: '1.3', toolId: tool.json.id, resourceUrl: 'https://ext.example/launch' },
    });
    expect(external.status).toBe(201);
    expectError(await sync(external.json.id), { status: 409, code: 'conflict' });
  });

  it('creates in bulk only emails no one holds: one claimed meanwhile is left for the one-by-one way, and nothing of it written', async () => {
    const now = new Date().toISOString();
    const user = (id: string, email: string) => ({
      user: { id, environmentId: env, email, givenName: id, familyName: 'Bulk', externalIds: { k: id }, createdAt: now, updatedAt: now },
      externalId: { key: 'k', userId: id },
    });
    expect((await admin('PUT', '/users/taken-first', { email: 'taken@school.example', givenName: 'T', familyName: 'F' })).status).toBe(201);
    const { emailTaken } = await server.runtime.users.createLinked([
      user('bulk-1', 'bulk-1@school.example'),
      user('bulk-2', 'TAKEN@school.example'),
    ]);
    expect(emailTaken.map((taken) => taken.id)).toEqual(['bulk-2']);
    expect(
      await server.runtime.roster.knownUsers(env, [
        { key: 'k', userId: 'bulk-1' },
        { key: 'k', userId: 'bulk-2' },
      ]),
    ).toEqual(['bulk-1', undefined]);
    expect((await admin('GET', '/users/bulk-1')).json).toMatchObject({ email: 'bulk-1@school.example', externalIds: { k: 'bulk-1' } });
    expect((await admin('GET', '/users/bulk-2')).status).toBe(404);
    expect((await admin('GET', '/users?email=taken%40school.example')).json.id).toBe('taken-first');
  });

  it('answers an activity no context launched with nothing to do', async () => {
    const lonely = await newActivity('Lonely');
    expect((await sync(lonely.id)).json).toEqual({ contexts: [], members: 0, created: 0, enrolled: 0, alreadyEnrolled: 0, skipped: [] });
  });

  it('is signed like every admin request: an unsigned one is refused', async () => {
    expect((await server.admin.unsigned('POST', `/admin/environments/${env}/activities/${course.id}/roster-sync`)).status).toBe(403);
  });
});
