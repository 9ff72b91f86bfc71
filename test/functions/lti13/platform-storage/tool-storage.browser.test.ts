/**
 * The academy as tool, launched from an LMS page that implements LTI Platform Storage (lti-cs-oidc),
 * in a real Chromium (Debian's, driven by playwright-core) with a new profile's defaults and no flag:
 * the LMS's course page on `127.0.0.1`, lti-bridge in its cross-site iframe on `localhost`.
 *
 * A probe first shows that this browser blocks third-party cookies (an ordinary `SameSite=None;
 * Secure` cookie set in a cross-site iframe does not come back, while at top level it does). The
 * launch then keeps state and nonce in the LMS's storage: no response of lti-bridge sets the state
 * cookie and no request to it carries one, so a storage path that leaned on the cookie fails here.
 * Each refusal has its test: a page of the wrong origin gets nothing and vouches for nothing, a
 * platform that does not answer gets the cookie path (at login) or a page that says what to do (at
 * launch), a check posted from another site is refused, and a used state is refused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { launchChromium } from '../../../fixtures/chromium';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import { TestPlatform } from '../../../fixtures/lti13-platform';

let server: TestServer;
let lms: TestPlatform;
/** Another LMS page, on another origin than the registered platform's. */
let evil: TestPlatform;
let browser: Browser;
let probe: Server;
let probeUrl: string;
/** The Cookie header of each request the probe saw, by path. */
const probeSeen: { path: string; cookie: string }[] = [];
let resourceUrl: string;
let loginUrl: string;
let academyUrl: string;

const env = 'storage-tool';

beforeAll(async () => {
  server = await startTestServer();
  lms = await TestPlatform.start();
  evil = await TestPlatform.start();
  lms.redirectUris = [`${server.baseUrl}/${env}/lti13/launch`];
  probe = createServer((req, res) => {
    probeSeen.push({ path: req.url ?? '', cookie: req.headers.cookie ?? '' });
    const headers: Record<string, string> = { 'content-type': 'text/html' };
    if (req.url === '/set') headers['set-cookie'] = 'probe=1; Path=/; Secure; SameSite=None; Max-Age=600';
    res.writeHead(200, headers).end('<!doctype html><title>probe</title>');
  });
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  // On localhost, the site lti-bridge is on: the cookie would be lti-bridge's site's.
  probeUrl = `http://localhost:${(probe.address() as AddressInfo).port}`;
  academyUrl = `${lms.url}/landed`;
  await server.admin.request('PUT', `/admin/environments/${env}`, { name: 'Storage', ltiEnabled: true, academyUrl });
  const activity = await server.admin.request('POST', `/admin/environments/${env}/activities`, {
    type: 'e-learning',
    title: 'Kept in the platform',
    availableForLti: true,
  });
  resourceUrl = activity.json.ltiAccess.lti13.resourceUrl;
  const registered = await server.admin.request('POST', `/admin/environments/${env}/platforms`, lms.registration());
  loginUrl = registered.json.toolConfiguration.loginUrl;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (probe ? probe.close(() => resolve()) : resolve()));
  await lms?.close();
  await evil?.close();
  await server?.close();
});

/** A login initiation URL for `hint`, with `lti_storage_target=_parent` unless told otherwise. */
function login(hint: string, storage = true): string {
  lms.targets.set(hint, resourceUrl);
  const url = new URL(loginUrl);
  url.search = new URLSearchParams({
    iss: lms.issuer,
    login_hint: hint,
    target_link_uri: resourceUrl,
    ...(storage ? { lti_storage_target: '_parent' } : {}),
  }).toString();
  return url.toString();
}

/** What went to and came from lti-bridge: every request with its Cookie header and every Set-Cookie. */
interface Traffic {
  readonly hops: string[];
  readonly cookiesSent: string[];
  readonly cookiesSet: string[];
}

function watch(context: BrowserContext): Traffic {
  const traffic: Traffic = { hops: [], cookiesSent: [], cookiesSet: [] };
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (request.isNavigationRequest()) traffic.hops.push(`${request.method()} ${url.host}${url.pathname}`);
    if (url.origin !== server.baseUrl) return;
    void request.allHeaders().then((headers) => headers.cookie && traffic.cookiesSent.push(headers.cookie));
  });
  context.on('response', (response) => {
    if (new URL(response.url()).origin !== server.baseUrl) return;
    void response.allHeaders().then((headers) => headers['set-cookie'] && traffic.cookiesSet.push(headers['set-cookie']));
  });
  return traffic;
}

