/**
 * LTI 1.2 secrets at rest (docs/security.md "LTI 1.2 secrets at rest", issue #17), through the real
 * local server, its store and its KMS endpoint: what the data table holds, what the admin API
 * answers, what a ciphertext copied to another record opens to, what records from before do, and
 * launches and passbacks across a rotation. Launches are signed by the npm `oauth-1.0a`, the
 * platform's launch form checked with Debian's python3-oauthlib, and passbacks verified by the test
 * LMS of `test/fixtures/outcomes-receiver.ts`: none of them lti-bridge's own OAuth code.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../functions/adapters/keys';
import { createExternalActivity, createUser, oauthlibSignature, openLaunch, ticketUrl, type Tool } from '../../fixtures/academy-platform';
import { expectError } from '../../fixtures/expect-error';
import { startTestServer, type TestServer } from '../../fixtures/local-server';
import { closeSigners, createLti12Activity, launch, learnerParams, type Lti12Credentials } from '../../fixtures/lti12-launch';
import { startOutcomesReceiver, type OutcomesReceiver } from '../../fixtures/outcomes-receiver';

const env = 'secrets';
let server: TestServer;
let receiver: OutcomesReceiver;

type Activity = Lti12Credentials & { id: string };

beforeAll(async () => {
  server = await startTestServer();
  receiver = await startOutcomesReceiver();
  const answer = await server.admin.request('PUT', `/admin/environments/${env}`, {
    name: 'Secrets',
    ltiEnabled: true,
    academyUrl: 'https://academy.example/sso',
  });
  expect(answer.status).toBe(201);
  await createUser(server, env, 'grace');
});

afterAll(async () => {
  await closeSigners();
  await receiver?.close();
  await server?.close();
});

const activities = `/admin/environments/${env}/activities`;
const createActivity = (title: string) => createLti12Activity(server.admin, env, title);
const { data } = { data: () => server.runtime.config.tables.data };

/** The activity's item as DynamoDB holds it. */
async function rawActivity(id: string): Promise<Record<string, unknown>> {
  const { Item } = await server.dynamo.send(new GetCommand({ TableName: data(), Key: keys.activity(env, id) }));
  if (!Item) throw new Error(`no item for activity ${id}`);
  return Item;
}

/** Writes the activity's item as someone with write access to the table (or a record from before) would. */
async function writeRawActivity(item: Record<string, unknown>): Promise<void> {
  await server.dynamo.send(new PutCommand({ TableName: data(), Item: item }));
}

/** Ends the overlap of the rotated secret of the activity's own key, as time passing would. */
async function endOverlap(id: string): Promise<void> {
  await server.dynamo.send(
    new UpdateCommand({
      TableName: data(),
      Key: keys.activity(env, id),
      UpdateExpression: 'SET lti12Credentials.previousSecret.validUntil = :past',
      ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() },
    }),
  );
}

const launchStatus = async (credentials: Lti12Credentials) => (await launch(credentials, learnerParams())).status;

/** Launches a learner (`user_id`) as the LMS would, with an outcome service; answers the academy user id. */
async function launchLearner(credentials: Lti12Credentials, userId: string, sourcedId: string): Promise<string> {
  const response = await launch(
    credentials,
    learnerParams({
      user_id: userId,
      lis_person_contact_email_primary: `${userId}@school.edu`,
      lis_outcome_service_url: `${receiver.baseUrl}/outcomes`,
      lis_result_sourcedid: sourcedId,
    }),
  );
  expect(response.status).toBe(303);
  const code = new URL(response.headers.get('location')!).searchParams.get('code');
  const grant = await server.admin.request('POST', `/admin/environments/${env}/sso/exchange`, { code });
  expect(grant.status).toBe(200);
  return grant.json.user.id as string;
}

/** Records a completion with `score` and answers the passback the LMS received for `sourcedId`. */
async function passBack(activity: Activity, userId: string, sourcedId: string, score: number) {
  const before = receiver.received.filter((r) => r.sourcedId === sourcedId).length;
  const put = await server.admin.request('PUT', `${activities}/${activity.id}/progress/${userId}`, { status: 'completed', score });
  expect(put.status).toBe(200);
  const received = await receiver.waitFor(before + 1, (r) => r.sourcedId === sourcedId);
  return received[before]!;
}

/** Whether the external tool's launch form verifies with `secret` (Debian's python3-oauthlib). */
async function platformLaunchSignedWith(activityId: string, secret: string): Promise<boolean> {
  const { form } = await openLaunch(await ticketUrl(server, env, activityId, 'grace'));
  return oauthlibSignature(form.action, form.pairs, secret).signature === form.fields.oauth_signature;
}

