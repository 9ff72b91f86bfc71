/**
 * The page that ends a Dynamic Registration (`functions/http/close-page.ts`, Dynamic Registration
 * 1.0 §3.7) in a real browser (Debian's Chromium driven by playwright-core), in both windows LMSs
 * open it in: an iframe of the LMS's page (Canvas) and a new tab (`window.open`, Brightspace). The
 * test LMS (`../../../fixtures/dynamic-registration-platform.ts`) serves its page at `127.0.0.1`,
 * the academy is at `localhost`: the page and the registration are cross-site, as in production.
 * Its Close button must deliver `{subject: "org.imsglobal.lti.close"}` to the LMS's window (the
 * parent, or the opener, which the tab then closes itself for), and the page's
 * Content-Security-Policy must block nothing it runs.
 */
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { launchChromium } from '../../../fixtures/chromium';
import { DynamicRegistrationPlatform } from '../../../fixtures/dynamic-registration-platform';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import { TestPlatform } from '../../../fixtures/lti13-platform';

let server: TestServer;
let browser: Browser;
const platforms: TestPlatform[] = [];

interface Received {
  readonly data: unknown;
  readonly origin: string;
  /** Whether the message came from the window the LMS opened (the iframe's or the tab's). */
  readonly fromRegistration: boolean;
}

/** The LMS's page: it opens `src` in an iframe or, on a click, in a new tab, and keeps the messages it receives. */
function lmsPage(kind: 'frame' | 'tab', src: string): string {
  const record =
    'window.received=[];window.addEventListener("message",function(e){' +
    'window.received.push({data:e.data,origin:e.origin,fromRegistration:e.source===window.registration});});';
  const open =
    kind === 'frame'
      ? `<iframe id="registration" src="${src.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}" width="800" height="600"></iframe>` +
        '<script>window.registration=document.getElementById("registration").contentWindow;</script>'
      : '<button id="open" type="button">Register</button>' +
        `<script>document.getElementById("open").addEventListener("click",function(){window.registration=window.open(${JSON.stringify(src).replaceAll('<', '\\u003c')});});</script>`;
  return `<!doctype html><title>LMS</title><script>${record}</script>${open}`;
}

async function lms(): Promise<DynamicRegistrationPlatform> {
  const platform = await TestPlatform.start();
  platforms.push(platform);
  platform.extraRoutes.push((req, res, url) => {
    const kind = url.pathname === '/lms/frame' ? 'frame' : url.pathname === '/lms/tab' ? 'tab' : undefined;
    if (req.method !== 'GET' || !kind) return false;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(lmsPage(kind, url.searchParams.get('src')!));
    return true;
  });
  return new DynamicRegistrationPlatform(platform);
}

async function link(): Promise<string> {
  const answer = await server.admin.request('POST', '/admin/environments/close-page/registrations', {});
  expect(answer.status).toBe(201);
  return answer.json.registrationUrl;
}

/** Console messages that report a blocked resource or script (Chromium writes CSP violations there). */
function watchViolations(page: Page, into: string[]): void {
  page.on('console', (message: ConsoleMessage) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) into.push(message.text());
  });
}

/** The messages the LMS's page received, once there is one; else fails naming what the browser blocked. */
async function received(page: Page, violations: readonly string[]): Promise<Received[]> {
  await page
    .waitForFunction(() => (globalThis as unknown as { received: unknown[] }).received.length > 0, undefined, { timeout: 10_000 })
    .catch((error: Error) => {
      throw new Error(`no message reached the LMS's page; the browser blocked ${JSON.stringify(violations)}; ${error.message}`);
    });
  return page.evaluate(() => (globalThis as unknown as { received: Received[] }).received);
}

beforeAll(async () => {
  server = await startTestServer();
  const environment = { name: 'Close page academy', ltiEnabled: true, academyUrl: 'https://academy.example/sso' };
  expect((await server.admin.request('PUT', '/admin/environments/close-page', environment)).status).toBe(201);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(platforms.map((platform) => platform.close()));
  await server?.close();
});

it('in an iframe (as Canvas): Close posts org.imsglobal.lti.close to the LMS page, across sites, and the CSP blocks nothing', async () => {
  const dr = await lms();
  const src = dr.initiation(await link());
  expect(new URL(src).hostname).toBe('localhost');
  const context = await browser.newContext();
  const page = await context.newPage();
  const violations: string[] = [];
  watchViolations(page, violations);
  await page.goto(`${dr.platform.url}/lms/frame?src=${encodeURIComponent(src)}`);
  const frame = page.frameLocator('#registration');
  await expect(frame.locator('h1').textContent()).resolves.toContain('registered');
  expect(dr.registrations).toHaveLength(1);
  // Nothing is posted before the administrator closes (Canvas closes its iframe at once on the message).
  expect(await page.evaluate(() => (globalThis as unknown as { received: unknown[] }).received)).toEqual([]);

  await frame.locator('#lti-close').click();
  expect(await received(page, violations)).toEqual([
    { data: { subject: 'org.imsglobal.lti.close' }, origin: server.baseUrl, fromRegistration: true },
  ]);
  expect(violations).toEqual([]);
  await context.close();
});

it('in a new tab (as Brightspace): Close posts org.imsglobal.lti.close to window.opener and closes the tab, and the CSP blocks nothing', async () => {
  const dr = await lms();
  const src = dr.initiation(await link());
  const context = await browser.newContext();
  const page = await context.newPage();
  const violations: string[] = [];
  watchViolations(page, violations);
  await page.goto(`${dr.platform.url}/lms/tab?src=${encodeURIComponent(src)}`);
  const [tab] = await Promise.all([page.waitForEvent('popup'), page.locator('#open').click()]);
  watchViolations(tab, violations);
  await tab.waitForLoadState();
  expect(new URL(tab.url()).origin).toBe(server.baseUrl);
  await expect(tab.locator('h1').textContent()).resolves.toContain('registered');
  expect(dr.registrations).toHaveLength(1);

  await Promise.all([tab.waitForEvent('close'), tab.locator('#lti-close').click()]);
  expect(await received(page, violations)).toEqual([
    { data: { subject: 'org.imsglobal.lti.close' }, origin: server.baseUrl, fromRegistration: true },
  ]);
  expect(violations).toEqual([]);
  await context.close();
});

it('a refusal’s page closes the iframe too (§3.7: the message on failure)', async () => {
  const dr = await lms();
  dr.configure = ({ registration_endpoint: _dropped, ...config }) => config;
  const src = dr.initiation(await link());
  const context = await browser.newContext();
  const page = await context.newPage();
  const violations: string[] = [];
  watchViolations(page, violations);
  await page.goto(`${dr.platform.url}/lms/frame?src=${encodeURIComponent(src)}`);
  const frame = page.frameLocator('#registration');
  await expect(frame.locator('body').textContent()).resolves.toContain('registration_endpoint');
  expect(dr.registrations).toHaveLength(0);
  await frame.locator('#lti-close').click();
  expect(await received(page, violations)).toEqual([
    { data: { subject: 'org.imsglobal.lti.close' }, origin: server.baseUrl, fromRegistration: true },
  ]);
  expect(violations).toEqual([]);
  await context.close();
});
