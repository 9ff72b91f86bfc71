/**
 * LTI 1.3 platform registrations through the admin API of the real local server: validation,
 * (issuer, clientId) uniqueness per environment, nothing half-written, and the tool configuration.
 */
import { expectError } from '../../fixtures/expect-error';
import { startTestServer, type TestServer } from '../../fixtures/local-server';

let server: TestServer;
const environment = { name: 'Demo academy', ltiEnabled: true, academyUrl: 'https://academy.example/sso' };
const base = '/admin/environments/demo/platforms';

const platform = (overrides: Record<string, unknown> = {}) => ({
  name: 'Moodle of Example U',
  issuer: 'https://moodle.example.edu',
  clientId: 'client-1',
  deploymentId: 'dep-1',
  authUrl: 'https://moodle.example.edu/mod/lti/auth.php',
  tokenUrl: 'https://moodle.example.edu/mod/lti/token.php',
  jwksUrl: 'https://moodle.example.edu/mod/lti/certs.php',
  ...overrides,
});

beforeAll(async () => {
  server = await startTestServer();
  expect((await server.admin.request('PUT', '/admin/environments/demo', environment)).status).toBe(201);
  expect((await server.admin.request('PUT', '/admin/environments/other', environment)).status).toBe(201);
});
afterAll(() => server?.close());

const admin = () => server.admin;

async function count(env = 'demo'): Promise<number> {
  return (await admin().request('GET', `/admin/environments/${env}/platforms`)).json.platforms.length;
}

