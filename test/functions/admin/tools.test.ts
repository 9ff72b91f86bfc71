/**
 * LTI 1.3 tool registrations (academy as platform) through the admin API of the real local server,
 * and the URL rules of an AWS deployment on the domain function.
 */
import type { Tool } from '../../../functions/academy/model';
import { createTool, type ToolDeps } from '../../../functions/lti13/core/platform-tools';
import { expectError } from '../../fixtures/expect-error';
import { startTestServer, type TestServer } from '../../fixtures/local-server';

let server: TestServer;
const environment = { name: 'Platform academy', ltiEnabled: true, academyUrl: 'https://academy.example/sso' };
const tool = {
  name: 'Quiz tool',
  oidcUrl: 'https://tool.example/lti/login?x=1',
  jwksUrl: 'https://tool.example/.well-known/jwks.json',
  redirectUris: ['https://tool.example/lti/launch', 'https://tool.example/lti/launch2'],
};
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

beforeAll(async () => {
  server = await startTestServer();
  expect((await server.admin.request('PUT', '/admin/environments/plat', environment)).status).toBe(201);
  expect((await server.admin.request('PUT', '/admin/environments/other', environment)).status).toBe(201);
});
afterAll(() => server?.close());

const admin = () => server.admin;
const tools = (env = 'plat') => `/admin/environments/${env}/tools`;

describe('tools admin', () => {
  it('creates a tool with a generated client id and deployment id, and the platform configuration', async () => {
    const created = await admin().request('POST', tools(), tool);
    expect(created.status).toBe(201);
    const body = created.json;
    expect(body).toMatchObject({ ...tool, environmentId: 'plat', activated: true });
    expect(body.clientId).toMatch(uuid);
    expect(body.id).toBe(body.clientId);
    expect(body.deploymentId).toMatch(uuid);
    expect(body.deploymentId).not.toBe(body.clientId);
    expect(body.platformConfiguration).toEqual({
      issuer: `${server.baseUrl}/plat`,
      authorizationUrl: `${server.baseUrl}/plat/lti13/authorize`,
      tokenUrl: `${server.baseUrl}/plat/lti13/token`,
      jwksUrl: `${server.baseUrl}/.well-known/jwks.json`,
    });

    const second = await admin().request('POST', tools(), { ...tool, redirectUris: undefined, activated: false });
    expect(second.status).toBe(201);
    expect(second.json.redirectUris).toBeUndefined();
    expect(second.json.activated).toBe(false);
    expect(second.json.clientId).not.toBe(body.clientId);
    expect(second.json.deploymentId).not.toBe(body.deploymentId);

    const read = await admin().request('GET', `${tools()}/${body.id}`);
    expect(read.status).toBe(200);
    expect(read.json).toEqual(body);
    const list = await admin().request('GET', tools());
    expect(list.json.tools.map((t: { id: string }) => t.id).sort()).toEqual([body.id, second.json.id].sort());
    expect(list.json.tools.every((t: { platformConfiguration?: unknown }) => t.platformConfiguration)).toBe(true);
  });

  it('changes a tool, keeps its client and deployment ids, and removes its redirect URIs with null or []', async () => {
    const created = (await admin().request('POST', tools(), tool)).json;
    const patched = await admin().request('PATCH', `${tools()}/${created.id}`, { name: 'Renamed', activated: false });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      name: 'Renamed',
      activated: false,
      clientId: created.clientId,
      deploymentId: created.deploymentId,
      redirectUris: tool.redirectUris,
    });
    expect(patched.json.platformConfiguration.issuer).toBe(`${server.baseUrl}/plat`);

    const cleared = await admin().request('PATCH', `${tools()}/${created.id}`, { redirectUris: null });
    expect(cleared.status).toBe(200);
    expect(cleared.json.redirectUris).toBeUndefined();
    const set = await admin().request('PATCH', `${tools()}/${created.id}`, { redirectUris: ['https://tool.example/x'] });
    expect(set.json.redirectUris).toEqual(['https://tool.example/x']);
    const empty = await admin().request('PATCH', `${tools()}/${created.id}`, { redirectUris: [] });
    expect(empty.json.redirectUris).toBeUndefined();
    expect((await admin().request('GET', `${tools()}/${created.id}`)).json.redirectUris).toBeUndefined();
  });

  it.each([
    [{ ...tool, name: ' ' }, 'name'],
    [{ ...tool, oidcUrl: '/login' }, 'oidcUrl'],
    [{ ...tool, oidcUrl: 'https://tool.example/login#x' }, 'oidcUrl'],
    [{ ...tool, jwksUrl: 'ftp://tool.example/jwks' }, 'jwksUrl'],
    [{ ...tool, redirectUris: 'https://tool.example/launch' }, 'redirectUris'],
    [{ ...tool, redirectUris: ['https://tool.example/launch', 'nope'] }, 'redirectUris.1'],
    [{ ...tool, redirectUris: ['https://tool.example/launch#frag'] }, 'redirectUris[0]'],
    [{ ...tool, redirectUris: ['https://tool.example/a', 'https://tool.example/a'] }, 'redirectUris[1]'],
    [{ ...tool, activated: 'yes' }, 'activated'],
    [{ ...tool, clientId: 'mine' }, 'clientId'],
    [{ ...tool, deploymentId: 'd1' }, 'deploymentId'],
    [{ ...tool, colour: 'blue' }, 'colour'],
    [{ name: 'x', jwksUrl: tool.jwksUrl }, 'oidcUrl'],
  ])('refuses %j naming %s, writing nothing', async (body, field) => {
    const before = (await admin().request('GET', tools())).json.tools.length;
    const answer = await admin().request('POST', tools(), body);
    await expectError(answer, { status: 400, code: 'invalid_request', field });
    expect(answer.json.message).toContain(field.replace(/[.[].*$/, ''));
    expect((await admin().request('GET', tools())).json.tools.length).toBe(before);
  });

  it('refuses to change the generated ids', async () => {
    const created = (await admin().request('POST', tools(), tool)).json;
    const answer = await admin().request('PATCH', `${tools()}/${created.id}`, { clientId: 'other' });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ field: 'clientId', message: 'clientId is generated by lti-bridge and cannot be set' });
  });

  it('keeps each tool in its environment', async () => {
    const created = (await admin().request('POST', tools(), tool)).json;
    expect((await admin().request('GET', `${tools('other')}/${created.id}`)).status).toBe(404);
    expect((await admin().request('PATCH', `${tools('other')}/${created.id}`, { name: 'x' })).status).toBe(404);
    expect((await admin().request('DELETE', `${tools('other')}/${created.id}`)).status).toBe(404);
    expect((await admin().request('GET', `${tools('nope')}/${created.id}`)).status).toBe(404);
    expect((await admin().request('GET', `${tools()}/${created.id}`)).status).toBe(200);
    expect((await admin().unsigned('GET', `${tools()}/${created.id}`)).status).toBe(403);
  });

  it('refuses to delete a tool that activities use (409 naming them), and deletes it once they are gone', async () => {
    const created = (await admin().request('POST', tools(), tool)).json;
    const activity = await admin().request('POST', '/admin/environments/plat/activities', {
      type: 'exam',
      title: 'Final quiz',
      minScore: 60,
      lti: { version: '1.3', toolId: created.id, resourceUrl: 'https://tool.example/quiz/1' },
    });
    expect(activity.status).toBe(201);
    const refused = await admin().request('DELETE', `${tools()}/${created.id}`);
    await expectError(refused, { status: 409, code: 'conflict' });
    expect(refused.json.activities).toEqual([activity.json.id]);
    expect(refused.json.message).toContain(`${activity.json.id} (Final quiz)`);
    expect((await admin().request('GET', `${tools()}/${created.id}`)).status).toBe(200);

    expect((await admin().request('DELETE', `/admin/environments/plat/activities/${activity.json.id}`)).status).toBe(204);
    expect((await admin().request('DELETE', `${tools()}/${created.id}`)).status).toBe(204);
    expect((await admin().request('GET', `${tools()}/${created.id}`)).status).toBe(404);
    expect((await admin().request('DELETE', `${tools()}/${created.id}`)).status).toBe(404);
  });
});