const rotate = (activityId: string, key: string, body?: unknown) =>
  server.admin.request('POST', `${activities}/${activityId}/lti12-credentials/${key}/rotate`, body);

describe('at rest', () => {
  it("stores no plaintext secret (the activity's own, an LMS's, an external tool's), only ciphertexts, and every one still signs or verifies", async () => {
    const own = await createActivity('Sealed course');
    const issued = await server.admin.request('POST', `${activities}/${own.id}/lti12-credentials`, { name: 'Moodle' });
    expect(issued.status).toBe(201);
    const lms: Lti12Credentials = { key: issued.json.key, secret: issued.json.secret, launchUrl: own.launchUrl };
    const tool: Tool = { key: 'sealed-tool', secret: 'tool-secret-9f2c4e8a', launchUrl: 'https://tool.example/launch' };
    const externalId = await createExternalActivity(server, env, tool);

    const stored = await rawActivity(own.id);
    const external = await rawActivity(externalId);
    for (const [item, plaintext] of [
      [stored, own.secret],
      [stored, lms.secret],
      [external, tool.secret],
    ] as const) {
      expect(JSON.stringify(item)).not.toContain(plaintext);
    }
    const ciphertext = expect.stringMatching(/^[A-Za-z0-9+/]{40,}=*$/);
    expect(stored.lti12Credentials).toEqual({ key: own.key, sealedSecret: ciphertext, secretIssuedAt: expect.any(String) });
    expect(stored.lmsCredentials).toEqual([
      { key: lms.key, sealedSecret: ciphertext, secretIssuedAt: expect.any(String), name: 'Moodle', createdAt: expect.any(String) },
    ]);
    expect(external.lti).toEqual(expect.objectContaining({ key: tool.key, sealedSecret: ciphertext }));
    expect(external.lti).not.toHaveProperty('secret');

    expect(await launchStatus(own)).toBe(303);
    expect(await launchStatus(lms)).toBe(303);
    expect(await platformLaunchSignedWith(externalId, tool.secret)).toBe(true);
  });

  it('answers a secret only in the answer that issues it: never on GET, in the list, on PATCH', async () => {
    const created = await server.admin.request('POST', activities, { type: 'e-learning', title: 'Shown once' });
    expect(created.json.ltiAccess).toBeUndefined();
    const offered = await server.admin.request('PATCH', `${activities}/${created.json.id}`, { availableForLti: true });
    const secret: string = offered.json.ltiAccess.lti12.secret;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const issued = await server.admin.request('POST', `${activities}/${created.json.id}/lti12-credentials`, { name: 'Canvas' });
    const rotated = await rotate(created.json.id, offered.json.ltiAccess.lti12.key);
    expect(rotated.status).toBe(200);
    const secrets = [secret, issued.json.secret as string, rotated.json.secret as string];

    const reads = [
      await server.admin.request('GET', `${activities}/${created.json.id}`),
      await server.admin.request('GET', activities),
      await server.admin.request('PATCH', `${activities}/${created.json.id}`, { title: 'Shown once, renamed' }),
      await server.admin.request('PATCH', `${activities}/${created.json.id}`, { availableForLti: false }),
      await server.admin.request('PATCH', `${activities}/${created.json.id}`, { availableForLti: true }),
    ];
    for (const read of reads) {
      expect(read.status).toBe(200);
      for (const shown of secrets) expect(read.text).not.toContain(shown);
      expect(read.text).not.toContain('sealedSecret');
    }
    expect(reads[0]!.json.ltiAccess.lti12).toEqual({
      key: offered.json.ltiAccess.lti12.key,
      launchUrl: offered.json.ltiAccess.lti12.launchUrl,
      secretIssuedAt: rotated.json.secretIssuedAt,
      previousSecretValidUntil: rotated.json.previousSecretValidUntil,
      credentials: [{ key: issued.json.key, name: 'Canvas', createdAt: issued.json.createdAt, secretIssuedAt: issued.json.secretIssuedAt }],
    });
  });

  it("refuses a ciphertext copied into another activity's record: nothing verifies with it there (500 secret_unreadable)", async () => {
    const a = await createActivity('Source of the copy');
    const b = await createActivity('Target of the copy');
    const itemA = await rawActivity(a.id);
    const itemB = await rawActivity(b.id);
    const sealedA = (itemA.lti12Credentials as { sealedSecret: string }).sealedSecret;

    // A's ciphertext under B's key: someone who knows A's secret (an LMS of A) would launch into B with it.
    await writeRawActivity({ ...itemB, lti12Credentials: { key: b.key, sealedSecret: sealedA } });
    await expectError(await launch({ ...b, secret: a.secret }, learnerParams()), { status: 500, code: 'secret_unreadable' });
    // A's whole credential (key and ciphertext) in B's record.
    await writeRawActivity({ ...itemB, lti12Credentials: { key: a.key, sealedSecret: sealedA } });
    await expectError(await launch({ ...a, launchUrl: b.launchUrl }, learnerParams()), { status: 500, code: 'secret_unreadable' });

    // Where it was sealed, it still opens; put back, B's own works again.
    expect(await launchStatus(a)).toBe(303);
    await writeRawActivity(itemB);
    expect(await launchStatus(b)).toBe(303);

    // The academy as platform: an external tool's ciphertext copied into another external activity.
    const x: Tool = { key: 'tool-x', secret: 'secret-of-x-3b1f', launchUrl: 'https://x.example/launch' };
    const y: Tool = { key: 'tool-x', secret: 'secret-of-y-77aa', launchUrl: 'https://y.example/launch' };
    const xId = await createExternalActivity(server, env, x);
    const yId = await createExternalActivity(server, env, y);
    const itemY = await rawActivity(yId);
    await writeRawActivity({
      ...itemY,
      lti: { ...(itemY.lti as object), sealedSecret: ((await rawActivity(xId)).lti as { sealedSecret: string }).sealedSecret },
    });
    const page = await fetch(await ticketUrl(server, env, yId, 'grace'));
    await expectError(page, { status: 500, code: 'secret_unreadable' });
  });
});

