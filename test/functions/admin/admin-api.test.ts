/**
 * The admin API for environments, activities and users, through the real local server (SigV4,
 * API Gateway payload 2.0 events, the real handlers, dynalite speaking the DynamoDB API).
 */
import { expectError } from '../../fixtures/expect-error';
import { startTestServer, type TestServer } from '../../fixtures/local-server';

let server: TestServer;
const environment = { name: 'Demo academy', ltiEnabled: true, academyUrl: 'https://academy.example/sso' };

beforeAll(async () => {
  server = await startTestServer();
  expect((await server.admin.request('PUT', '/admin/environments/demo', environment)).status).toBe(201);
  expect((await server.admin.request('PUT', '/admin/environments/nolti', { ...environment, ltiEnabled: false })).status).toBe(201);
});
afterAll(() => server?.close());

const admin = () => server.admin;

describe('environments', () => {
  it('creates (201), updates (200) and reads an environment', async () => {
    const created = await admin().request('PUT', '/admin/environments/env-a', environment);
    expect(created.status).toBe(201);
    const updated = await admin().request('PUT', '/admin/environments/env-a', { ...environment, name: 'Renamed' });
    expect(updated.status).toBe(200);
    expect(updated.json.createdAt).toBe(created.json.createdAt);
    const read = await admin().request('GET', '/admin/environments/env-a');
    expect(read.json).toMatchObject({ id: 'env-a', name: 'Renamed', ltiEnabled: true, academyUrl: environment.academyUrl });
  });

  it.each([
    [{ ...environment, name: '' }, 'name'],
    [{ ...environment, ltiEnabled: 'yes' }, 'ltiEnabled'],
    [{ ...environment, academyUrl: '/relative' }, 'academyUrl'],
    [{ name: 'x', ltiEnabled: true }, 'academyUrl'],
    [{ ...environment, colour: 'blue' }, 'colour'],
  ])('refuses %j naming %s', async (body, field) => {
    const answer = await admin().request('PUT', '/admin/environments/bad-env', body);
    await expectError(answer, { status: 400, code: 'invalid_request', field });
    expect(answer.json.message).toContain(field);
    expect((await admin().request('GET', '/admin/environments/bad-env')).status).toBe(404);
  });

  it('answers 404 for an unknown environment and 403 for an unsigned request', async () => {
    await expectError(await admin().request('GET', '/admin/environments/nope'), { status: 404, code: 'not_found' });
    expect((await admin().unsigned('GET', '/admin/environments/demo')).status).toBe(403);
  });

  it('answers 415 or 400 for a body that is not a JSON object', async () => {
    const answer = await admin().request('PUT', '/admin/environments/demo', [1, 2]);
    await expectError(answer, { status: 400, code: 'invalid_request', field: 'body' });
    const text = await admin().request('PUT', '/admin/environments/demo', 'name=x', { contentType: 'text/plain' });
    await expectError(text, { status: 415, code: 'unsupported_media_type', field: 'content-type' });
  });
});

