/**
 * What a valid LTI 1.2 launch does to the academy, through the real local server: find or create
 * the user (docs/product.md "Launch into the academy" step 1), remember the LMS's user id, hand over a
 * one-time single sign-on code; twenty concurrent first launches of one learner; and the number of
 * DynamoDB requests one launch costs, counted with an SDK middleware on the handlers' own client.
 */
import { createHash } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../functions/adapters/keys';
import { startTestServer, type TestServer } from '../../fixtures/local-server';
import {
  closeSigners,
  launch,
  learnerParams,
  param,
  type Lti12Credentials,
  type Pair,
  createLti12Activity,
} from '../../fixtures/lti12-launch';

let server: TestServer;
let activity: Lti12Credentials & { id: string };
let otherActivity: Lti12Credentials & { id: string };
const env = 'prov';

/** DynamoDB requests (HTTP attempts) by command name while `counting` is set. */
let counting: string[] | undefined;
/** Runs before each DynamoDB command the handlers send (to force an interleaving). */
let beforeCommand: ((input: Record<string, any>) => Promise<void>) | undefined;

const createActivity = (title: string) => createLti12Activity(server.admin, env, title);

beforeAll(async () => {
  server = await startTestServer();
  expect(
    (
      await server.admin.request('PUT', `/admin/environments/${env}`, {
        name: 'Provisioning',
        ltiEnabled: true,
        academyUrl: 'https://academy.example/sso',
      })
    ).status,
  ).toBe(201);
  activity = await createActivity('Course one');
  otherActivity = await createActivity('Course two');
  // The handlers' own DynamoDB client (checked below: the launches' requests are counted).
  server.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      counting?.push(String(context.commandName));
      return next(args);
    },
    // Inside the retry middleware: every HTTP attempt is counted.
    { step: 'deserialize', name: 'countDynamoRequests' },
  );
  server.dynamo.middlewareStack.add(
    (next) => async (args) => {
      await beforeCommand?.(args.input as Record<string, any>);
      return next(args);
    },
    { step: 'initialize', name: 'beforeDynamoCommand' },
  );
});
afterAll(async () => {
  await closeSigners();
  await server?.close();
});

/** The DynamoDB requests that `action` makes. */
async function counted<T>(action: () => Promise<T>): Promise<{ result: T; requests: string[] }> {
  counting = [];
  try {
    const result = await action();
    return { result, requests: counting };
  } finally {
    counting = undefined;
  }
}

function signOnCode(response: Response): string {
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe('https://academy.example/sso');
  return location.searchParams.get('code')!;
}

async function exchange(code: string) {
  const answer = await server.admin.request('POST', `/admin/environments/${env}/sso/exchange`, { code });
  expect(answer.status).toBe(200);
  return answer.json as {
    user: { id: string; email: string; givenName: string; familyName: string; externalIds: Record<string, string> };
    activityId: string;
    created: boolean;
    launch: { version: string; roles: string[]; returnUrl?: string };
  };
}

const field = (pairs: Pair[], name: string) => param(pairs, name)!;

