/**
 * The self-loop with LTI Platform Storage on both sides, in a real Chromium with a new profile's
 * defaults (third-party cookies blocked, no flag): academy A, as platform, launches its learner into
 * academy B, its tool registered with `platformStorage`; A's launch page holds B in a cross-site
 * iframe (A on `127.0.0.1`, B on `localhost`), sends `lti_storage_target=_parent` and answers B's
 * storage messages; B keeps its login's proof and nonce there instead of a cookie; the score B
 * records comes back to A over AGS. No request to B carries a cookie and B sets none.
 *
 * A's storage is then asked directly from frames: from B's registered origin it answers every
 * subject as lti-cs-pm says (errors `bad_request`, `unsupported_subject`, `storage_exhaustion`), and
 * from another origin it answers nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Frame, Page } from 'playwright-core';
import { launchChromium } from '../fixtures/chromium';
import { startTestServer, type TestServer } from '../fixtures/local-server';

let server: TestServer;
let academy: Server;
let academyUrl: string;
let browser: Browser;
const A = 'storage-a';
const B = 'storage-b';
const learner = { id: 'grace', email: 'grace@example.com', givenName: 'Grace', familyName: 'Hopper' };
const onSiteA = (url: string) => url.replace('//localhost:', '//127.0.0.1:');

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  const answer = await server.admin.request(method, `/admin/environments${path}`, body);
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  return answer.json;
}

beforeAll(async () => {
  server = await startTestServer();
  // B's academy page: any page will do; the test trades the code itself.
  academy = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Academy B</title>'));
  await new Promise<void>((resolve) => academy.listen(0, '127.0.0.1', resolve));
  academyUrl = `http://localhost:${(academy.address() as AddressInfo).port}/academy`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (academy ? academy.close(() => resolve()) : resolve()));
  await server?.close();
});

async function frameAt(page: Page, prefix: string): Promise<Frame> {
  const deadline = Date.now() + 40_000;
  for (;;) {
    const frame = page.frames().find((f) => f.url().startsWith(prefix));
    if (frame) return frame;
    if (Date.now() > deadline) {
      // Each frame's text (a refusal, say), without waiting on a frame that is still navigating.
      const text = (f: Frame) =>
        Promise.race([
          f.evaluate('document.body && document.body.innerText').catch(String),
          new Promise((r) => setTimeout(() => r('(busy)'), 1000)),
        ]);
      const texts = await Promise.all(page.frames().map(text));
      throw new Error(`no frame reached ${prefix}; frames: ${page.frames().map((f) => f.url())}: ${JSON.stringify(texts)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Posts each message to the frame's parent and answers what came back within half a second. */
function askParent(frame: Frame, messages: unknown[]): Promise<{ origin: string; data: any }[]> {
  // A string: the test's TypeScript has no DOM types.
  return frame.evaluate(`(async () => {
    const answers = [];
    addEventListener('message', (event) => answers.push({ origin: event.origin, data: event.data }));
    for (const message of ${JSON.stringify(messages)}) parent.postMessage(message, '*');
    await new Promise((resolve) => setTimeout(resolve, 500));
    return answers;
  })()`);
}

let page: Page;