describe('tool URLs on an AWS deployment', () => {
  const stored: Tool[] = [];
  const deps: ToolDeps = {
    environments: {
      get: async (id) => ({ id, name: 'x', ltiEnabled: true, academyUrl: 'https://a.example', createdAt: '', updatedAt: '' }),
      put: async () => undefined,
    },
    tools: {
      get: async () => undefined,
      list: async () => stored,
      page: async () => ({ items: stored }),
      create: async (t) => void stored.push(t),
      replace: async () => undefined,
      delete: async () => false,
    },
    activities: {
      get: async () => undefined,
      list: async () => [],
      page: async () => ({ items: [] }),
      create: async () => undefined,
      replace: async () => undefined,
      delete: async () => false,
    },
    clock: { now: () => Date.parse('2030-01-01T00:00:00Z') },
    publicUrl: 'https://lti.example',
    localMode: false,
  };

  it.each([
    [{ ...tool, oidcUrl: 'http://tool.example/login' }, 'oidcUrl', 'oidcUrl must be an https:// URL'],
    [{ ...tool, redirectUris: ['http://tool.example/launch'] }, 'redirectUris[0]', 'redirectUris[0] must be an https:// URL'],
    [{ ...tool, jwksUrl: 'http://tool.example/jwks' }, 'jwksUrl', 'jwksUrl is not allowed: http: URLs are not allowed: use https://'],
    [{ ...tool, jwksUrl: 'https://127.0.0.1/jwks' }, 'jwksUrl', 'jwksUrl is not allowed: 127.0.0.1 is an internal address'],
  ])('refuses %j naming %s', async (body, field, message) => {
    await expect(createTool(deps, 'env', body)).rejects.toMatchObject({ status: 400, field, message });
    expect(stored).toHaveLength(0);
  });

  it('accepts https URLs', async () => {
    const created = await createTool(deps, 'env', tool);
    expect(created.oidcUrl).toBe(tool.oidcUrl);
    expect(stored).toEqual([created]);
  });
});