describe('provisioning', () => {
  it('creates the user on a first launch, records the external id, and recognises a returning learner', async () => {
    const learner = learnerParams({ lis_person_contact_email_primary: `First.Launch-${Date.now()}@School.edu` });
    const grant = await exchange(signOnCode(await launch(activity, learner)));
    expect(grant).toMatchObject({
      activityId: activity.id,
      created: true,
      launch: { version: '1.2', roles: ['urn:lti:role:ims/lis/Learner'] },
    });
    expect(grant.user).toMatchObject({
      email: field(learner, 'lis_person_contact_email_primary'),
      givenName: field(learner, 'lis_person_name_given'),
      familyName: field(learner, 'lis_person_name_family'),
    });

    const read = await server.admin.request('GET', `/admin/environments/${env}/users/${grant.user.id}`);
    expect(read.status).toBe(200);
    expect(read.json.externalIds).toEqual({ [`lti12|${activity.key}|IMS%20Testing`]: field(learner, 'user_id') });
    const byEmail = await server.admin.request(
      'GET',
      `/admin/environments/${env}/users?email=${encodeURIComponent(field(learner, 'lis_person_contact_email_primary').toLowerCase())}`,
    );
    expect(byEmail.json.id).toBe(grant.user.id);

    const second = await exchange(signOnCode(await launch(activity, learner)));
    expect(second.created).toBe(false);
    expect(second.user.id).toBe(grant.user.id);
  });

  it('keeps the same account when the LMS changes the email of the same user_id', async () => {
    const learner = learnerParams();
    const first = await exchange(signOnCode(await launch(activity, learner)));
    expect(first.created).toBe(true);
    const newEmail = `renamed-${Date.now()}@school.edu`;
    const moved = learner.map(([n, v]) => [n, n === 'lis_person_contact_email_primary' ? newEmail : v] as Pair);
    const second = await exchange(signOnCode(await launch(activity, moved)));
    expect(second.created).toBe(false);
    expect(second.user.id).toBe(first.user.id);
    expect((await server.admin.request('GET', `/admin/environments/${env}/users?email=${encodeURIComponent(newEmail)}`)).status).toBe(404);
  });

  it('links a learner whose email matches an existing academy user (case-insensitively) to that user', async () => {
    const id = `academy-${Date.now()}`;
    const email = `Existing.${Date.now()}@Academy.example`;
    const put = await server.admin.request('PUT', `/admin/environments/${env}/users/${id}`, {
      email,
      givenName: 'Ada',
      familyName: 'Academy',
    });
    expect(put.status).toBe(201);
    const learner = learnerParams({
      lis_person_contact_email_primary: email.toLowerCase(),
      lis_person_name_given: 'Other',
      lis_person_name_family: 'Name',
    });
    const grant = await exchange(signOnCode(await launch(activity, learner)));
    expect(grant.created).toBe(false);
    expect(grant.user).toMatchObject({ id, email, givenName: 'Ada', familyName: 'Academy' });
    expect(grant.user.externalIds).toEqual({ [`lti12|${activity.key}|IMS%20Testing`]: field(learner, 'user_id') });

    // The same person from another LMS link (another consumer key): the same user, both ids kept.
    const elsewhere = learnerParams({ lis_person_contact_email_primary: email.toUpperCase(), user_id: 'moodle-77' });
    const other = await exchange(signOnCode(await launch(otherActivity, elsewhere)));
    expect(other.user.id).toBe(id);
    expect(other.activityId).toBe(otherActivity.id);
    expect((await server.admin.request('GET', `/admin/environments/${env}/users/${id}`)).json.externalIds).toEqual({
      [`lti12|${activity.key}|IMS%20Testing`]: field(learner, 'user_id'),
      [`lti12|${otherActivity.key}|IMS%20Testing`]: 'moodle-77',
    });
  });

  it('keeps the academy profile when a returning learner launches with other names', async () => {
    const learner = learnerParams();
    const first = await exchange(signOnCode(await launch(activity, learner)));
    const renamed = learner.map(([n, v]) => [n, n === 'lis_person_name_given' ? 'Changed' : v] as Pair);
    const second = await exchange(signOnCode(await launch(activity, renamed)));
    expect(second.user).toEqual(first.user);
  });
});

