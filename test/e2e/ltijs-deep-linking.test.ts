/**
 * Deep Linking interoperability with ltijs (npm 5.9.9), a tool nobody here wrote: academy A, as LTI
 * 1.3 platform, sends ltijs an `LtiDeepLinkingRequest` (`POST …/deep-links` → ltijs's login
 * initiation → A's authorization endpoint → the id_token posted to ltijs, which verifies it against
 * A's JWKS and calls its `onDeepLinking` handler); the handler answers with ltijs's DeepLinking
 * service (`createDeepLinkingForm`: a response JWT signed with ltijs's own key, in a form that posts
 * itself to `deep_link_return_url`); A verifies it against ltijs's key set and creates the external
 * activities. A learner then launches the activity ltijs returned, ltijs publishes a grade through
 * its Grade service, and it shows as the learner's progress at A.
 *
 * As in `./ltijs-interop.test.ts`: ltijs runs as a non-browser client over plain http, with
 * `devMode` and cookies that are neither `Secure` nor `SameSite`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from '../fixtures/local-server';
import { BrowserlessClient, readForm } from './browserless-client';

interface LtijsToken {
  readonly iss: string;
  readonly user: string;
  readonly platformContext: {
    readonly resource?: { readonly id: string };
    readonly targetLinkUri: string;
    readonly custom?: Record<string, string>;
    readonly deepLinkingSettings?: Record<string, unknown>;
    readonly roles?: string[];
  };
}
type LtijsResponse = { send(body: string): void; status(code: number): { send(body: string): void } };
interface LtijsProvider {
  setup(key: string, database: { plugin: unknown }, options: Record<string, unknown>): unknown;
  deploy(options: { serverless: boolean; silent: boolean }): Promise<unknown>;
  onConnect(callback: (token: LtijsToken, req: unknown, res: LtijsResponse) => unknown): void;
  onDeepLinking(callback: (token: LtijsToken, req: unknown, res: LtijsResponse) => unknown): void;
  registerPlatform(platform: Record<string, unknown>): Promise<unknown>;
  DeepLinking: { createDeepLinkingForm(token: LtijsToken, items: unknown[], options?: Record<string, unknown>): Promise<string> };
  Grade: { scorePublish(token: LtijsToken, score: Record<string, unknown>): Promise<{ success: unknown[]; failure: unknown[] }> };
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
const env = 'ltijs-dl';
const teacher = { id: 'grace', email: 'grace@example.com', givenName: 'Grace', familyName: 'Hopper' };
const learner = { id: 'ada', email: 'ada@example.com', givenName: 'Ada', familyName: 'Lovelace' };

/** What ltijs saw in its handlers. */
const deepLinkingRequests: LtijsToken[] = [];
const launches: { token: LtijsToken; published?: { success: unknown[]; failure: unknown[] }; error?: string }[] = [];

