/**
 * Interoperability with ltijs (npm 5.9.9), an LTI 1.3 tool nobody here wrote, on an in-memory SQLite
 * database through its sequelize plugin. The academy launches an exam hosted by ltijs (launch
 * ticket → OIDC login initiation → ltijs's authentication request → the academy's authorization
 * endpoint → the id_token posted to ltijs, which verifies it against the academy's JWKS); in its
 * launch handler ltijs publishes a grade through its Grade service (a client assertion for an
 * access token from the academy's token endpoint, the line items of the resource link, a score),
 * and the grade shows as the learner's progress. Its NamesAndRoles service reads the activity's
 * memberships (NRPS 2.0) with the same kind of access token, following every `next` page.
 *
 * ltijs runs here as a non-browser client over plain http, so it needs `devMode` and cookies that
 * are neither `Secure` nor `SameSite` (DEPENDENCIES.md); `tokenMaxAge` stays at its 10 s default.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from '../fixtures/local-server';
import { BrowserlessClient, readForm } from './browserless-client';

interface LtijsToken {
  readonly iss: string;
  readonly user: string;
  readonly userInfo: { readonly given_name?: string; readonly family_name?: string; readonly email?: string };
  readonly platformContext: {
    readonly resource: { readonly id: string };
    readonly endpoint: { readonly lineitem?: string; readonly lineitems?: string; readonly scope: string[] };
    readonly namesRoles?: { readonly context_memberships_url: string; readonly service_versions: string[] };
    readonly custom?: Record<string, string>;
  };
}
interface LtijsMembers {
  readonly id: string;
  readonly context: { readonly id: string; readonly title?: string };
  readonly members: { readonly user_id: string; readonly status?: string; readonly email?: string; readonly roles: string[] }[];
  readonly next?: string;
}
interface LtijsProvider {
  setup(key: string, database: { plugin: unknown }, options: Record<string, unknown>): unknown;
  deploy(options: { serverless: boolean; silent: boolean }): Promise<unknown>;
  onConnect(
    callback: (
      token: LtijsToken,
      req: unknown,
      res: { send(body: string): void; status(code: number): { send(body: string): void } },
    ) => unknown,
  ): void;
  registerPlatform(platform: Record<string, unknown>): Promise<unknown>;
  Grade: { scorePublish(token: LtijsToken, score: Record<string, unknown>): Promise<{ success: unknown[]; failure: unknown[] }> };
  NamesAndRoles: { getMembers(token: LtijsToken, options?: Record<string, unknown>): Promise<LtijsMembers> };
  Database: { Close(): Promise<unknown> };
  app: Parameters<typeof createServer>[1];
}

// ltijs exports one provider instance; jest gives this file its own module registry.
const lti = (require('ltijs') as { Provider: LtijsProvider }).Provider;
const SequelizeDatabase = require('ltijs-sequelize') as new (
  db: string,
  user: string,
  pass: string,
  options: Record<string, unknown>,
) => unknown;

let server: TestServer;
let ltijs: Server;
let toolOrigin: string;
const env = 'interop';
const learner = { id: 'learner-1', email: 'ada@example.com', givenName: 'Ada', familyName: 'Lovelace' };

/** What ltijs saw and did in its launch handler. */
const launches: {
  token: LtijsToken;
  published?: { success: unknown[]; failure: unknown[] };
  members?: LtijsMembers;
  error?: string;
}[] = [];
let nextScore = 0;
/** When set, the launch handler also reads the memberships with these options of ltijs's NamesAndRoles. */
let membersOptions: Record<string, unknown> | undefined;

