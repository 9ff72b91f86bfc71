/**
 * An LTI 1.3 launch inside an LMS's iframe in a real browser (Debian's Chromium, driven by
 * playwright-core), where the iframe is cross-site: the test platform's course page is on
 * `127.0.0.1`, lti-bridge on `localhost`. A new Chromium profile blocks third-party cookies, so an
 * ordinary `SameSite=None; Secure` state cookie set inside the iframe is dropped and the launch
 * fails (the most reported LTI 1.3 failure in the field); the `Partitioned` (CHIPS) state cookie is
 * kept in the iframe's partition and comes back with the platform's form post.
 */
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../fixtures/chromium';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import { TestPlatform } from '../../../fixtures/lti13-platform';

let server: TestServer;
let lms: TestPlatform;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  lms = await TestPlatform.start();
  lms.redirectUris = [`${server.baseUrl}/frame/lti13/launch`];
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await lms?.close();
  await server?.close();
});

it('completes the OIDC login and launch inside a cross-site iframe, with third-party cookies blocked', async () => {
  expect(server.baseUrl).toMatch(/^http:\/\/localhost:/);
  expect(lms.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
  // The academy page single sign-on lands on: served by the platform's server (any page will do).
  const academyUrl = `${lms.url}/landed`;
  expect((await server.admin.request('PUT', '/admin/environments/frame', { name: 'Frame', ltiEnabled: true, academyUrl })).status).toBe(
    201,
  );
  const activity = await server.admin.request('POST', '/admin/environments/frame/activities', {
    type: 'e-learning',
    title: 'In a frame',
    availableForLti: true,
  });
  const registered = await server.admin.request('POST', '/admin/environments/frame/platforms', lms.registration());
  const resourceUrl: string = activity.json.ltiAccess.lti13.resourceUrl;
  lms.targets.set('framed-learner', resourceUrl);
  const login = new URL(registered.json.toolConfiguration.loginUrl);
  login.search = new URLSearchParams({ iss: lms.issuer, login_hint: 'framed-learner', target_link_uri: resourceUrl }).toString();

  const context = await browser.newContext();
  const page = await context.newPage();
  const hops: string[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest()) hops.push(`${request.method()} ${new URL(request.url()).host}${new URL(request.url()).pathname}`);
  });
  await page.goto(`${lms.url}/course?login=${encodeURIComponent(login.toString())}`);
  // The iframe ends at the academy with a single sign-on code (the platform's server answers 404 there).
  const deadline = Date.now() + 15_000;
  while (!page.frames().some((f) => f.url().startsWith(academyUrl))) {
    if (Date.now() > deadline) throw new Error(`the iframe never reached the academy: ${hops.join(' → ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const landed = new URL(
    page
      .frames()
      .find((f) => f.url().startsWith(academyUrl))!
      .url(),
  );
  const grant = await server.admin.request('POST', '/admin/environments/frame/sso/exchange', { code: landed.searchParams.get('code') });
  expect(grant.status).toBe(200);
  expect(grant.json).toMatchObject({
    activityId: activity.json.id,
    user: { email: 'framed-learner@school.example' },
    launch: { version: '1.3' },
  });
  expect(hops).toEqual([
    expect.stringMatching(/^GET 127\.0\.0\.1:\d+\/course$/),
    expect.stringMatching(/^GET localhost:\d+\/frame\/lti13\/login$/),
    expect.stringMatching(/^GET 127\.0\.0\.1:\d+\/auth$/),
    expect.stringMatching(/^POST localhost:\d+\/frame\/lti13\/launch$/),
    expect.stringMatching(/^GET 127\.0\.0\.1:\d+\/landed$/),
  ]);
  // The state cookie lives in the iframe's partition only (top-level site 127.0.0.1), and was removed after use.
  const cookies = await context.cookies(server.baseUrl);
  expect(cookies.filter((c) => c.name.startsWith('lti13_state_'))).toEqual([]);
  await context.close();
});