beforeAll(async () => {
  server = await startTestServer();
  lti.setup(
    randomBytes(32).toString('hex'),
    { plugin: new SequelizeDatabase('ltijs', '', '', { dialect: 'sqlite', storage: ':memory:', logging: false }) },
    { devMode: true, cookies: { secure: false, sameSite: '' } },
  );
  lti.onDeepLinking(async (token, _req, res) => {
    deepLinkingRequests.push(token);
    const items = [
      {
        type: 'ltiResourceLink',
        title: 'Chapter 5 exam',
        text: 'Twenty questions',
        // ltijs launches every link at its app route (and names it as its redirect URI): the item
        // tells its content apart by custom parameters.
        url: `${toolOrigin}/`,
        custom: { exam: '5' },
        lineItem: { scoreMaximum: 50, label: 'Chapter 5 exam', resourceId: 'exam-5' },
      },
      { type: 'link', url: 'https://example.com/not-offered' },
    ];
    // ltijs drops the items of types the request did not accept (it accepts ltiResourceLink only).
    res.send(await lti.DeepLinking.createDeepLinkingForm(token, items, { message: 'Added from ltijs' }));
  });
  lti.onConnect(async (token, _req, res) => {
    const launch: (typeof launches)[number] = { token };
    launches.push(launch);
    try {
      launch.published = await lti.Grade.scorePublish(token, {
        scoreGiven: 40,
        scoreMaximum: 50,
        activityProgress: 'Completed',
        gradingProgress: 'FullyGraded',
      });
      res.send('graded');
    } catch (error) {
      launch.error = String((error as Error).message);
      res.status(500).send('grading failed');
    }
  });
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

it('asks ltijs for content through its DeepLinking service, creates what it returns, and takes the grade of a launch of it', async () => {
  await server.admin.request('PUT', `/admin/environments/${env}`, {
    name: 'Interop academy',
    ltiEnabled: true,
    academyUrl: 'https://academy.example/sso',
  });
  for (const user of [teacher, learner]) {
    await admin('PUT', `/users/${user.id}`, { email: user.email, givenName: user.givenName, familyName: user.familyName }, 201);
  }
  // ltijs takes every message at its app route, which is also its redirect URI: the deep linking
  // request goes there (the tool's first redirect URI; no deepLinkingUrl needed).
  const tool = await admin(
    'POST',
    '/tools',
    { name: 'ltijs', oidcUrl: `${toolOrigin}/login`, jwksUrl: `${toolOrigin}/keys`, redirectUris: [`${toolOrigin}/`], activated: true },
    201,
  );
  const platform = tool.platformConfiguration;
  await lti.registerPlatform({
    url: platform.issuer,
    name: 'lti-bridge',
    clientId: tool.clientId,
    authenticationEndpoint: platform.authorizationUrl,
    accesstokenEndpoint: platform.tokenUrl,
    authConfig: { method: 'JWK_SET', key: platform.jwksUrl },
  });

  // The deep linking request, as the teacher's browser carries it.
  const { id, launchUrl } = await admin(
    'POST',
    '/deep-links',
    { toolId: tool.id, userId: teacher.id, activityType: 'exam', minScore: 60 },
    201,
  );
  const browser = new BrowserlessClient();
  const authorized = await browser.navigate('GET', launchUrl);
  const idTokenPost = readForm(await authorized.response.text(), authorized.url);
  expect(idTokenPost.action).toBe(`${toolOrigin}/`);
  const answered = await browser.navigate('POST', idTokenPost.action, idTokenPost.fields);
  expect(answered.response.status).toBe(200);
  expect(deepLinkingRequests).toHaveLength(1);
  expect(deepLinkingRequests[0]!.platformContext.deepLinkingSettings).toMatchObject({
    deep_link_return_url: `${server.baseUrl}/${env}/lti13/deep-linking/return`,
    accept_types: ['ltiResourceLink'],
    accept_multiple: true,
  });

  // ltijs's auto-submitting form posts its signed response to the academy.
  const responsePost = readForm(await answered.response.text(), answered.url);
  expect(responsePost.action).toBe(`${server.baseUrl}/${env}/lti13/deep-linking/return`);
  expect(Object.keys(responsePost.fields)).toEqual(['JWT']);
  const added = await browser.navigate('POST', responsePost.action, responsePost.fields);
  const page = await added.response.text();
  expect([added.response.status, page.includes('<li>Chapter 5 exam</li>'), page.includes('Added from ltijs')]).toEqual([200, true, true]);

  const deepLink = await admin('GET', `/deep-links/${id}`);
  expect(deepLink).toMatchObject({ state: 'completed', activityIds: [expect.any(String)] });
  const [examId] = deepLink.activityIds;
  expect(await admin('GET', `/activities/${examId}`)).toMatchObject({
    type: 'exam',
    minScore: 60,
    title: 'Chapter 5 exam',
    description: 'Twenty questions',
    lti: {
      version: '1.3',
      toolId: tool.id,
      resourceUrl: `${toolOrigin}/`,
      customParameters: { exam: '5' },
      lineItem: { label: 'Chapter 5 exam', scoreMaximum: 50, resourceId: 'exam-5' },
    },
  });

  // The same response again creates nothing.
  const again = await browser.request('POST', responsePost.action, responsePost.fields);
  expect(again.status).toBe(409);
  expect((await admin('GET', '/activities')).activities).toHaveLength(1);

  // A learner launches what ltijs returned; ltijs grades 40 of 50 through its Grade service.
  const { launchUrl: learnerLaunch } = await admin('POST', '/launches', { activityId: examId, userId: learner.id }, 201);
  const learnerBrowser = new BrowserlessClient();
  const login = await learnerBrowser.navigate('GET', learnerLaunch);
  const launch = readForm(await login.response.text(), login.url);
  const landed = await learnerBrowser.navigate('POST', launch.action, launch.fields);
  expect(launches.at(-1)?.error).toBeUndefined();
  expect([landed.response.status, await landed.response.text()]).toEqual([200, 'graded']);
  expect(launches.at(-1)!.token.platformContext).toMatchObject({ targetLinkUri: `${toolOrigin}/`, custom: { exam: '5' } });
  expect(launches.at(-1)?.published).toEqual({ success: [expect.anything()], failure: [] });
  expect(await admin('GET', `/activities/${examId}/progress/${learner.id}`)).toMatchObject({ status: 'passed', score: 80 });
}, 60_000);