it('creates a platform (activated by default) and answers the tool configuration', async () => {
  const created = await admin().request('POST', base, platform({ clientId: 'cfg' }));
  expect(created.status).toBe(201);
  const { deploymentId, ...registered } = platform({ clientId: 'cfg' });
  expect(created.json).toMatchObject({
    ...registered,
    deploymentIds: [deploymentId],
    deployments: [],
    activated: true,
    environmentId: 'demo',
  });
  expect(created.json.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(created.json.toolConfiguration).toMatchObject({
    loginUrl: `${server.baseUrl}/demo/lti13/login`,
    redirectUrl: `${server.baseUrl}/demo/lti13/launch`,
    jwksUrl: `${server.baseUrl}/.well-known/jwks.json`,
    targetLinkUri: `${server.baseUrl}/demo/lti13/activities/{activityId}`,
  });
  expect(created.json.toolConfiguration.targetLinkUriHelp).toContain('one per activity');

  const read = await admin().request('GET', `${base}/${created.json.id}`);
  expect(read.status).toBe(200);
  expect(read.json).toEqual(created.json);
  const list = await admin().request('GET', base);
  expect(list.json.platforms.map((p: { id: string }) => p.id)).toContain(created.json.id);
});

it.each([
  [{ name: '' }, 'name'],
  [{ issuer: undefined }, 'issuer'],
  [{ issuer: 'https://a b' }, 'issuer'],
  [{ clientId: ' ' }, 'clientId'],
  [{ deploymentId: '' }, 'deploymentId'],
  [{ deploymentIds: ['dep-2'] }, 'deploymentId'],
  [{ deploymentId: undefined, deploymentIds: 'dep-2' }, 'deploymentIds'],
  [{ accountLinking: { byEmail: 'domains' } }, 'accountLinking.domains'],
  [{ accountLinking: { byEmail: 'sometimes' } }, 'accountLinking.byEmail'],
  [{ authUrl: 'moodle.example.edu/auth' }, 'authUrl'],
  [{ tokenUrl: 'ftp://moodle.example.edu/token' }, 'tokenUrl'],
  [{ jwksUrl: 42 }, 'jwksUrl'],
  [{ activated: 'yes' }, 'activated'],
  [{ colour: 'blue' }, 'colour'],
])('refuses %j naming %s, writing nothing', async (overrides, field) => {
  const before = await count();
  const answer = await admin().request('POST', base, platform({ clientId: `bad-${field}`, ...overrides }));
  await expectError(answer, { status: 400, code: 'invalid_request', field });
  expect(answer.json.message).toContain(field);
  expect(await count()).toBe(before);
});

it('keeps (issuer, clientId) unique within an environment, not across environments', async () => {
  const first = await admin().request('POST', base, platform({ clientId: 'unique-1' }));
  expect(first.status).toBe(201);
  const clash = await admin().request('POST', base, platform({ clientId: 'unique-1', name: 'Copy' }));
  await expectError(clash, { status: 409, code: 'conflict', field: 'clientId' });
  // another client id at the same issuer, and the same pair in another environment, are fine
  expect((await admin().request('POST', base, platform({ clientId: 'unique-2' }))).status).toBe(201);
  expect((await admin().request('POST', '/admin/environments/other/platforms', platform({ clientId: 'unique-1' }))).status).toBe(201);
});

it('lets exactly one of several concurrent creations take a pair', async () => {
  const before = await count();
  const answers = await Promise.all(
    Array.from({ length: 6 }, (_, i) => admin().request('POST', base, platform({ clientId: 'race', name: `P${i}` }))),
  );
  expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
  expect(answers.filter((a) => a.status === 409)).toHaveLength(5);
  expect(await count()).toBe(before + 1);
});

it('patches fields, moves the (issuer, clientId) claim, and refuses a taken pair', async () => {
  const a = (await admin().request('POST', base, platform({ clientId: 'move-a' }))).json;
  const b = (await admin().request('POST', base, platform({ clientId: 'move-b' }))).json;

  const deactivated = await admin().request('PATCH', `${base}/${a.id}`, { activated: false, name: 'Renamed' });
  expect(deactivated.status).toBe(200);
  expect(deactivated.json).toMatchObject({ activated: false, name: 'Renamed', clientId: 'move-a' });
  expect(deactivated.json.updatedAt > a.updatedAt).toBe(true);

  const taken = await admin().request('PATCH', `${base}/${a.id}`, { clientId: 'move-b' });
  expect(taken.status).toBe(409);
  expect((await admin().request('GET', `${base}/${a.id}`)).json.clientId).toBe('move-a');

  const moved = await admin().request('PATCH', `${base}/${a.id}`, { clientId: 'move-c' });
  expect(moved.status).toBe(200);
  // the old pair is free again, the new one is taken
  expect((await admin().request('PATCH', `${base}/${b.id}`, { clientId: 'move-a' })).status).toBe(200);
  expect((await admin().request('POST', base, platform({ clientId: 'move-c' }))).status).toBe(409);

  const invalid = await admin().request('PATCH', `${base}/${a.id}`, { tokenUrl: 'not a url' });
  expect(invalid.status).toBe(400);
  expect(invalid.json.field).toBe('tokenUrl');
});

it('keeps an optional tokenAudience: set on creation, changed or cleared (null) by a patch, refused when malformed', async () => {
  // Brightspace's registration page gives a "Brightspace OAuth 2 Audience" next to its token URL
  // (D2L Community, "Tool registration, deployment and links", article 23662).
  const brightspace = 'https://api.brightspace.com/auth/token';
  const created = await admin().request('POST', base, platform({ clientId: 'aud-1', tokenAudience: brightspace }));
  expect(created.status).toBe(201);
  expect(created.json.tokenAudience).toBe(brightspace);
  const path = `${base}/${created.json.id}`;
  expect((await admin().request('GET', path)).json.tokenAudience).toBe(brightspace);

  const changed = await admin().request('PATCH', path, { tokenAudience: 'lms-audience', name: 'Brightspace' });
  expect(changed.json).toMatchObject({ tokenAudience: 'lms-audience', name: 'Brightspace' });
  // left out of a patch: kept
  expect((await admin().request('PATCH', path, { activated: false })).json.tokenAudience).toBe('lms-audience');
  const cleared = await admin().request('PATCH', path, { tokenAudience: null });
  expect(cleared.status).toBe(200);
  expect(cleared.json).not.toHaveProperty('tokenAudience');
  expect(await admin().request('GET', path)).toMatchObject({ json: { name: 'Brightspace', activated: false } });
  expect((await admin().request('GET', path)).json).not.toHaveProperty('tokenAudience');

  for (const bad of ['', 'has space', 'urn:x y', 'a'.repeat(1001), 42, 'http://[::1']) {
    await expectError(await admin().request('PATCH', path, { tokenAudience: bad }), {
      status: 400,
      code: 'invalid_request',
      field: 'tokenAudience',
    });
  }
  await expectError(await admin().request('POST', base, platform({ clientId: 'aud-2', tokenAudience: null })), {
    status: 400,
    code: 'invalid_request',
    field: 'tokenAudience',
  });
  expect((await admin().request('POST', base, platform({ clientId: 'aud-3', tokenAudience: 'urn:lms:token' }))).status).toBe(201);
});

it('deletes a platform and frees its pair; 404 for unknown ids and through another environment', async () => {
  const created = (await admin().request('POST', base, platform({ clientId: 'gone' }))).json;
  expect((await admin().request('GET', `/admin/environments/other/platforms/${created.id}`)).status).toBe(404);
  expect((await admin().request('DELETE', `/admin/environments/other/platforms/${created.id}`)).status).toBe(404);
  expect((await admin().request('DELETE', `${base}/${created.id}`)).status).toBe(204);
  expect((await admin().request('GET', `${base}/${created.id}`)).status).toBe(404);
  expect((await admin().request('DELETE', `${base}/${created.id}`)).status).toBe(404);
  expect((await admin().request('POST', base, platform({ clientId: 'gone' }))).status).toBe(201);
  expect((await admin().request('GET', '/admin/environments/nope/platforms')).status).toBe(404);
  expect((await admin().request('PATCH', `${base}/nope`, { name: 'x' })).status).toBe(404);
});

it('accepts http and loopback URLs in local mode', async () => {
  const local = await admin().request(
    'POST',
    base,
    platform({ clientId: 'local', authUrl: 'http://127.0.0.1:9/auth', jwksUrl: 'http://localhost:9/jwks' }),
  );
  expect(local.status).toBe(201);
});

it('answers 403 to an unsigned request', async () => {
  expect((await admin().unsigned('GET', base)).status).toBe(403);
  expect((await admin().unsigned('POST', base, platform({ clientId: 'unsigned' }))).status).toBe(403);
});
