/**
 * Who is who at a launch into the academy (docs/product.md "Who is who at a launch"), through the
 * real local server: attacks that worked before registrations keyed external ids and before the
 * account-linking policy (each test says what it measured on main), and what real LMSs need.
 *
 * - LTI 1.2 launches are signed by npm `oauth-1.0a` (test/fixtures/lti12-launch.ts), LTI 1.3 ones by
 *   the test platform's `jsonwebtoken` (test/fixtures/lti13-platform.ts); neither is lti-bridge's code.
 */
import { createHmac } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../functions/adapters/keys';
import { startTestServer, type TestServer } from '../../fixtures/local-server';
import { closeSigners, createLti12Activity, launch, learnerParams, type Lti12Credentials } from '../../fixtures/lti12-launch';
import { launchFromPlatform, lti, TestPlatform, type LaunchRun, type Scenario } from '../../fixtures/lti13-platform';

let server: TestServer;
const env = 'who';
const academyUrl = 'https://academy.example/sso';
let activity: Lti12Credentials & { id: string };
let other: Lti12Credentials & { id: string };
let resourceUrl: string;
let loginUrl: string;

beforeAll(async () => {
  server = await startTestServer();
  const put = await server.admin.request('PUT', `/admin/environments/${env}`, { name: 'Who Academy', ltiEnabled: true, academyUrl });
  expect(put.status).toBe(201);
  activity = await createLti12Activity(server.admin, env, 'Course one');
  other = await createLti12Activity(server.admin, env, 'Course two');
  const read = await server.admin.request('GET', `/admin/environments/${env}/activities/${activity.id}`);
  resourceUrl = read.json.ltiAccess.lti13.resourceUrl;
  loginUrl = `${server.baseUrl}/${env}/lti13/login`;
});
afterAll(async () => {
  await closeSigners();
  await server?.close();
});

let sequence = 0;
const unique = (label: string) => `${label}-${Date.now()}-${++sequence}`;

/** The single sign-on code of a successful launch (303 to the academy). */
function signOnCode(response: { status: number; headers: Headers } | { status: number; location?: string | null }): string {
  expect(response.status).toBe(303);
  const location = new URL('headers' in response ? response.headers.get('location')! : response.location!);
  expect(`${location.origin}${location.pathname}`).toBe(academyUrl);
  return location.searchParams.get('code')!;
}

async function signedOnAs(response: Parameters<typeof signOnCode>[0]) {
  const answer = await server.admin.request('POST', `/admin/environments/${env}/sso/exchange`, { code: signOnCode(response) });
  expect(answer.status).toBe(200);
  return answer.json as { user: { id: string; email: string; externalIds: Record<string, string> }; created: boolean };
}

const putUser = async (id: string, body: Record<string, unknown>) => {
  const answer = await server.admin.request('PUT', `/admin/environments/${env}/users/${id}`, body);
  expect([200, 201]).toContain(answer.status);
  return answer.json;
};
const getUser = async (id: string) => (await server.admin.request('GET', `/admin/environments/${env}/users/${id}`)).json;
const usersWithEmail = async (email: string) =>
  (await server.admin.request('GET', `/admin/environments/${env}/users?email=${encodeURIComponent(email)}`)).status;

/** A refused link: the 403 page that explains it and whom to ask, and no sign-on code. */
async function expectLinkRefused(response: Response): Promise<string> {
  expect(response.status).toBe(403);
  expect(response.headers.get('location')).toBeNull();
  const page = await response.text();
  expect(page).toContain('already exists');
  expect(page).toContain('administrator of Who Academy');
  return page;
}

const lti12Key = (key: string, guid = 'IMS Testing') => `lti12|${encodeURIComponent(key)}|${encodeURIComponent(guid)}`;