beforeAll(async () => {
  server = await startTestServer();

  lti.setup(
    randomBytes(32).toString('hex'),
    { plugin: new SequelizeDatabase('ltijs', '', '', { dialect: 'sqlite', storage: ':memory:', logging: false }) },
    { devMode: true, cookies: { secure: false, sameSite: '' } },
  );
  lti.onConnect(async (token, _req, res) => {
    const launch: (typeof launches)[number] = { token };
    launches.push(launch);
    try {
      launch.published = await lti.Grade.scorePublish(token, {
        scoreGiven: nextScore,
        scoreMaximum: 100,
        activityProgress: 'Completed',
        gradingProgress: 'FullyGraded',
      });
      if (membersOptions) launch.members = await lti.NamesAndRoles.getMembers(token, membersOptions);
      res.send('graded');
    } catch (error) {
      launch.error = String((error as Error).message);
      res.status(500).send('grading failed');
    }
  });
  // ltijs-sequelize's migrations log each step with console.info.
  const info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
  await lti.deploy({ serverless: true, silent: true }).finally(() => info.mockRestore());
  ltijs = createServer(lti.app);
  await new Promise<void>((resolve) => ltijs.listen(0, '127.0.0.1', resolve));
  toolOrigin = `http://127.0.0.1:${(ltijs.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (ltijs ? ltijs.close(() => resolve()) : resolve()));
  await lti.Database?.Close().catch(() => undefined);
  await server?.close();
});

async function admin(method: string, path: string, body?: unknown, expected = 200) {
  const answer = await server.admin.request(method, `/admin/environments/${env}${path}`, body);
  if (answer.status !== expected) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  return answer.json;
}

/** The admin API's progress view when it exists, else the progress store (same process). */
async function progressOf(activityId: string, userId: string): Promise<{ status: string; score?: number } | undefined> {
  const answer = await server.admin.request('GET', `/admin/environments/${env}/activities/${activityId}/progress/${userId}`);
  if (answer.status === 200) return answer.json;
  return server.runtime.progress.get(env, activityId, userId);
}

describe('ltijs as the LTI 1.3 tool of an academy exam', () => {
  let activityId: string;

  beforeAll(async () => {
    await server.admin.request('PUT', `/admin/environments/${env}`, {
      name: 'Interop academy',
      ltiEnabled: true,
      academyUrl: 'https://academy.example/sso',
    });
    await admin('PUT', `/users/${learner.id}`, { email: learner.email, givenName: learner.givenName, familyName: learner.familyName }, 201);
    const tool = await admin(
      'POST',
      '/tools',
      // ltijs sends the login's target_link_uri as its redirect_uri: its app route, the activity's resource URL.
      { name: 'ltijs', oidcUrl: `${toolOrigin}/login`, jwksUrl: `${toolOrigin}/keys`, redirectUris: [`${toolOrigin}/`], activated: true },
      201,
    );
    const exam = await admin(
      'POST',
      '/activities',
      {
        type: 'exam',
        title: 'Interop exam',
        minScore: 60,
        lti: { version: '1.3', toolId: tool.id, resourceUrl: `${toolOrigin}/`, customParameters: { chapter: '5' } },
      },
      201,
    );
    activityId = exam.id;
    const platform = tool.platformConfiguration;
    await lti.registerPlatform({
      url: platform.issuer,
      name: 'lti-bridge',
      clientId: tool.clientId,
      authenticationEndpoint: platform.authorizationUrl,
      accesstokenEndpoint: platform.tokenUrl,
      authConfig: { method: 'JWK_SET', key: platform.jwksUrl },
    });
  });

  /** One launch of the learner, as a browser would make it; answers ltijs's page. */
  async function launch(): Promise<{ status: number; body: string; visited: string[] }> {
    const { launchUrl } = await admin('POST', '/launches', { activityId, userId: learner.id }, 201);
    const browser = new BrowserlessClient();
    const login = await browser.navigate('GET', launchUrl);
    expect(login.response.status).toBe(200);
    expect(login.url.startsWith(`${server.baseUrl}/${env}/lti13/authorize?`)).toBe(true);
    const form = readForm(await login.response.text(), login.url);
    expect(form.action).toBe(`${toolOrigin}/`);
    expect(Object.keys(form.fields).sort()).toEqual(['id_token', 'state']);
    const landed = await browser.navigate('POST', form.action, form.fields);
    return { status: landed.response.status, body: await landed.response.text(), visited: browser.visited };
  }

  it('launches ltijs, which verifies the id_token and sees the learner, the link, the custom parameters and the AGS claim', async () => {
    nextScore = 59;
    const page = await launch();
    expect(page.visited).toEqual([
      expect.stringMatching(new RegExp(`^GET ${server.baseUrl}/${env}/launch/`)),
      `GET ${toolOrigin}/login`,
      `GET ${server.baseUrl}/${env}/lti13/authorize`,
      `POST ${toolOrigin}/`,
      // ltijs answers the launch with a redirect to its app route, carrying its own launch key.
      `GET ${toolOrigin}/`,
    ]);
    expect(launches.at(-1)?.error).toBeUndefined();
    expect([page.status, page.body]).toEqual([200, 'graded']);

    const { token } = launches.at(-1)!;
    expect(token.iss).toBe(`${server.baseUrl}/${env}`);
    expect(token.user).toBe(learner.id);
    expect(token.userInfo).toMatchObject({ given_name: 'Ada', family_name: 'Lovelace', email: learner.email });
    expect(token.platformContext.resource.id).toBe(activityId);
    expect(token.platformContext.custom).toMatchObject({ chapter: '5' });
    expect(token.platformContext.endpoint).toMatchObject({
      lineitems: `${server.baseUrl}/${env}/lti13/ags/${activityId}/lineitems`,
      lineitem: `${server.baseUrl}/${env}/lti13/ags/${activityId}/lineitems/default`,
    });

    // ltijs published 59 through its Grade service (minScore 60).
    expect(launches.at(-1)?.published).toEqual({ success: [expect.anything()], failure: [] });
    expect(await progressOf(activityId, learner.id)).toMatchObject({ status: 'failed', score: 59 });
  });

  it("posts a grade at minScore through ltijs's Grade service: the learner's progress is passed", async () => {
    nextScore = 60;
    const page = await launch();
    expect([page.status, page.body]).toEqual([200, 'graded']);
    expect(launches.at(-1)?.published).toEqual({ success: [expect.anything()], failure: [] });
    expect(await progressOf(activityId, learner.id)).toMatchObject({ status: 'passed', score: 60 });

    const results = await server.runtime.ags.listResults(env, activityId, 'default', { limit: 10 });
    expect(results.items).toEqual([
      expect.objectContaining({ userId: learner.id, scoreGiven: 60, scoreMaximum: 100, gradingProgress: 'FullyGraded' }),
    ]);
  });

  it("reads the activity's memberships through ltijs's NamesAndRoles, page by page, with the sub it saw at launch", async () => {
    // A second learner enrolled as a launch enrols (the authorization endpoint's record), so that there are two pages.
    await admin('PUT', '/users/learner-2', { email: 'grace@example.com', givenName: 'Grace', familyName: 'Hopper' }, 201);
    const tools = await admin('GET', '/tools');
    await server.runtime.platform.recordLaunchedLearner(
      { environmentId: env, activityId, userId: 'learner-2', toolId: tools.tools[0].id },
      Date.now(),
    );
    membersOptions = { limit: 1, pages: false };
    try {
      const page = await launch();
      expect(launches.at(-1)?.error).toBeUndefined();
      expect([page.status, page.body]).toEqual([200, 'graded']);
    } finally {
      membersOptions = undefined;
    }
    const { token, members } = launches.at(-1)!;
    expect(token.platformContext.namesRoles).toEqual({
      context_memberships_url: `${server.baseUrl}/${env}/lti13/nrps/${activityId}/memberships`,
      service_versions: ['2.0'],
    });
    expect(members?.context).toMatchObject({ id: activityId, title: 'Interop exam' });
    expect(members?.members).toEqual([
      expect.objectContaining({ user_id: token.user, status: 'Active', email: learner.email, roles: [expect.stringMatching(/#Learner$/)] }),
      expect.objectContaining({ user_id: 'learner-2', email: 'grace@example.com' }),
    ]);
    expect(members?.next).toBeUndefined();
  });
});
