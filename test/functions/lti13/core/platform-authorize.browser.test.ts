/**
 * An LTI 1.3 launch by the academy as platform in a real browser (Debian's Chromium driven by
 * playwright-core), into the test tool (`test/fixtures/lti13-tool.ts`, which verifies the id_token
 * with jsonwebtoken): the ticket's login initiation, the tool's authentication request carrying the
 * Partitioned launch cookie back, the form post of the id_token under the page's CSP, and the tool's
 * 303 onwards to another origin. Once at top level, once in a cross-site iframe of an academy page
 * (where Chromium blocks unpartitioned third-party cookies), once without script (the button).
 *
 * Sites: lti-bridge at `localhost`; the tool and the academy page at `127.0.0.1`; the tool's
 * landing page at another `localhost` port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../fixtures/chromium';
import { startTestTool, type TestTool } from '../../../fixtures/lti13-tool';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import { createEnvironment, createUser, ticketUrl } from '../../../fixtures/academy-platform';

const env = 'b13';

let server: TestServer;
let tool: TestTool;
let pages: Server;
let pagesPort: number;
let landingUrl: string;
let browser: Browser;
let activityId: string;

beforeAll(async () => {
  [server, tool] = await Promise.all([startTestServer(), startTestTool()]);
  // The academy's page (framing a launch URL) and the tool's landing page, on one small server.
  pages = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://pages');
    if (url.pathname === '/landing') {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<!doctype html><h1 id="landed">Landed as ${url.searchParams.get('sub')}</h1>`);
    } else if (url.pathname === '/course') {
      const src = url.searchParams.get('launch') ?? '';
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<!doctype html><h1>Academy</h1><iframe id="activity" src="${src.replace(/"/g, '&quot;')}"></iframe>`);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pagesPort = (pages.address() as AddressInfo).port;
  landingUrl = `http://localhost:${pagesPort}/landing`;

  await createEnvironment(server, env, { name: 'Browser academy', ltiEnabled: true, academyUrl: 'https://academy.example/home' });
  await createUser(server, env, 'ada', { email: 'ada@learners.example', givenName: 'Ada', familyName: 'Lovelace' });
  const registered = await server.admin.request('POST', `/admin/environments/${env}/tools`, {
    name: 'Browser tool',
    oidcUrl: tool.oidcUrl,
    jwksUrl: tool.jwksUrl,
    redirectUris: [tool.redirectUri],
  });
  const { clientId, platformConfiguration } = registered.json;
  tool.knowPlatform({ ...platformConfiguration, clientId, landingUrl });
  const activity = await server.admin.request('POST', `/admin/environments/${env}/activities`, {
    type: 'e-learning',
    title: 'Browser course',
    lti: { version: '1.3', toolId: clientId, resourceUrl: `${tool.origin}/resource/1` },
  });
  activityId = activity.json.id;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (pages ? pages.close(() => resolve()) : resolve()));
  await Promise.all([server?.close(), tool?.close()]);
});

it('launches at top level: the tool verifies the id_token and sends the learner on to another origin', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const problems = tool.problems.length;
    await page.goto(await ticketUrl(server, env, activityId, 'ada'));
    await page.waitForURL(`${landingUrl}?sub=ada`);
    expect(await page.textContent('#landed')).toBe('Landed as ada');
    expect(tool.problems.slice(problems)).toEqual([]);
    expect(tool.launches.at(-1)!.claims).toMatchObject({
      sub: 'ada',
      'https://purl.imsglobal.org/spec/lti/claim/resource_link': { id: activityId },
    });
  } finally {
    await context.close();
  }
});

it("launches inside a cross-site iframe of the academy's page (the Partitioned cookie survives)", async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const before = tool.launches.length;
    const problems = tool.problems.length;
    const launchUrl = await ticketUrl(server, env, activityId, 'ada');
    await page.goto(`http://127.0.0.1:${pagesPort}/course?launch=${encodeURIComponent(launchUrl)}`);
    const frame = page.frameLocator('#activity');
    await expect(frame.locator('#landed').textContent({ timeout: 15_000 })).resolves.toBe('Landed as ada');
    expect(tool.problems.slice(problems)).toEqual([]);
    expect(tool.launches).toHaveLength(before + 1);
  } finally {
    await context.close();
  }
});

it('launches without script through the visible Continue button', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    const problems = tool.problems.length;
    await page.goto(await ticketUrl(server, env, activityId, 'ada'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${landingUrl}?sub=ada`);
    expect(tool.problems.slice(problems)).toEqual([]);
  } finally {
    await context.close();
  }
});
