/**
 * Every admin collection pages with `limit` and `cursor` (issue 16: "Lists page … never a table
 * scan"), through the real local server: pages in id order, none repeated or skipped while records
 * are added between pages, users listed without a filter, a bad limit or cursor named, and only
 * Queries sent to DynamoDB.
 */
import { startTestServer, type TestServer } from '../../fixtures/local-server';

let server: TestServer;
const env = 'lists';
let commands: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  await server.admin.request('PUT', `/admin/environments/${env}`, {
    name: 'Lists',
    ltiEnabled: true,
    academyUrl: 'https://academy.example/sso',
  });
  server.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
});
afterAll(async () => server?.close());

/** Every page of a list, following `next`, with what was sent to DynamoDB. */
async function allPages(path: string, name: string, limit: number, between?: (page: number) => Promise<void>) {
  const pages: string[][] = [];
  let cursor: string | undefined;
  commands = [];
  do {
    const answer = await server.admin.request('GET', `${path}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(answer.status).toBe(200);
    const ids = (answer.json[name] as { id: string }[]).map((item) => item.id);
    expect(ids.length).toBeLessThanOrEqual(limit);
    pages.push(ids);
    cursor = answer.json.next;
    await between?.(pages.length);
  } while (cursor);
  return { pages, ids: pages.flat(), commands: [...commands] };
}

it('pages activities in id order, never repeating or skipping one while others are added', async () => {
  const create = async () =>
    (await server.admin.request('POST', `/admin/environments/${env}/activities`, { type: 'e-learning', title: 'A' })).json.id as string;
  const before: string[] = [];
  for (let i = 0; i < 7; i++) before.push(await create());
  const added: string[] = [];
  const {
    pages,
    ids,
    commands: sent,
  } = await allPages(`/admin/environments/${env}/activities`, 'activities', 3, async () => {
    added.push(await create());
  });
  expect(pages[0]).toHaveLength(3);
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of before) expect(ids).toContain(id);
  expect([...ids].sort()).toEqual(ids);
  expect(sent).not.toContain('ScanCommand');
  expect(sent).toContain('QueryCommand');
});

it('lists users without a filter, a page at a time from the users index', async () => {
  const ids = ['u-list-a', 'u-list-b', 'u-list-c', 'u-list-d', 'u-list-e'];
  for (const id of ids) {
    const put = await server.admin.request('PUT', `/admin/environments/${env}/users/${id}`, {
      email: `${id}@school.edu`,
      givenName: 'A',
      familyName: 'B',
    });
    expect(put.status).toBe(201);
  }
  const listed = await allPages(`/admin/environments/${env}/users`, 'users', 2);
  expect(listed.pages.map((page) => page.length)).toEqual([2, 2, 1]);
  expect(listed.ids).toEqual(ids);
  expect(listed.commands.filter((command) => command !== 'GetItemCommand')).toEqual(['QueryCommand', 'QueryCommand', 'QueryCommand']);
  // The email filter still answers the one user.
  expect((await server.admin.request('GET', `/admin/environments/${env}/users?email=U-LIST-C@school.edu`)).json.id).toBe('u-list-c');
});

it('pages platforms and tools too', async () => {
  for (let i = 0; i < 3; i++) {
    await server.admin.request('POST', `/admin/environments/${env}/tools`, {
      name: `Tool ${i}`,
      oidcUrl: 'https://tool.example/login',
      jwksUrl: 'https://tool.example/jwks',
    });
    await server.admin.request('POST', `/admin/environments/${env}/platforms`, {
      name: `LMS ${i}`,
      issuer: 'https://lms.example',
      clientId: `client-${i}`,
      authUrl: 'https://lms.example/auth',
      tokenUrl: 'https://lms.example/token',
      jwksUrl: 'https://lms.example/jwks',
    });
  }
  expect((await allPages(`/admin/environments/${env}/tools`, 'tools', 2)).ids).toHaveLength(3);
  const platforms = await allPages(`/admin/environments/${env}/platforms`, 'platforms', 2);
  expect(platforms.pages.map((page) => page.length)).toEqual([2, 1]);
});

it.each([
  ['limit=0', 'limit'],
  ['limit=201', 'limit'],
  ['limit=ten', 'limit'],
  ['cursor=ACT%23x', 'cursor'],
  [`cursor=${'x'.repeat(65)}`, 'cursor'],
])('refuses ?%s naming %s', async (query, field) => {
  const answer = await server.admin.request('GET', `/admin/environments/${env}/activities?${query}`);
  expect(answer.status).toBe(400);
  expect(answer.json).toMatchObject({ error: 'invalid_request', field });
});