describe('records written before secrets were sealed', () => {
  it('still verify and sign with their plaintext secret, which the next write seals', async () => {
    const activity = await createActivity('From before');
    const legacy = { ...activity, secret: 'legacy-plaintext-secret-4d2b' };
    const tool: Tool = { key: 'legacy-tool', secret: 'legacy-tool-secret-81c0', launchUrl: 'https://tool.example/legacy' };
    const externalId = await createExternalActivity(server, env, { ...tool, secret: 'replaced-below' });
    // The items as lti-bridge wrote them before: the secrets in plaintext.
    const {
      sealedSecret: _sealed,
      secretIssuedAt: _issued,
      ...credential
    } = (await rawActivity(activity.id)).lti12Credentials as Record<string, unknown>;
    await writeRawActivity({ ...(await rawActivity(activity.id)), lti12Credentials: { ...credential, secret: legacy.secret } });
    const external = await rawActivity(externalId);
    const { sealedSecret: _toolSealed, ...lti } = external.lti as Record<string, unknown>;
    await writeRawActivity({ ...external, lti: { ...lti, secret: tool.secret } });

    const receiverKey = legacy.key;
    receiver.secrets.set(receiverKey, legacy.secret);
    const userId = await launchLearner(legacy, 'legacy-learner', 'legacy:1');
    expect((await passBack(legacy, userId, 'legacy:1', 70)).signatureValid).toBe(true);
    expect(await platformLaunchSignedWith(externalId, tool.secret)).toBe(true);

    // Any write seals: a change, or an empty PATCH that changes nothing.
    expect((await server.admin.request('PATCH', `${activities}/${activity.id}`, { description: 'written again' })).status).toBe(200);
    expect((await server.admin.request('PATCH', `${activities}/${externalId}`, {})).status).toBe(200);
    const resealed = await rawActivity(activity.id);
    expect(JSON.stringify(resealed)).not.toContain(legacy.secret);
    expect(resealed.lti12Credentials).toEqual({ key: legacy.key, sealedSecret: expect.any(String) });
    expect(JSON.stringify(await rawActivity(externalId))).not.toContain(tool.secret);

    expect(await launchStatus(legacy)).toBe(303);
    expect((await passBack(legacy, userId, 'legacy:1', 80)).signatureValid).toBe(true);
    expect(await platformLaunchSignedWith(externalId, tool.secret)).toBe(true);
  });
});