describe('activities', () => {
  it('creates an academy-made activity and makes it available for LTI with fresh credentials', async () => {
    const created = await admin().request('POST', '/admin/environments/demo/activities', { type: 'e-learning', title: 'Safety basics' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ type: 'e-learning', title: 'Safety basics', availableForLti: false });
    expect(created.json.ltiAccess).toBeUndefined();

    const patched = await admin().request('PATCH', `/admin/environments/demo/activities/${created.json.id}`, { availableForLti: true });
    expect(patched.status).toBe(200);
    const access = patched.json.ltiAccess;
    expect(access.lti12.launchUrl).toBe(`${server.baseUrl}/demo/lti12/launch/${created.json.id}`);
    expect(access.lti13.resourceUrl).toBe(`${server.baseUrl}/demo/lti13/activities/${created.json.id}`);
    expect(access.lti12.key).toMatch(/^lb-[0-9a-f]{24}$/);
    // 256 random bits, base64url: 43 characters.
    expect(Buffer.from(access.lti12.secret, 'base64url')).toHaveLength(32);

    const other = await admin().request('POST', '/admin/environments/demo/activities', {
      type: 'microlearning',
      title: 'Other',
      availableForLti: true,
    });
    expect(other.json.ltiAccess.lti12.secret).not.toBe(access.lti12.secret);
    expect(other.json.ltiAccess.lti12.key).not.toBe(access.lti12.key);

    // The secret is in the answer that issued it only: a read, a list or another patch never shows it.
    const { secret: _issued, ...withoutSecret } = access.lti12;
    const reread = await admin().request('GET', `/admin/environments/demo/activities/${created.json.id}`);
    expect(reread.json.ltiAccess).toEqual({ ...access, lti12: withoutSecret });
    const repatched = await admin().request('PATCH', `/admin/environments/demo/activities/${created.json.id}`, { title: 'Safety 2' });
    expect(repatched.json.ltiAccess).toEqual({ ...access, lti12: withoutSecret });
    const listed = await admin().request('GET', '/admin/environments/demo/activities');
    expect(JSON.stringify(listed.json)).not.toContain(access.lti12.secret);
    expect(JSON.stringify(listed.json)).not.toContain(other.json.ltiAccess.lti12.secret);
  });

  it('refuses availableForLti for an exam and in an environment without LTI (409)', async () => {
    const exam = await admin().request('POST', '/admin/environments/demo/activities', {
      type: 'exam',
      title: 'Final',
      availableForLti: true,
    });
    expect(exam.status).toBe(400);
    expect(exam.json.field).toBe('availableForLti');

    const disabled = await admin().request('POST', '/admin/environments/nolti/activities', {
      type: 'e-learning',
      title: 'X',
      availableForLti: true,
    });
    expect(disabled.status).toBe(409);
    expect(disabled.json.message).toBe('LTI is not enabled in this environment');
    const list = await admin().request('GET', '/admin/environments/nolti/activities');
    expect(list.json.activities).toEqual([]);

    const plain = await admin().request('POST', '/admin/environments/nolti/activities', { type: 'e-learning', title: 'X' });
    const patch = await admin().request('PATCH', `/admin/environments/nolti/activities/${plain.json.id}`, { availableForLti: true });
    expect(patch.status).toBe(409);
    expect((await admin().request('GET', `/admin/environments/nolti/activities/${plain.json.id}`)).json.availableForLti).toBe(false);
  });

  const lti12 = {
    version: '1.2',
    key: 'tool-key',
    secret: 'tool-secret',
    launchUrl: 'https://tool.example/launch?a=1',
    resourceLinkId: 'rl-1',
  };

  it('creates an external LTI 1.2 e-learning and never answers its secret', async () => {
    const created = await admin().request('POST', '/admin/environments/demo/activities', {
      type: 'e-learning',
      title: 'External',
      lti: { ...lti12, customParameters: { Chapter: '3' } },
    });
    expect(created.status).toBe(201);
    expect(created.json.lti).toEqual({
      version: '1.2',
      key: 'tool-key',
      launchUrl: lti12.launchUrl,
      resourceLinkId: 'rl-1',
      customParameters: { Chapter: '3' },
    });
    const renamed = await admin().request('PATCH', `/admin/environments/demo/activities/${created.json.id}`, {
      lti: { ...lti12, secret: undefined, resourceLinkId: 'rl-2' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.json.lti.resourceLinkId).toBe('rl-2');

    // The stored secret is sealed to its key: a new key needs its secret (docs/security.md "LTI 1.2 secrets at rest").
    const rekeyed = await admin().request('PATCH', `/admin/environments/demo/activities/${created.json.id}`, {
      lti: { ...lti12, secret: undefined, key: 'new-tool-key' },
    });
    await expectError(rekeyed, { status: 400, code: 'invalid_request', field: 'lti.secret' });
    expect(rekeyed.json.message).toBe('lti.secret is required when lti.key changes: a secret is stored for its key');
    const withSecret = await admin().request('PATCH', `/admin/environments/demo/activities/${created.json.id}`, {
      lti: { ...lti12, key: 'new-tool-key', secret: 'new-tool-secret' },
    });
    expect(withSecret.status).toBe(200);
    expect(withSecret.json.lti.key).toBe('new-tool-key');
    expect(withSecret.text).not.toContain('new-tool-secret');
  });

  it.each([
    [{ type: 'quiz', title: 'X' }, 'type'],
    [{ type: 'e-learning' }, 'title'],
    [{ type: 'e-learning', title: 'X', durationMinutes: 1.5 }, 'durationMinutes'],
    [{ type: 'e-learning', title: 'X', lti: { ...lti12, resourceLinkId: ' ' } }, 'lti.resourceLinkId'],
    [{ type: 'e-learning', title: 'X', lti: { ...lti12, launchUrl: 'tool.example/launch' } }, 'lti.launchUrl'],
    [{ type: 'e-learning', title: 'X', lti: { ...lti12, secret: undefined } }, 'lti.secret'],
    [{ type: 'e-learning', title: 'X', lti: { ...lti12, version: '2.0' } }, 'lti.version'],
    [{ type: 'microlearning', title: 'X', lti: lti12 }, 'type'],
    [{ type: 'exam', title: 'X', lti: lti12 }, 'minScore'],
    [{ type: 'exam', title: 'X', lti: lti12, minScore: 0 }, 'minScore'],
    [{ type: 'exam', title: 'X', lti: lti12, minScore: 101 }, 'minScore'],
    [{ type: 'exam', title: 'X', lti: lti12, minScore: 50.5 }, 'minScore'],
    [{ type: 'e-learning', title: 'X', minScore: 50 }, 'minScore'],
    [{ type: 'e-learning', title: 'X', lti: { version: '1.3', toolId: 'tool-1', resourceUrl: 'https://tool.example/r' } }, 'lti.toolId'],
    [{ type: 'e-learning', title: 'X', lti: { version: '1.3', toolId: 'tool-1', resourceUrl: 'nope' } }, 'lti.resourceUrl'],
  ])('refuses %j naming %s, writing nothing', async (body, field) => {
    const before = (await admin().request('GET', '/admin/environments/demo/activities')).json.activities.length;
    const answer = await admin().request('POST', '/admin/environments/demo/activities', body);
    await expectError(answer, { status: 400, code: 'invalid_request', field });
    expect(typeof answer.json.message).toBe('string');
    const after = (await admin().request('GET', '/admin/environments/demo/activities')).json.activities.length;
    expect(after).toBe(before);
  });

  it('creates an external LTI 1.3 activity only for a registered tool of the environment', async () => {
    const lti13 = { version: '1.3', resourceUrl: 'https://tool.example/r' };
    const unknown = await admin().request('POST', '/admin/environments/demo/activities', {
      type: 'e-learning',
      title: 'X',
      lti: { ...lti13, toolId: 'tool-1' },
    });
    await expectError(unknown, { status: 400, code: 'invalid_request', field: 'lti.toolId' });
    expect(unknown.json.message).toBe('lti.toolId: no LTI 1.3 tool tool-1 in this environment');

    const tool = await admin().request('POST', '/admin/environments/demo/tools', {
      name: 'Tool',
      oidcUrl: 'https://tool.example/login',
      jwksUrl: 'https://tool.example/jwks',
    });
    expect(tool.status).toBe(201);
    const created = await admin().request('POST', '/admin/environments/demo/activities', {
      type: 'e-learning',
      title: 'X',
      lti: { ...lti13, toolId: tool.json.id },
    });
    expect(created.status).toBe(201);
    expect(created.json.lti).toEqual({ ...lti13, toolId: tool.json.id });
    // Another environment's tool is not this environment's.
    const elsewhere = await admin().request('POST', '/admin/environments/nolti/activities', {
      type: 'e-learning',
      title: 'X',
      lti: { ...lti13, toolId: tool.json.id },
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.json.field).toBe('lti.toolId');
  });

  it('accepts an external exam at minScore 1 and 100', async () => {
    for (const minScore of [1, 100]) {
      const answer = await admin().request('POST', '/admin/environments/demo/activities', {
        type: 'exam',
        title: 'Exam',
        lti: lti12,
        minScore,
      });
      expect(answer.status).toBe(201);
      expect(answer.json.minScore).toBe(minScore);
    }
  });

  it('keeps every activity in its environment: reading it through another is 404', async () => {
    const created = await admin().request('POST', '/admin/environments/demo/activities', { type: 'e-learning', title: 'Mine' });
    expect((await admin().request('GET', `/admin/environments/nolti/activities/${created.json.id}`)).status).toBe(404);
    expect((await admin().request('PATCH', `/admin/environments/nolti/activities/${created.json.id}`, { title: 'x' })).status).toBe(404);
    expect((await admin().request('DELETE', `/admin/environments/nolti/activities/${created.json.id}`)).status).toBe(404);
    expect((await admin().request('GET', `/admin/environments/demo/activities/${created.json.id}`)).status).toBe(200);
  });

  it('deletes an activity', async () => {
    const created = await admin().request('POST', '/admin/environments/demo/activities', { type: 'e-learning', title: 'Gone' });
    expect((await admin().request('DELETE', `/admin/environments/demo/activities/${created.json.id}`)).status).toBe(204);
    expect((await admin().request('GET', `/admin/environments/demo/activities/${created.json.id}`)).status).toBe(404);
    expect((await admin().request('DELETE', `/admin/environments/demo/activities/${created.json.id}`)).status).toBe(404);
  });
});

describe('users', () => {
  const ada = { email: 'Ada@Example.org', givenName: 'Ada', familyName: 'Lovelace' };

  it('creates, reads, finds by email case-insensitively and updates a user', async () => {
    const created = await admin().request('PUT', '/admin/environments/demo/users/u-ada', ada);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 'u-ada', ...ada, externalIds: {} });
    expect((await admin().request('GET', '/admin/environments/demo/users/u-ada')).json.email).toBe(ada.email);
    const found = await admin().request('GET', '/admin/environments/demo/users?email=ada%40EXAMPLE.org');
    expect(found.status).toBe(200);
    expect(found.json.id).toBe('u-ada');
    const updated = await admin().request('PUT', '/admin/environments/demo/users/u-ada', { ...ada, familyName: 'King' });
    expect(updated.status).toBe(200);
    expect(updated.json.familyName).toBe('King');
  });

  it('keeps email unique per environment, case-insensitively, and frees an old email on change', async () => {
    await admin().request('PUT', '/admin/environments/demo/users/u-grace', {
      email: 'grace@example.org',
      givenName: 'Grace',
      familyName: 'Hopper',
    });
    const clash = await admin().request('PUT', '/admin/environments/demo/users/u-other', { ...ada, email: 'ADA@example.ORG' });
    expect(clash.status).toBe(409);
    expect(clash.json.field).toBe('email');
    expect((await admin().request('GET', '/admin/environments/demo/users/u-other')).status).toBe(404);

    // the same email in another environment is another user
    expect((await admin().request('PUT', '/admin/environments/nolti/users/u-other', ada)).status).toBe(201);

    const moved = await admin().request('PUT', '/admin/environments/demo/users/u-grace', {
      email: 'grace.h@example.org',
      givenName: 'Grace',
      familyName: 'Hopper',
    });
    expect(moved.status).toBe(200);
    expect((await admin().request('GET', '/admin/environments/demo/users?email=grace@example.org')).status).toBe(404);
    expect(
      (
        await admin().request('PUT', '/admin/environments/demo/users/u-new', {
          email: 'grace@example.org',
          givenName: 'G',
          familyName: 'N',
        })
      ).status,
    ).toBe(201);
  });

  it('lets exactly one of several concurrent creations take an email', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        admin().request('PUT', `/admin/environments/demo/users/race-${i}`, {
          email: 'race@example.org',
          givenName: 'R',
          familyName: String(i),
        }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(7);
    const winner = answers.findIndex((a) => a.status === 201);
    const found = await admin().request('GET', '/admin/environments/demo/users?email=race@example.org');
    expect(found.json.id).toBe(`race-${winner}`);
  });

  it.each([
    [{ ...ada, email: 'not-an-email' }, 'email'],
    [{ email: 'x@example.org', familyName: 'X' }, 'givenName'],
    [{ ...ada, externalIds: {} }, 'externalIds'],
  ])('refuses %j naming %s', async (body, field) => {
    const answer = await admin().request('PUT', '/admin/environments/demo/users/u-bad', body);
    expect(answer.status).toBe(400);
    expect(answer.json.field).toBe(field);
  });

  it('refuses an empty email query parameter and keeps users in their environment', async () => {
    expect((await admin().request('GET', '/admin/environments/demo/users?email=')).json.field).toBe('email');
    expect((await admin().request('GET', '/admin/environments/nolti/users/u-ada')).status).toBe(404);
  });
});

describe('validation messages', () => {
  it('tells a wrong type from a missing field', async () => {
    const wrongType = await server.admin.request('POST', '/admin/environments/demo/activities', { type: 'e-learning', title: 5 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json).toMatchObject({ field: 'title', message: 'title must be a string' });
    const absent = await server.admin.request('POST', '/admin/environments/demo/activities', { type: 'e-learning' });
    expect(absent.json).toMatchObject({ field: 'title', message: 'title is required' });
  });
});