async function frameAt(page: Page, prefix: string, timeoutMs = 15_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = page.frames().find((f) => f.url().startsWith(prefix));
    if (frame) return frame;
    if (Date.now() > deadline) throw new Error(`no frame reached ${prefix}; frames: ${page.frames().map((f) => f.url())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function signedIn(frame: Frame): Promise<any> {
  const code = new URL(frame.url()).searchParams.get('code');
  const grant = await server.admin.request('POST', `/admin/environments/${env}/sso/exchange`, { code });
  expect(grant.status).toBe(200);
  return grant.json;
}

it('this browser blocks third-party cookies: a cookie set in a cross-site iframe does not come back (at top level it does)', async () => {
  const framed = await browser.newContext();
  const page = await framed.newPage();
  await page.goto(`${lms.url}/course?login=${encodeURIComponent(`${probeUrl}/set`)}`);
  await frameAt(page, `${probeUrl}/set`);
  await page.goto(`${lms.url}/course?login=${encodeURIComponent(`${probeUrl}/check-framed`)}`);
  await frameAt(page, `${probeUrl}/check-framed`);
  await page.waitForLoadState('load');
  await framed.close();
  const top = await browser.newContext();
  const topPage = await top.newPage();
  await topPage.goto(`${probeUrl}/set`);
  await topPage.goto(`${probeUrl}/check-top`);
  await top.close();
  expect(probeSeen.find((seen) => seen.path === '/check-framed')?.cookie).toBe('');
  expect(probeSeen.find((seen) => seen.path === '/check-top')?.cookie).toBe('probe=1');
});

it('launches in the cross-site iframe with state and nonce kept in the LMS storage, and no cookie', async () => {
  const context = await browser.newContext();
  const traffic = watch(context);
  const page = await context.newPage();
  await page.goto(`${lms.url}/storage-course?login=${encodeURIComponent(login('kept-learner'))}`);
  const landed = await frameAt(page, academyUrl);
  expect(await signedIn(landed)).toMatchObject({ user: { email: 'kept-learner@school.example' }, launch: { version: '1.3' } });
  expect(traffic.hops).toEqual([
    expect.stringMatching(/^GET 127\.0\.0\.1:\d+\/storage-course$/),
    expect.stringMatching(/^GET localhost:\d+\/storage-tool\/lti13\/login$/),
    expect.stringMatching(/^GET 127\.0\.0\.1:\d+\/auth$/),
    expect.stringMatching(/^POST localhost:\d+\/storage-tool\/lti13\/launch$/),
    // The check page's own post, with the proof it read back.
    expect.stringMatching(/^POST localhost:\d+\/storage-tool\/lti13\/launch$/),
    expect.stringMatching(/^GET 127\.0\.0\.1:\d+\/landed$/),
  ]);
  // No cookie carried anything: none was set by lti-bridge, none was sent to it.
  expect(traffic.cookiesSet).toEqual([]);
  expect(traffic.cookiesSent).toEqual([]);
  // The LMS kept the proof and nonce under the login's state, for lti-bridge's origin only, gave
  // them back, and holds nothing once the launch is done.
  const log: { origin: string; subject: string; key?: string; value?: string | null }[] = await page.evaluate('window.storageLog');
  const state = lms.authRequests.at(-1)!.state!;
  const nonce = lms.authRequests.at(-1)!.nonce!;
  expect(log.every((entry) => entry.origin === server.baseUrl)).toBe(true);
  expect(log.map(({ subject, key, value }) => [subject, key, value === null ? null : typeof value])).toEqual([
    ['lti.capabilities', undefined, 'undefined'],
    ['lti.put_data', `lti_state_${state}`, 'string'],
    ['lti.put_data', `lti_nonce_${state}`, 'string'],
    ['lti.get_data', `lti_state_${state}`, 'undefined'],
    ['lti.get_data', `lti_nonce_${state}`, 'undefined'],
    ['lti.put_data', `lti_state_${state}`, null],
    ['lti.put_data', `lti_nonce_${state}`, null],
  ]);
  expect(log[2]!.value).toBe(nonce);
  expect(await page.evaluate('window.storedKeys()')).toEqual([]);
  await context.close();
});

it('falls back to the partitioned cookie when the platform does not answer at login', async () => {
  const context = await browser.newContext();
  const traffic = watch(context);
  const page = await context.newPage();
  await page.goto(`${lms.url}/storage-course?answer=none&login=${encodeURIComponent(login('unanswered-learner'))}`);
  const landed = await frameAt(page, academyUrl);
  expect(await signedIn(landed)).toMatchObject({ user: { email: 'unanswered-learner@school.example' } });
  expect(traffic.hops).toEqual([
    expect.stringMatching(/\/storage-course$/),
    expect.stringMatching(/^GET localhost:\d+\/storage-tool\/lti13\/login$/),
    // The page's fallback: the same login, without lti_storage_target.
    expect.stringMatching(/^GET localhost:\d+\/storage-tool\/lti13\/login$/),
    expect.stringMatching(/\/auth$/),
    expect.stringMatching(/^POST localhost:\d+\/storage-tool\/lti13\/launch$/),
    expect.stringMatching(/\/landed$/),
  ]);
  expect(traffic.cookiesSet.some((c) => c.startsWith('lti13_state_') && c.includes('Partitioned'))).toBe(true);
  expect(traffic.cookiesSent.some((c) => c.includes('lti13_state_'))).toBe(true);
  await context.close();
});

it('refuses, with a page that says what to do, when the platform keeps the values but does not give them back', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${lms.url}/storage-course?answer=put-only&login=${encodeURIComponent(login('forgotten-learner'))}`);
  const check = await frameAt(page, `${server.baseUrl}/${env}/lti13/launch`);
  await check.locator('#lti-refused').waitFor({ state: 'visible', timeout: 10_000 });
  expect(await check.locator('#lti-refused').textContent()).toContain('open the activity in a new window');
  expect(await check.locator('#lti-refused').textContent()).toContain('storage_unanswered');
  await context.close();
});