describe('rotation', () => {
  it("gives the activity's own key a new secret; the old one verifies until the overlap ends, then is refused", async () => {
    const activity = await createActivity('Rotated');
    const before = Date.now();
    const rotated = await rotate(activity.id, activity.key, { overlapHours: 2 });
    expect(rotated.status).toBe(200);
    expect(rotated.json).toEqual({
      key: activity.key,
      secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      secretIssuedAt: expect.any(String),
      previousSecretValidUntil: expect.any(String),
      launchUrl: activity.launchUrl,
    });
    const overlapEnds = Date.parse(rotated.json.previousSecretValidUntil);
    expect(overlapEnds).toBeGreaterThanOrEqual(before + 2 * 3_600_000);
    expect(overlapEnds).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000);
    const renewed = { ...activity, secret: rotated.json.secret as string };
    expect(renewed.secret).not.toBe(activity.secret);
    expect(JSON.stringify(await rawActivity(activity.id))).not.toContain(renewed.secret);

    expect(await launchStatus(activity)).toBe(303);
    expect(await launchStatus(renewed)).toBe(303);

    await endOverlap(activity.id);
    await expectError(await launch(activity, learnerParams()), { status: 401, code: 'unauthorized', field: 'oauth_signature' });
    expect(await launchStatus(renewed)).toBe(303);
  });

  it('takes 72 hours of overlap by default and none with overlapHours 0; an LMS credential rotates on its own', async () => {
    const activity = await createActivity('Rotated at once');
    const issued = await server.admin.request('POST', `${activities}/${activity.id}/lti12-credentials`, { name: 'Moodle' });
    const lms: Lti12Credentials = { key: issued.json.key, secret: issued.json.secret, launchUrl: activity.launchUrl };

    const byDefault = await rotate(activity.id, lms.key);
    const hours = (Date.parse(byDefault.json.previousSecretValidUntil) - Date.parse(byDefault.json.secretIssuedAt)) / 3_600_000;
    expect(hours).toBe(72);
    expect(await launchStatus(lms)).toBe(303);

    const atOnce = await rotate(activity.id, lms.key, { overlapHours: 0 });
    expect(atOnce.json).not.toHaveProperty('previousSecretValidUntil');
    // Both earlier secrets are gone: the one rotated before, and the one this rotation replaced.
    await expectError(await launch(lms, learnerParams()), { status: 401, code: 'unauthorized', field: 'oauth_signature' });
    await expectError(await launch({ ...lms, secret: byDefault.json.secret }, learnerParams()), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_signature',
    });
    expect(await launchStatus({ ...lms, secret: atOnce.json.secret })).toBe(303);
    // The activity's own key was not touched.
    expect(await launchStatus(activity)).toBe(303);
  });

  it('refuses an unknown key (404) and an overlap outside 0 to 720 hours (400 naming overlapHours)', async () => {
    const activity = await createActivity('Rotation refused');
    await expectError(await rotate(activity.id, 'lb-not-a-key'), { status: 404, code: 'not_found' });
    for (const overlapHours of [-1, 721, 1.5, '24']) {
      await expectError(await rotate(activity.id, activity.key, { overlapHours }), {
        status: 400,
        code: 'invalid_request',
        field: 'overlapHours',
      });
    }
    expect(await launchStatus(activity)).toBe(303);
  });

  it('signs passbacks with the secret the LMS last launched with while it verifies, then with the current one', async () => {
    const activity = await createActivity('Passback across a rotation');
    receiver.secrets.set(activity.key, activity.secret);
    const early = await launchLearner(activity, 'early-learner', 'rot:early');
    const rotated = await rotate(activity.id, activity.key, { overlapHours: 1 });
    const renewed = { ...activity, secret: rotated.json.secret as string };

    // The LMS has not been given the new secret yet: the passback is signed with the one it launched with.
    const first = await passBack(activity, early, 'rot:early', 60);
    expect(first).toMatchObject({ signatureValid: true, score: '0.6' });

    // The LMS is updated, and launches with the new secret: from then on its passbacks carry the new one.
    receiver.secrets.set(activity.key, renewed.secret);
    const late = await launchLearner(renewed, 'late-learner', 'rot:late');
    expect((await passBack(activity, late, 'rot:late', 90)).signatureValid).toBe(true);
    await launchLearner(renewed, 'early-learner', 'rot:early');
    expect((await passBack(activity, early, 'rot:early', 65)).signatureValid).toBe(true);

    // A learner last launched with the old secret, once the overlap has ended: signed with the current one.
    receiver.secrets.set(activity.key, activity.secret);
    const stale = await launchLearner(activity, 'stale-learner', 'rot:stale');
    await endOverlap(activity.id);
    receiver.secrets.set(activity.key, renewed.secret);
    expect((await passBack(activity, stale, 'rot:stale', 50)).signatureValid).toBe(true);
  });
});