describe('account linking by email (LTI 1.2)', () => {
  it('closes the takeover: an account marked ltiLinkable false (an administrator) is never linked, and nothing is left linked', async () => {
    // Measured on main: this launch, signed with any activity's key, received a sign-on code for the
    // administrator's account and left the attacker's user_id linked to it.
    const email = `${unique('admin')}@academy.example`;
    const admin = await putUser(unique('admin'), { email, givenName: 'Ada', familyName: 'Admin', ltiLinkable: false });
    expect(admin.ltiLinkable).toBe(false);
    const attack = await launch(
      other,
      learnerParams({ lis_person_contact_email_primary: email, launch_presentation_return_url: undefined }),
    );
    const page = await expectLinkRefused(attack);
    expect(page).toContain('not allowed to be signed in from another system');
    expect((await getUser(admin.id)).externalIds).toEqual({});
  });

  it('with the environment policy never, refuses to link an existing account, creates nothing; a platform override allows it', async () => {
    const email = `${unique('never')}@school.edu`;
    const existing = await putUser(unique('never'), { email, givenName: 'Nev', familyName: 'Er' });
    const policy = (accountLinking: unknown) =>
      server.admin.request('PUT', `/admin/environments/${env}`, { name: 'Who Academy', ltiEnabled: true, academyUrl, accountLinking });
    expect((await policy({ byEmail: 'never' })).status).toBe(200);
    try {
      const learner = learnerParams({ lis_person_contact_email_primary: email, launch_presentation_return_url: undefined });
      await expectLinkRefused(await launch(activity, learner));
      expect((await getUser(existing.id)).externalIds).toEqual({});
      // The activity's own policy overrides the environment's.
      const patched = await server.admin.request('PATCH', `/admin/environments/${env}/activities/${activity.id}`, {
        accountLinking: { byEmail: 'always' },
      });
      expect(patched.status).toBe(200);
      const linked = await signedOnAs(
        await launch(activity, learnerParams({ user_id: unique('nev'), lis_person_contact_email_primary: email })),
      );
      expect(linked.user.id).toBe(existing.id);
      // A brand-new learner is still created under never: the policy is about existing accounts.
      expect((await policy({ byEmail: 'never' })).status).toBe(200);
      const fresh = await signedOnAs(await launch(other, learnerParams()));
      expect(fresh.created).toBe(true);
    } finally {
      await server.admin.request('PATCH', `/admin/environments/${env}/activities/${activity.id}`, { accountLinking: null });
      expect((await policy(undefined)).status).toBe(200);
    }
  });

  it('with domains, links only emails of the listed domains', async () => {
    const patch = (accountLinking: unknown) =>
      server.admin.request('PATCH', `/admin/environments/${env}/activities/${other.id}`, { accountLinking });
    expect((await patch({ byEmail: 'domains', domains: ['School.edu'] })).status).toBe(200);
    try {
      const inside = await putUser(unique('in'), { email: `${unique('in')}@school.edu`, givenName: 'In', familyName: 'Side' });
      const outside = await putUser(unique('out'), { email: `${unique('out')}@elsewhere.example`, givenName: 'Out', familyName: 'Side' });
      const linked = await signedOnAs(await launch(other, learnerParams({ lis_person_contact_email_primary: inside.email })));
      expect(linked.user.id).toBe(inside.id);
      const refused = await launch(
        other,
        learnerParams({ lis_person_contact_email_primary: outside.email, launch_presentation_return_url: undefined }),
      );
      expect(await expectLinkRefused(refused)).toContain('only for some email domains');
      const bad = await patch({ byEmail: 'domains' });
      expect(bad.status).toBe(400);
      expect(bad.json.field).toBe('accountLinking.domains');
    } finally {
      await patch(null);
    }
  });

  it('never re-links an account linked to one user_id of an LMS to another user_id of the same LMS', async () => {
    const first = learnerParams({ user_id: unique('first') });
    const owner = await signedOnAs(await launch(activity, first));
    const email = owner.user.email;
    const impostor = learnerParams({
      user_id: unique('second'),
      lis_person_contact_email_primary: email,
      launch_presentation_return_url: undefined,
    });
    expect(await expectLinkRefused(await launch(activity, impostor))).toContain('already linked to another user of this LMS');
    expect(Object.values((await getUser(owner.user.id)).externalIds)).toEqual([first.find(([n]) => n === 'user_id')![1]]);
  });

  it('keeps learners of two LMSs given one key apart (tool_consumer_instance_guid), though their user_ids are equal', async () => {
    // Measured on main: the second LMS's user 5 signed in as the first LMS's user 5.
    const id = unique('5');
    const a = await signedOnAs(await launch(activity, learnerParams({ user_id: id, tool_consumer_instance_guid: 'moodle.a.example' })));
    const b = await signedOnAs(await launch(activity, learnerParams({ user_id: id, tool_consumer_instance_guid: 'moodle.b.example' })));
    expect(b.created).toBe(true);
    expect(b.user.id).not.toBe(a.user.id);
    expect(a.user.externalIds).toEqual({ [lti12Key(activity.key, 'moodle.a.example')]: id });
    expect(b.user.externalIds).toEqual({ [lti12Key(activity.key, 'moodle.b.example')]: id });
  });

  it('encodes key parts: a guid or id holding a separator cannot collide with another key', async () => {
    // Unencoded, both would be stored under ENV#who#EXT#lti12|{key}|g#x#{id}.
    const id = unique('sep');
    const a = await signedOnAs(await launch(activity, learnerParams({ user_id: `x#${id}`, tool_consumer_instance_guid: 'g' })));
    const b = await signedOnAs(await launch(activity, learnerParams({ user_id: id, tool_consumer_instance_guid: 'g#x' })));
    expect(b.user.id).not.toBe(a.user.id);
  });

  it('recognises a learner known by user_id without an email, and new user ids say nothing about the email', async () => {
    const learner = learnerParams({ user_id: unique('known') });
    const first = await signedOnAs(await launch(activity, learner));
    expect(first.user.id).toMatch(/^u-[A-Za-z0-9_-]{22}$/);
    const withoutEmail = learner.filter(([name]) => !name.startsWith('lis_person'));
    const again = await signedOnAs(await launch(activity, withoutEmail));
    expect(again.user.id).toBe(first.user.id);
  });

  it('treats unsubstituted variables as absent, and never stores them', async () => {
    const refused = await launch(
      activity,
      learnerParams({ lis_person_contact_email_primary: '$Person.email.primary', launch_presentation_return_url: undefined }),
    );
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('missing the parameter lis_person_contact_email_primary');
    expect(await usersWithEmail('$Person.email.primary')).toBe(404);
    const noUserId = await launch(activity, learnerParams({ user_id: '$User.id', launch_presentation_return_url: undefined }));
    expect(noUserId.status).toBe(400);
    expect(await noUserId.text()).toContain('missing the parameter user_id');
  });

  it('recognises an account linked before registrations keyed ids (lti12:{key}), whatever the policy, and re-keys it', async () => {
    const id = unique('legacy');
    const email = `${id}@school.edu`;
    const now = new Date().toISOString();
    // A user as the previous release stored it: external ids keyed `lti12:{consumer key}`.
    await server.dynamo.send(
      new PutCommand({
        TableName: server.runtime.config.tables.data,
        Item: {
          ...keys.user(env, id),
          kind: 'user',
          id,
          environmentId: env,
          email,
          givenName: 'Leg',
          familyName: 'Acy',
          externalIds: { [`lti12:${activity.key}`]: 'old-7' },
          createdAt: now,
          updatedAt: now,
        },
      }),
    );
    await server.dynamo.send(
      new PutCommand({
        TableName: server.runtime.config.tables.data,
        Item: { ...keys.email(env, email), kind: 'email', userId: id, claimedAt: 0 },
      }),
    );
    await server.admin.request('PATCH', `/admin/environments/${env}/activities/${activity.id}`, { accountLinking: { byEmail: 'never' } });
    try {
      const grant = await signedOnAs(await launch(activity, learnerParams({ user_id: 'old-7', lis_person_contact_email_primary: email })));
      expect(grant.user.id).toBe(id);
      expect(grant.user.externalIds[lti12Key(activity.key)]).toBe('old-7');
      // From now on the new key finds it without the email.
      const again = await signedOnAs(
        await launch(
          activity,
          learnerParams({ user_id: 'old-7', lis_person_contact_email_primary: undefined, lis_person_name_given: undefined }),
        ),
      );
      expect(again.user.id).toBe(id);
    } finally {
      await server.admin.request('PATCH', `/admin/environments/${env}/activities/${activity.id}`, { accountLinking: null });
    }
  });
});