/** A login and its id_token as an attacker gets them for their own account, outside any browser. */
async function attackerLaunch(hint: string) {
  const answer = await fetch(login(hint), { redirect: 'manual' });
  expect(answer.status).toBe(200);
  const html = await answer.text();
  const data = JSON.parse(/<script type="application\/json" id="lti-data">(.*?)<\/script>/.exec(html)![1]!);
  const auth = await (await fetch(data.next)).text();
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(auth)![1]!;
  return { idToken: field('id_token'), state: field('state'), proof: data.proof as string, nonce: data.nonce as string };
}

it('trusts only the registered platform origin: a page of another origin gets no state, nonce or proof, and cannot vouch for a launch', async () => {
  // At login: the page of another origin is asked for its capabilities (they only say whether to
  // try), never given the login's values; the tool goes on by the cookie path.
  const context = await browser.newContext();
  const traffic = watch(context);
  const page = await context.newPage();
  await page.goto(`${evil.url}/storage-course?login=${encodeURIComponent(login('misled-learner'))}`);
  await frameAt(page, academyUrl);
  const evilLog: { subject: string }[] = await page.evaluate('window.storageLog');
  expect(evilLog.map((entry) => entry.subject)).toEqual(['lti.capabilities']);
  expect(traffic.cookiesSent.some((c) => c.includes('lti13_state_'))).toBe(true);

  // At launch (login CSRF): the attacker's own id_token and state, posted into the victim's frame
  // by a page of another origin, are checked with the registered platform's storage only: the page
  // never hears from it and refuses.
  const attacker = await attackerLaunch('attacker');
  await page.goto(`${evil.url}/storage-course`);
  // A string: the test's TypeScript has no DOM types.
  const post = (fields: Record<string, string>) =>
    page.evaluate(`(() => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = ${JSON.stringify(`${server.baseUrl}/${env}/lti13/launch`)};
      form.target = 'tool';
      for (const [name, value] of Object.entries(${JSON.stringify(fields)})) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.append(input);
      }
      document.body.append(form);
      form.submit();
    })()`);
  await post({ id_token: attacker.idToken, state: attacker.state });
  const check = await frameAt(page, `${server.baseUrl}/${env}/lti13/launch`);
  await check.locator('#lti-refused').waitFor({ state: 'visible', timeout: 10_000 });
  expect(((await page.evaluate('window.storageLog')) as { subject: string }[]).map((e) => e.subject)).toEqual([]);

  // Nor can it post the check itself, though the attacker knows the proof: the post is cross-site.
  const refusal = page.waitForResponse(
    (response) => response.url().endsWith(`/${env}/lti13/launch`) && response.request().method() === 'POST',
  );
  await post({ id_token: attacker.idToken, state: attacker.state, lti_storage_proof: attacker.proof, lti_storage_nonce: attacker.nonce });
  const refused = await refusal;
  expect(refused.status()).toBe(401);
  expect(await refused.text()).toContain('did not come from the academy&#39;s own page');
  await context.close();
});

it('uses a state once: the check posted again is refused, and a wrong proof never consumes it', async () => {
  const attacker = await attackerLaunch('replayed-learner');
  const check = (proof: string) =>
    fetch(`${server.baseUrl}/${env}/lti13/launch`, {
      method: 'POST',
      redirect: 'manual',
      // What the check page's own post carries (a browser sets it; no other site can make it send it).
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams({
        id_token: attacker.idToken,
        state: attacker.state,
        lti_storage_proof: proof,
        lti_storage_nonce: attacker.nonce,
      }),
    });
  const wrong = await check(`${attacker.proof}x`);
  expect(wrong.status).toBe(401);
  expect(await wrong.text()).toContain('already used, or its login has expired');
  const first = await check(attacker.proof);
  expect(first.status).toBe(303);
  expect(first.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/landed\?code=/);
  const again = await check(attacker.proof);
  expect(again.status).toBe(401);
  expect(await again.text()).toContain('already used, or its login has expired');
});