it("A launches its learner into B in a cross-site iframe with B's login kept in A's storage; B's score comes back to A", async () => {
  await admin('PUT', `/${B}`, { name: 'Academy B', ltiEnabled: true, academyUrl });
  const course = await admin('POST', `/${B}/activities`, { type: 'e-learning', title: 'Compilers', availableForLti: true });
  await admin('PUT', `/${A}`, { name: 'Academy A', ltiEnabled: true, academyUrl: 'https://academy-a.example/home' });
  const tool = await admin('POST', `/${A}/tools`, {
    name: 'Academy B',
    oidcUrl: `${server.baseUrl}/${B}/lti13/login`,
    jwksUrl: `${server.baseUrl}/.well-known/jwks.json`,
    redirectUris: [`${server.baseUrl}/${B}/lti13/launch`],
    platformStorage: true,
  });
  expect(tool.platformStorage).toBe(true);
  const platform = tool.platformConfiguration;
  await admin('POST', `/${B}/platforms`, {
    name: 'Academy A',
    issuer: platform.issuer,
    clientId: tool.clientId,
    deploymentId: tool.deploymentId,
    authUrl: onSiteA(platform.authorizationUrl),
    tokenUrl: platform.tokenUrl,
    jwksUrl: platform.jwksUrl,
  });
  const external = await admin('POST', `/${A}/activities`, {
    type: 'e-learning',
    title: 'Compilers (from Academy B)',
    lti: { version: '1.3', toolId: tool.id, resourceUrl: course.ltiAccess.lti13.resourceUrl },
  });
  await admin('PUT', `/${A}/users/${learner.id}`, { email: learner.email, givenName: learner.givenName, familyName: learner.familyName });
  const { launchUrl } = await admin('POST', `/${A}/launches`, { activityId: external.id, userId: learner.id });

  const context = await browser.newContext();
  page = await context.newPage();
  const hops: string[] = [];
  const cookiesToB: string[] = [];
  const cookiesFromB: string[] = [];
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (request.isNavigationRequest()) hops.push(`${request.method()} ${url.origin}${url.pathname}`);
    if (url.origin === server.baseUrl) void request.allHeaders().then((h) => h.cookie && cookiesToB.push(h.cookie));
  });
  context.on('response', (response) => {
    if (new URL(response.url()).origin === server.baseUrl) {
      void response.allHeaders().then((h) => h['set-cookie'] && cookiesFromB.push(h['set-cookie']));
    }
  });
  await page.goto(onSiteA(launchUrl));
  const landed = await frameAt(page, academyUrl);
  const siteA = onSiteA(server.baseUrl);
  expect(hops).toEqual([
    expect.stringMatching(new RegExp(`^GET ${siteA}/${A}/launch/`)),
    `GET ${server.baseUrl}/${B}/lti13/login`,
    `GET ${siteA}/${A}/lti13/authorize`,
    `POST ${server.baseUrl}/${B}/lti13/launch`,
    `POST ${server.baseUrl}/${B}/lti13/launch`,
    `GET ${academyUrl}`,
  ]);
  // The tool frame is a child of A's launch page, and B never used a cookie.
  expect(landed.parentFrame()).toBe(page.mainFrame());
  expect(cookiesToB).toEqual([]);
  expect(cookiesFromB).toEqual([]);
  const grant = await server.admin.request('POST', `/admin/environments/${B}/sso/exchange`, {
    code: new URL(landed.url()).searchParams.get('code'),
  });
  expect(grant.json).toMatchObject({ activityId: course.id, user: { email: learner.email }, launch: { version: '1.3' } });

  await admin('PUT', `/${B}/activities/${course.id}/progress/${grant.json.user.id}`, { status: 'completed', score: 90 });
  let atA: any;
  for (let waited = 0; waited < 20_000 && atA?.score !== 90; waited += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const answer = await server.admin.request('GET', `/admin/environments/${A}/activities/${external.id}/progress/${learner.id}`);
    atA = answer.status === 200 ? answer.json : undefined;
  }
  expect(atA).toMatchObject({ userId: learner.id, activityId: external.id, status: 'completed', score: 90 });
}, 150_000);

it("A's launch page answers storage messages from B's registered origin as lti-cs-pm says, and none from another origin", async () => {
  // The academy page B landed on is not one of B's registered origins: nothing it asks is answered.
  const landed = await frameAt(page, academyUrl);
  expect(await askParent(landed, [{ subject: 'lti.capabilities', message_id: 'c0' }])).toEqual([]);

  // From B's registered origin (any of its pages will do).
  await landed.goto(`${server.baseUrl}/.well-known/jwks.json`);
  const tool = await frameAt(page, `${server.baseUrl}/.well-known/jwks.json`);
  const answers = await askParent(tool, [
    { subject: 'lti.capabilities', message_id: 'c1' },
    { subject: 'lti.put_data', message_id: 'p1', key: 'k', value: 'v' },
    { subject: 'lti.get_data', message_id: 'g1', key: 'k' },
    { subject: 'lti.get_data', message_id: 'g2', key: 'unknown' },
    { subject: 'lti.put_data', message_id: 'p2', value: 'no key' },
    { subject: 'lti.put_data', message_id: 'p3', key: 'k', value: 42 },
    { subject: 'lti.put_data', key: 'k', value: 'no message id' },
    { subject: 'lti.frobnicate', message_id: 'u1' },
    { subject: 'lti.put_data', message_id: 'p4', key: 'big', value: 'x'.repeat(5000) },
    { subject: 'lti.put_data', message_id: 'p5', key: 'k', value: null },
    { subject: 'lti.get_data', message_id: 'g3', key: 'k' },
  ]);
  const siteA = new URL(onSiteA(server.baseUrl)).origin;
  expect(answers.every((answer) => answer.origin === siteA)).toBe(true);
  expect(answers.map((answer) => answer.data)).toEqual([
    {
      subject: 'lti.capabilities.response',
      message_id: 'c1',
      supported_messages: [{ subject: 'lti.capabilities' }, { subject: 'lti.put_data' }, { subject: 'lti.get_data' }],
    },
    { subject: 'lti.put_data.response', message_id: 'p1', key: 'k', value: 'v' },
    { subject: 'lti.get_data.response', message_id: 'g1', key: 'k', value: 'v' },
    { subject: 'lti.get_data.response', message_id: 'g2', key: 'unknown', value: null },
    { subject: 'lti.put_data.response', message_id: 'p2', error: { code: 'bad_request', message: 'There is no key.' } },
    { subject: 'lti.put_data.response', message_id: 'p3', error: expect.objectContaining({ code: 'bad_request' }) },
    { subject: 'lti.put_data.response', error: { code: 'bad_request', message: 'There is no message_id.' } },
    { subject: 'lti.frobnicate.response', message_id: 'u1', error: expect.objectContaining({ code: 'unsupported_subject' }) },
    { subject: 'lti.put_data.response', message_id: 'p4', error: expect.objectContaining({ code: 'storage_exhaustion' }) },
    { subject: 'lti.put_data.response', message_id: 'p5', key: 'k', value: null },
    { subject: 'lti.get_data.response', message_id: 'g3', key: 'k', value: null },
  ]);
  await page.context().close();
}, 30_000);
