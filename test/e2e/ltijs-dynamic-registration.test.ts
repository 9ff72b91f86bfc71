/**
 * Dynamic Registration interoperability with ltijs (npm 5.9.9), a tool nobody here wrote: the
 * academy, as LTI 1.3 platform, hands its admin a one-time URL (`POST …/tool-registrations`) that
 * opens ltijs's registration route (`lti.setup(…, {dynReg})`, `/register`) with
 * `openid_configuration` and `registration_token`; ltijs's `DynamicRegistration` service reads the
 * academy's OpenID configuration, posts its client registration with the token, stores the academy
 * as a platform and answers the page that posts
 * `org.imsglobal.lti.close`. The tool the academy created is inactive: its launch is refused until
 * the admin activates it; then a learner's resource link launch reaches ltijs's `onConnect`, where
 * ltijs publishes a grade through its Grade service, and the grade is the learner's progress.
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
  readonly platformContext: { readonly targetLinkUri: string; readonly resource?: { readonly id: string } };
}
type LtijsResponse = { send(body: string): void; status(code: number): { send(body: string): void } };
interface LtijsPlatform {
  platformAccessTokenEndpoint(): Promise<string>;
  platformClientId(): Promise<string>;
}
interface LtijsProvider {
  setup(key: string, database: { plugin: unknown }, options: Record<string, unknown>): unknown;
  deploy(options: { serverless: boolean; silent: boolean }): Promise<unknown>;
  onConnect(callback: (token: LtijsToken, req: unknown, res: LtijsResponse) => unknown): void;
  getAllPlatforms(): Promise<LtijsPlatform[]>;
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
const env = 'ltijs-dr';
const learner = { id: 'ada', email: 'ada@example.com', givenName: 'Ada', familyName: 'Lovelace' };
const launches: { token: LtijsToken; published?: { success: unknown[]; failure: unknown[] }; error?: string }[] = [];

beforeAll(async () => {
  server = await startTestServer();
  // ltijs needs its own URL at setup (it registers its routes under it): listen first, serve after.
  ltijs = createServer();
  await new Promise<void>((resolve) => ltijs.listen(0, '127.0.0.1', resolve));
  toolOrigin = `http://127.0.0.1:${(ltijs.address() as AddressInfo).port}`;
  lti.setup(
    randomBytes(32).toString('hex'),
    { plugin: new SequelizeDatabase('ltijs', '', '', { dialect: 'sqlite', storage: ':memory:', logging: false }) },
    {
      devMode: true,
      cookies: { secure: false, sameSite: '' },
      // ltijs's own activation of the platforms it registers; the academy keeps the tool inactive anyway.
      dynReg: { url: toolOrigin, name: 'ltijs grader', description: 'Grades from ltijs', autoActivate: true },
    },
  );
  lti.onConnect(async (token, _req, res) => {
    const launch: (typeof launches)[number] = { token };
    launches.push(launch);
    try {
      launch.published = await lti.Grade.scorePublish(token, {
        scoreGiven: 80,
        scoreMaximum: 100,
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
  ltijs.on('request', lti.app!);
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

it('ltijs registers itself with the academy, and once the admin activates it, a launch reaches its onConnect and its grade comes back', async () => {
  await server.admin.request('PUT', `/admin/environments/${env}`, {
    name: 'Interop academy',
    ltiEnabled: true,
    academyUrl: 'https://academy.example/sso',
  });
  await admin('PUT', `/users/${learner.id}`, { email: learner.email, givenName: learner.givenName, familyName: learner.familyName }, 201);

  // The admin's browser opens the one-time URL: the academy sends it on to ltijs's registration
  // route, ltijs registers with the token and answers its close page.
  const { launchUrl } = await admin('POST', '/tool-registrations', { registrationUrl: `${toolOrigin}/register` }, 201);
  const adminBrowser = new BrowserlessClient();
  const registered = await adminBrowser.navigate('GET', launchUrl);
  const page = await registered.response.text();
  expect([registered.response.status, page]).toEqual([200, expect.stringContaining('org.imsglobal.lti.close')]);
  expect(adminBrowser.visited).toEqual([`GET ${launchUrl}`, `GET ${toolOrigin}/register`]);

  // The academy has an inactive tool, as ltijs asked for it; ltijs has the academy as a platform.
  const { tools } = await admin('GET', '/tools');
  expect(tools).toHaveLength(1);
  const [tool] = tools;
  expect(tool).toMatchObject({
    name: 'ltijs grader',
    activated: false,
    oidcUrl: `${toolOrigin}/login`,
    jwksUrl: `${toolOrigin}/keys`,
    redirectUris: [toolOrigin],
    targetLinkUri: toolOrigin,
    scopes: [
      'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
      'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
      'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
      'https://purl.imsglobal.org/spec/lti-ags/scope/score',
      'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
    ],
    messages: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest' }],
  });
  const [platform] = await lti.getAllPlatforms();
  expect(await platform!.platformClientId()).toBe(tool.clientId);
  // ltijs reads the configuration's authorization_server, but ltijs-sequelize has no column for it:
  // the stored platform falls back to the token URL as the client assertion's aud.
  expect(await platform!.platformAccessTokenEndpoint()).toBe(`${server.baseUrl}/${env}/lti13/token`);

  // An activity of the tool, at the launch URL it registered, for a learner: refused while inactive.
  const activity = await admin(
    'POST',
    '/activities',
    { type: 'exam', title: 'ltijs quiz', minScore: 60, lti: { version: '1.3', toolId: tool.id, resourceUrl: tool.targetLinkUri } },
    201,
  );
  const refused = await new BrowserlessClient().navigate(
    'GET',
    (await admin('POST', '/launches', { activityId: activity.id, userId: learner.id }, 201)).launchUrl,
  );
  expect(refused.response.status).toBe(403);
  expect(await refused.response.text()).toContain('deactivated');
  expect(launches).toHaveLength(0);

  // The admin activates it: the launch reaches ltijs, which grades 80 of 100 over AGS (the default line item's maximum).
  await admin('PATCH', `/tools/${tool.id}`, { activated: true });
  const learnerBrowser = new BrowserlessClient();
  const login = await learnerBrowser.navigate(
    'GET',
    (await admin('POST', '/launches', { activityId: activity.id, userId: learner.id }, 201)).launchUrl,
  );
  const launch = readForm(await login.response.text(), login.url);
  expect(new URL(launch.action).origin).toBe(toolOrigin);
  const landed = await learnerBrowser.navigate('POST', launch.action, launch.fields);
  expect(launches.at(-1)?.error).toBeUndefined();
  expect([landed.response.status, await landed.response.text()]).toEqual([200, 'graded']);
  expect(launches.at(-1)!.token).toMatchObject({ iss: `${server.baseUrl}/${env}`, user: learner.id });
  expect(launches.at(-1)?.published).toEqual({ success: [expect.anything()], failure: [] });
  expect(await admin('GET', `/activities/${activity.id}/progress/${learner.id}`)).toMatchObject({ status: 'passed', score: 80 });
}, 60_000);