describe('LTI 1.2 credentials per LMS', () => {
  const credentials = `/admin/environments/${env}/activities`;

  it('issues a key and secret for one LMS: its learners are its own, and it is revoked on its own', async () => {
    const issued = await server.admin.request('POST', `${credentials}/${activity.id}/lti12-credentials`, { name: 'Moodle of A' });
    expect(issued.status).toBe(201);
    expect(issued.json).toMatchObject({ name: 'Moodle of A', launchUrl: activity.launchUrl });
    expect(issued.json.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const lms = { key: issued.json.key as string, secret: issued.json.secret as string, launchUrl: activity.launchUrl };
    const listed = (await server.admin.request('GET', `${credentials}/${activity.id}`)).json.ltiAccess.lti12.credentials;
    expect(listed).toContainEqual({
      key: lms.key,
      name: 'Moodle of A',
      createdAt: issued.json.createdAt,
      secretIssuedAt: issued.json.secretIssuedAt,
    });
    expect(JSON.stringify(listed)).not.toContain(lms.secret);

    // The same user_id through the activity's own key and through the LMS's key: two learners.
    const id = unique('7');
    const own = await signedOnAs(await launch(activity, learnerParams({ user_id: id })));
    const viaLms = await signedOnAs(await launch(lms, learnerParams({ user_id: id })));
    expect(viaLms.user.id).not.toBe(own.user.id);
    expect(viaLms.user.externalIds).toEqual({ [lti12Key(lms.key)]: id });
    // A refused link names the LMS as the administrator named it.
    const refused = await launch(
      lms,
      learnerParams({
        user_id: unique('other'),
        lis_person_contact_email_primary: viaLms.user.email,
        launch_presentation_return_url: undefined,
      }),
    );
    expect(await expectLinkRefused(refused)).toContain('from Moodle of A');

    const revoked = await server.admin.request('DELETE', `${credentials}/${activity.id}/lti12-credentials/${encodeURIComponent(lms.key)}`);
    expect(revoked.status).toBe(204);
    const after = await launch(lms, learnerParams({ user_id: id, launch_presentation_return_url: undefined }));
    expect(after.status).toBe(401);
    expect(await after.text()).toContain('oauth_consumer_key');
    await signedOnAs(await launch(activity, learnerParams({ user_id: id })));
    expect(
      (await server.admin.request('DELETE', `${credentials}/${activity.id}/lti12-credentials/${encodeURIComponent(lms.key)}`)).status,
    ).toBe(404);
  });

  it('refuses a credential without a name, or for an activity not offered over LTI', async () => {
    const unnamed = await server.admin.request('POST', `${credentials}/${activity.id}/lti12-credentials`, { name: ' ' });
    expect(unnamed.status).toBe(400);
    expect(unnamed.json.field).toBe('name');
    const offline = await server.admin.request('POST', credentials, { type: 'e-learning', title: 'Not offered' });
    const refused = await server.admin.request('POST', `${credentials}/${offline.json.id}/lti12-credentials`, { name: 'Canvas' });
    expect(refused.status).toBe(409);
    expect(refused.json.field).toBe('availableForLti');
  });
});

describe('platforms (LTI 1.3)', () => {
  const platforms: TestPlatform[] = [];
  afterAll(async () => Promise.all(platforms.map((platform) => platform.close())));

  async function startPlatform(registration: Record<string, unknown> = {}, issuerOf?: TestPlatform) {
    const platform = await TestPlatform.start();
    platforms.push(platform);
    platform.redirectUris = [`${server.baseUrl}/${env}/lti13/launch`];
    platform.toolJwksUrl = `${server.baseUrl}/.well-known/jwks.json`;
    const body = platform.registration({
      name: `LMS ${platforms.length}`,
      ...(issuerOf ? { issuer: issuerOf.issuer } : {}),
      ...registration,
    });
    const created = await server.admin.request('POST', `/admin/environments/${env}/platforms`, body);
    expect(created.status).toBe(201);
    return { platform, id: created.json.id as string, issuer: (issuerOf ?? platform).issuer };
  }

  const withClaims = (change: (claims: Record<string, unknown>) => void): Scenario => ({
    claims: (claims) => {
      change(claims);
      return claims;
    },
  });

  function launch13(
    lms: { platform: TestPlatform; issuer: string },
    loginHint: string,
    change: (claims: Record<string, unknown>) => void = () => {},
    login: Record<string, string | undefined> = {},
  ): Promise<LaunchRun> {
    return launchFromPlatform(lms.platform, {
      loginUrl,
      targetLinkUri: resourceUrl,
      loginHint,
      login: { iss: lms.issuer, client_id: lms.platform.clientId, ...login },
      scenario: withClaims((claims) => {
        claims.iss = lms.issuer;
        change(claims);
      }),
    });
  }

  it("keeps the learners of platforms sharing an issuer apart: another customer's sub signs in as nobody else", async () => {
    // Measured on main: a platform registered under a shared issuer that sent another customer's
    // sub was signed in as that customer's learner.
    const customerA = await startPlatform();
    const customerB = await startPlatform({}, customerA.platform);
    const sub = unique('sub');
    const learnerA = await signedOnAs((await launch13(customerA, sub)).launch!);
    const attack = await signedOnAs((await launch13(customerB, sub, (c) => void (c.email = `${unique('b')}@b.example`))).launch!);
    expect(attack.user.id).not.toBe(learnerA.user.id);
    expect(attack.created).toBe(true);
    const key = (lms: typeof customerA) => `lti13|${encodeURIComponent(lms.issuer)}|${encodeURIComponent(lms.platform.clientId)}`;
    expect(learnerA.user.externalIds).toEqual({ [key(customerA)]: sub });
    expect(attack.user.externalIds).toEqual({ [key(customerB)]: sub });
  });

  it('tells platforms sharing an issuer apart at login by a deployment only one of them lists', async () => {
    const first = await startPlatform();
    const second = await startPlatform({}, first.platform);
    const run = await launch13(second, unique('dep'), () => {}, { client_id: undefined, lti_deployment_id: second.platform.deploymentId });
    expect(run.login.status).toBe(302);
    expect(new URL(run.login.location!).searchParams.get('client_id')).toBe(second.platform.clientId);
    await signedOnAs(run.launch!);
    const ambiguous = await launch13(second, unique('dep'), () => {}, { client_id: undefined, lti_deployment_id: undefined });
    expect(ambiguous.login.status).toBe(400);
    expect(ambiguous.login.text).toContain('client_id');
  });

  it('accepts and remembers every deployment when deploymentIds is empty; refuses others, naming the id to add, once set', async () => {
    const lms = await startPlatform({ deploymentId: undefined, deploymentIds: [] });
    const deployments = ['dep-one', 'dep-two'];
    for (const deployment of deployments) {
      await signedOnAs((await launch13(lms, unique('any'), (c) => void (c[`${lti}deployment_id`] = deployment))).launch!);
    }
    const read = await server.admin.request('GET', `/admin/environments/${env}/platforms/${lms.id}`);
    expect(read.json.deploymentIds).toEqual([]);
    expect(read.json.deployments.map((d: { id: string }) => d.id).sort()).toEqual(deployments);
    for (const seen of read.json.deployments) expect(Date.parse(seen.lastSeen)).toBeGreaterThanOrEqual(Date.parse(seen.firstSeen));

    expect(
      (await server.admin.request('PATCH', `/admin/environments/${env}/platforms/${lms.id}`, { deploymentIds: ['dep-one'] })).status,
    ).toBe(200);
    const refused = await launch13(lms, unique('listed'), (c) => void (c[`${lti}deployment_id`] = 'dep-two'));
    expect(refused.launch!.status).toBe(401);
    expect(refused.launch!.text).toContain('add &quot;dep-two&quot; to the platform&#39;s deploymentIds');
    await signedOnAs((await launch13(lms, unique('listed'), (c) => void (c[`${lti}deployment_id`] = 'dep-one'))).launch!);
  });

  it("a platform's account linking overrides the environment's", async () => {
    const lms = await startPlatform({ accountLinking: { byEmail: 'never' } });
    const existing = await putUser(unique('p'), { email: `${unique('p')}@school.edu`, givenName: 'P', familyName: 'Q' });
    const run = await launch13(lms, unique('never'), (c) => void (c.email = existing.email));
    expect(run.launch!.status).toBe(403);
    expect(run.launch!.text).toContain('does not link accounts from this LMS by email');
    expect(run.launch!.text).toContain(`from LMS ${platforms.length}`);
    expect((await getUser(existing.id)).externalIds).toEqual({});
  });

  describe('LTI 1.1 to 1.3 migration (the lti1p1 claim)', () => {
    /** `oauth_consumer_key_sign`: base64 HMAC-SHA256 of key & deployment & iss & client_id & exp & nonce, keyed by the LTI 1.1 secret. */
    const sign = (claims: Record<string, unknown>, key: string, secret: string, clientId: string) =>
      createHmac('sha256', secret)
        .update([key, claims[`${lti}deployment_id`], claims.iss, clientId, claims.exp, claims.nonce].join('&'))
        .digest('base64');

    it('finds the account the LTI 1.1 launches created when the signature is valid, and not otherwise', async () => {
      const lms = await startPlatform();
      const guid = unique('guid');
      const legacyId = unique('1p1');
      const before = await signedOnAs(await launch(activity, learnerParams({ user_id: legacyId, tool_consumer_instance_guid: guid })));
      const migrated = (secret: string) => (claims: Record<string, unknown>) => {
        claims.email = `${unique('moved')}@school.edu`;
        claims[`${lti}tool_platform`] = { guid, product_family_code: 'moodle' };
        claims[`${lti}lti1p1`] = {
          user_id: legacyId,
          oauth_consumer_key: activity.key,
          oauth_consumer_key_sign: sign(claims, activity.key, secret, lms.platform.clientId),
        };
      };
      const forged = await signedOnAs((await launch13(lms, unique('sub'), migrated('not-the-secret'))).launch!);
      expect(forged.user.id).not.toBe(before.user.id);
      const after = await signedOnAs((await launch13(lms, unique('sub'), migrated(activity.secret))).launch!);
      expect(after.user.id).toBe(before.user.id);
      expect(after.created).toBe(false);
    });

    // Last in the file: it rotates the activity's secret.
    it('verifies with the secret a rotation replaced until the overlap ends, and with the new one', async () => {
      const lms = await startPlatform();
      const legacyId = unique('1p1');
      const before = await signedOnAs(await launch(activity, learnerParams({ user_id: legacyId, tool_consumer_instance_guid: undefined })));
      const rotated = await server.admin.request(
        'POST',
        `/admin/environments/${env}/activities/${activity.id}/lti12-credentials/${activity.key}/rotate`,
        {
          overlapHours: 1,
        },
      );
      expect(rotated.status).toBe(200);
      const migrated = (secret: string) => (claims: Record<string, unknown>) => {
        claims.email = `${unique('moved')}@school.edu`;
        claims[`${lti}lti1p1`] = {
          user_id: legacyId,
          oauth_consumer_key: activity.key,
          oauth_consumer_key_sign: sign(claims, activity.key, secret, lms.platform.clientId),
        };
      };
      const withOld = await signedOnAs((await launch13(lms, unique('sub'), migrated(activity.secret))).launch!);
      expect(withOld.user.id).toBe(before.user.id);
      const withNew = await signedOnAs((await launch13(lms, unique('sub'), migrated(rotated.json.secret))).launch!);
      expect(withNew.user.id).toBe(before.user.id);

      // The overlap ends (as time passing would make it): the old secret proves nothing any more.
      await server.dynamo.send(
        new UpdateCommand({
          TableName: server.runtime.config.tables.data,
          Key: keys.activity(env, activity.id),
          UpdateExpression: 'SET lti12Credentials.previousSecret.validUntil = :past',
          ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() },
        }),
      );
      const afterOverlap = await signedOnAs((await launch13(lms, unique('sub'), migrated(activity.secret))).launch!);
      expect(afterOverlap.user.id).not.toBe(before.user.id);
    });
  });
});
