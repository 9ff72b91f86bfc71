/**
 * Structured logs and metrics (issue 16), through the real local server with everything the
 * functions write to stdout and stderr captured: a refused launch logs one line with its stable code,
 * the parameter at fault and the request's correlation id, and writes the LaunchRefused metric (EMF)
 * the stack's alarm watches; and no line ever holds a secret, a token, a cookie, a signature or an
 * id_token, each kind checked on a flow that handles it.
 */
import { captureLogs, type CapturedLogs } from '../fixtures/log-capture';
import { startTestServer, type TestServer } from '../fixtures/local-server';
import { closeSigners, createLti12Activity, learnerParams, postLaunch, signLaunch, type Lti12Credentials } from '../fixtures/lti12-launch';
import { launchFromPlatform, lti, TestPlatform } from '../fixtures/lti13-platform';
import { jwtBearer, startTestTool, type TestTool } from '../fixtures/lti13-tool';

let server: TestServer;
let activity: Lti12Credentials & { id: string };
let platform: TestPlatform;
let tool: TestTool;
let resourceUrl: string;
const env = 'obs';
let captured: CapturedLogs;
/** Where this test's own output starts in what was captured. */
let from = 0;

beforeAll(async () => {
  server = await startTestServer();
  await server.admin.request('PUT', `/admin/environments/${env}`, {
    name: 'Obs',
    ltiEnabled: true,
    academyUrl: 'https://academy.example/sso',
  });
  activity = await createLti12Activity(server.admin, env, 'Course');
  resourceUrl = (await server.admin.request('GET', `/admin/environments/${env}/activities/${activity.id}`)).json.ltiAccess.lti13
    .resourceUrl;
  platform = await TestPlatform.start();
  platform.redirectUris = [`${server.baseUrl}/${env}/lti13/launch`];
  expect((await server.admin.request('POST', `/admin/environments/${env}/platforms`, platform.registration())).status).toBe(201);
  tool = await startTestTool();
  captured = captureLogs();
});
afterAll(async () => {
  captured.mockRestore();
  await closeSigners();
  await platform?.close();
  await tool?.close();
  await server?.close();
});
beforeEach(() => {
  from = captured.text().length;
});

/** Everything written since the test began, and its JSON lines. */
const everything = () => captured.text().slice(from);
const lines = () =>
  everything()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, any>);

it('a refused LTI 1.2 launch: one line with its code, field and correlation id, the metric, and neither signature nor secret', async () => {
  const signed = await signLaunch(activity, learnerParams(), { secret: 'not-the-secret-at-all' });
  const response = await postLaunch(signed);
  expect(response.status).toBe(401);
  const refused = lines().filter((line) => line.message === 'launch refused');
  expect(refused).toHaveLength(1);
  expect(refused[0]).toMatchObject({ level: 'WARN', code: 'unauthorized', field: 'oauth_signature', side: 'tool', service: 'lti-bridge' });
  expect(refused[0]!.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  const emf = lines().filter((line) => line._aws && line.LaunchRefused === 1);
  expect(emf.some((line) => line.code === 'unauthorized' && line.side === 'tool')).toBe(true);
  expect(emf.some((line) => line.code === undefined)).toBe(true);
  const signature = signed.pairs.find(([name]) => name === 'oauth_signature')![1];
  for (const secret of [signature, encodeURIComponent(signature), activity.secret, 'not-the-secret-at-all'])
    expect(everything()).not.toContain(secret);
});

it('a refused LTI 1.3 launch: the id_token and the state cookie are never logged', async () => {
  const run = await launchFromPlatform(platform, {
    loginUrl: `${server.baseUrl}/${env}/lti13/login`,
    targetLinkUri: resourceUrl,
    loginHint: `obs-${Date.now()}`,
    scenario: { claims: (claims) => ({ ...claims, [`${lti}deployment_id`]: 'not-registered' }) },
  });
  expect(run.launch!.status).toBe(401);
  expect(lines().some((line) => line.message === 'launch refused' && line.field === `${lti}deployment_id`)).toBe(true);
  const idToken = run.form!.fields.id_token!;
  for (const part of [idToken, ...idToken.split('.'), run.form!.fields.state!, ...run.cookies.map((cookie) => cookie.split('=')[1]!)]) {
    expect(everything()).not.toContain(part);
  }
});

it('the token endpoint: neither the client assertion nor the access token is logged', async () => {
  const created = await server.admin.request('POST', `/admin/environments/${env}/tools`, {
    name: 'Obs tool',
    oidcUrl: tool.oidcUrl,
    jwksUrl: tool.jwksUrl,
    redirectUris: [tool.redirectUri],
  });
  const { clientId, platformConfiguration } = created.json;
  const token = (assertion: string) =>
    fetch(platformConfiguration.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: jwtBearer,
        client_assertion: assertion,
        scope: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
      }).toString(),
    });
  const good = tool.clientAssertion(clientId, platformConfiguration.tokenUrl);
  const answer = await token(good);
  expect(answer.status).toBe(200);
  const accessToken = ((await answer.json()) as { access_token: string }).access_token;
  const replayed = await token(good);
  expect(replayed.status).toBe(401);
  for (const secret of [good, ...good.split('.'), accessToken]) expect(everything()).not.toContain(secret);
});

it('the admin API: sign-on codes, secrets and the admin signature are never logged', async () => {
  const issued = await server.admin.request('POST', `/admin/environments/${env}/activities/${activity.id}/lti12-credentials`, {
    name: 'LMS',
  });
  const exchange = await server.admin.request('POST', `/admin/environments/${env}/sso/exchange`, { code: 'a-code-that-was-never-issued' });
  expect(exchange.status).toBe(400);
  const refusedSignature = await server.admin
    .with({ credentials: { accessKeyId: 'AKIAOBSERVED', secretAccessKey: 'observed-secret' } })
    .request('GET', `/admin/environments/${env}`);
  expect(refusedSignature.status).toBe(403);
  for (const secret of [
    issued.json.secret,
    'a-code-that-was-never-issued',
    'observed-secret',
    server.admin.options.credentials.secretAccessKey,
  ]) {
    expect(everything()).not.toContain(secret);
  }
});
