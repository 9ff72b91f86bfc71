/**
 * docs/product.md "Concepts" (environment `ltiEnabled`, the feature switch): every public LTI URL of
 * an environment whose LTI is switched off answers 403 before any other check, whatever the
 * request carries, so that nothing about the environment's activities, tools, tickets or users is
 * told to anyone while LTI is off. The routes come from the route table itself, so a public LTI
 * route added later is held to the same rule.
 */
import { routes, type Route } from '../../../functions/routes';
import { startTestServer, type TestServer } from '../../fixtures/local-server';

let server: TestServer;
const academyUrl = 'https://academy.example/sso';

/** Public routes of an environment: every LTI URL an LMS, a tool or a browser reaches. */
const ltiRoutes = routes.filter((route) => route.auth === 'public' && route.path.startsWith('/{env}/'));

/** The route's URL in `env`, every other path parameter filled with a value nothing has. */
function url(route: Route, env: string): string {
  return `${server.baseUrl}${route.path.replace('{env}', env).replace(/\{[^}]+\}/g, 'nothing-here')}`;
}

/** The request with no credentials, no state, no cookie: only what any client could send. */
async function send(route: Route, env: string): Promise<Response> {
  const init: RequestInit = { method: route.method, redirect: 'manual' };
  if (route.method === 'POST' || route.method === 'PUT') {
    init.headers = { 'content-type': 'application/x-www-form-urlencoded' };
    init.body = 'state=forged&id_token=forged&grant_type=client_credentials';
  }
  return fetch(url(route, env), init);
}

beforeAll(async () => {
  server = await startTestServer();
  expect((await server.admin.request('PUT', '/admin/environments/on', { name: 'On', ltiEnabled: true, academyUrl })).status).toBe(201);
  expect((await server.admin.request('PUT', '/admin/environments/off', { name: 'Off', ltiEnabled: false, academyUrl })).status).toBe(201);
});

afterAll(async () => {
  await server?.close();
});

it('covers every public LTI route of the route table', () => {
  expect(ltiRoutes.length).toBeGreaterThanOrEqual(16);
});

describe.each(ltiRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))('%s', (_name, route) => {
  it('answers 403 first when LTI is off in the environment, and says so', async () => {
    const response = await send(route, 'off');
    expect(response.status).toBe(403);
    // In each endpoint's own format: the launch page, AGS JSON, OAuth JSON (unauthorized_client), POX.
    expect(await response.text()).toContain('LTI is not enabled in this environment');
  });

  it('answers something else when LTI is on (the same request fails a later check)', async () => {
    const response = await send(route, 'on');
    expect(response.status).not.toBe(403);
  });
});