describe('enrollment, passback binding and single sign-on code', () => {
  /** Every item of a user in an activity (enrollment, bindings), read from the data table. */
  async function learnerItems(activityId: string, userId: string) {
    const { pk } = keys.learner(env, activityId, userId, '');
    const { Items } = await server.dynamo.send(
      new QueryCommand({
        TableName: server.runtime.config.tables.data,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      }),
    );
    return Items ?? [];
  }

  it('enrolls once and keeps one binding per consumer key, the newest launch winning', async () => {
    const outcome = (sourcedId: string) => ({
      lis_outcome_service_url: 'https://lms.example/outcomes?x=1',
      lis_result_sourcedid: sourcedId,
    });
    const learner = learnerParams(outcome('src-1'));
    const { user } = await exchange(signOnCode(await launch(activity, learner)));
    const replaced = learner.map(([n, v]) => [n, n === 'lis_result_sourcedid' ? 'src-2' : v] as Pair);
    await exchange(signOnCode(await launch(activity, replaced)));
    // A launch without outcome parameters (e.g. an ungraded link) leaves the binding alone.
    await exchange(
      signOnCode(
        await launch(
          activity,
          learner.filter(([n]) => !n.startsWith('lis_outcome') && n !== 'lis_result_sourcedid'),
        ),
      ),
    );

    const items = await learnerItems(activity.id, user.id);
    expect(items.map((item) => item.sk).sort()).toEqual(['BIND#lti12:' + activity.key, 'ENROLL']);
    expect(items.find((item) => item.sk === 'ENROLL')).toMatchObject({ userId: user.id, activityId: activity.id });
    expect(items.find((item) => item.sk.startsWith('BIND#'))!.binding).toEqual({
      version: '1.2',
      consumerKey: activity.key,
      serviceUrl: 'https://lms.example/outcomes?x=1',
      sourcedId: 'src-2',
      // Which of the key's secrets signed: a passback during a rotation's overlap signs with it.
      secretIssuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('stores the code by its hash only, and refuses it after 60 seconds', async () => {
    const code = signOnCode(await launch(activity, learnerParams()));
    expect(Buffer.from(code, 'base64url')).toHaveLength(32);
    const rt = server.runtime;
    const stored = (key: string) => server.dynamo.send(new GetCommand({ TableName: rt.config.tables.ephemeral, Key: keys.sso(env, key) }));
    expect((await stored(code)).Item).toBeUndefined();
    const byHash = (await stored(createHash('sha256').update(code).digest('base64url'))).Item!;
    expect(JSON.stringify(byHash)).not.toContain(code);
    expect(byHash.expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
    const realClock = rt.clock;
    Object.assign(rt, { clock: { now: () => realClock.now() + 61_000 } });
    try {
      const late = await server.admin.request('POST', `/admin/environments/${env}/sso/exchange`, { code });
      expect(late.status).toBe(400);
      expect(late.json).toMatchObject({ error: 'invalid_code', field: 'code' });
    } finally {
      Object.assign(rt, { clock: realClock });
    }
  });

  it('refuses a missing or unknown code (400 naming code)', async () => {
    for (const body of [{}, { code: '' }, { code: 'not-a-code' }]) {
      const answer = await server.admin.request('POST', `/admin/environments/${env}/sso/exchange`, body);
      expect(answer.status).toBe(400);
      expect(answer.json.field).toBe('code');
    }
    expect((await server.admin.unsigned('POST', `/admin/environments/${env}/sso/exchange`, { code: 'x' })).status).toBe(403);
  });
});

describe('concurrent first launches', () => {
  it.each([1, 2, 3])('20 concurrent first launches of one new learner create exactly one user (round %i)', async () => {
    const learner = learnerParams();
    const email = field(learner, 'lis_person_contact_email_primary');
    // Distinct nonces; half of them with the email in upper case.
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        launch(
          activity,
          i % 2 ? learner : learner.map(([n, v]) => [n, n === 'lis_person_contact_email_primary' ? v.toUpperCase() : v] as Pair),
        ),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(303));
    const grants = await Promise.all(responses.map((response) => exchange(signOnCode(response))));
    const ids = new Set(grants.map((grant) => grant.user.id));
    expect(ids.size).toBe(1);
    expect(grants.filter((grant) => grant.created)).toHaveLength(1);
    const [userId] = ids;

    const byEmail = await server.admin.request('GET', `/admin/environments/${env}/users?email=${encodeURIComponent(email)}`);
    expect(byEmail.status).toBe(200);
    expect(byEmail.json.id).toBe(userId);
    expect(byEmail.json.externalIds).toEqual({ [`lti12|${activity.key}|IMS%20Testing`]: field(learner, 'user_id') });

    // The email stays claimed by that user: another academy user cannot take it.
    const other = await server.admin.request('PUT', `/admin/environments/${env}/users/clash-${Date.now()}`, {
      email,
      givenName: 'X',
      familyName: 'Y',
    });
    expect(other.status).toBe(409);
    // And the next launch is a returning one.
    const next = await exchange(signOnCode(await launch(activity, learner)));
    expect(next).toMatchObject({ created: false, user: { id: userId } });
  });

  it('keeps the email claimed when the launch that claimed it loses the user write to a concurrent one', async () => {
    // Launch A claims the email, then its user write is held back; launch B (same learner) finds the
    // email claimed, waits, and recognises the account A creates (it already holds the learner's id).
    const learner = learnerParams();
    let held!: () => void;
    const reached = new Promise<void>((resolve) => (held = resolve));
    let first = true;
    beforeCommand = async (input) => {
      if (first && input.Item?.sk === 'USER' && input.ConditionExpression === 'attribute_not_exists(pk)') {
        first = false;
        held();
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    };
    try {
      const a = launch(activity, learner);
      await reached;
      const b = await exchange(signOnCode(await launch(activity, learner)));
      const aGrant = await exchange(signOnCode(await a));
      expect(aGrant.created).toBe(true);
      expect(b).toMatchObject({ created: false, user: { id: aGrant.user.id } });
    } finally {
      beforeCommand = undefined;
    }
    const email = field(learner, 'lis_person_contact_email_primary');
    const byEmail = await server.admin.request('GET', `/admin/environments/${env}/users?email=${encodeURIComponent(email)}`);
    expect(byEmail.status).toBe(200);
    const clash = await server.admin.request('PUT', `/admin/environments/${env}/users/clash-${Date.now()}`, {
      email,
      givenName: 'X',
      familyName: 'Y',
    });
    expect(clash.status).toBe(409);
  });
});

describe('DynamoDB requests per launch', () => {
  it('costs 4 requests for a returning learner (GetItem of the environment, BatchGetItem, the nonce write, BatchWriteItem); first launches reported', async () => {
    const measured: Record<string, string[]> = {};
    const learner = learnerParams();
    const first = await counted(async () => signOnCode(await launch(activity, learner)));
    measured['first launch of a new learner'] = first.requests;
    expect((await exchange(first.result)).created).toBe(true);

    const again = await counted(async () => signOnCode(await launch(activity, learner)));
    measured['launch of a returning learner'] = again.requests;
    expect((await exchange(again.result)).created).toBe(false);

    const id = `counted-${Date.now()}`;
    const email = `counted-${Date.now()}@academy.example`;
    expect(
      (await server.admin.request('PUT', `/admin/environments/${env}/users/${id}`, { email, givenName: 'C', familyName: 'D' })).status,
    ).toBe(201);
    const linked = await counted(async () =>
      signOnCode(await launch(activity, learnerParams({ lis_person_contact_email_primary: email }))),
    );
    measured['first launch of an existing academy user'] = linked.requests;
    expect((await exchange(linked.result)).user.id).toBe(id);

    const refused = await counted(() => launch(activity, learnerParams(), { secret: 'wrong' }));
    expect(refused.result.status).toBe(401);
    measured['launch refused for a bad signature'] = refused.requests;

    const report = Object.entries(measured).map(([what, requests]) => `${what}: ${requests.length} (${requests.join(', ')})`);
    process.stdout.write(`DynamoDB requests per LTI 1.2 launch:\n  ${report.join('\n  ')}\n`);

    // Non-empty counts show that the middleware sits on the handlers' own client (the server's
    // runtime's).
    // The one BatchGetItem reads the environment too, before any check: LTI switched off is
    // answered first without a read of its own.
    expect(measured['launch of a returning learner']).toEqual(['BatchGetItemCommand', 'PutItemCommand', 'BatchWriteItemCommand']);
    expect(measured['first launch of a new learner']!.length).toBeGreaterThan(3);
    expect(measured['launch refused for a bad signature']).toEqual(['BatchGetItemCommand']);
  });
});
