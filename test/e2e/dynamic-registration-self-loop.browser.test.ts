/**
 * The Dynamic Registration self-loop in a real browser (Debian's Chromium driven by playwright-core;
 * docs/dynamic-registration.md): academy B, as tool, hands its admin a one-time registration link;
 * academy A, as platform, is given that link (`POST …/tool-registrations`) and answers a launch URL;
 * the admin's browser opens it, A sends it on to B's registration page with A's
 * `openid_configuration` and a `registration_token` (§3.3), and B, server to server, reads A's
 * configuration (§3.4), posts its client registration to A's registration endpoint (§3.5.2), keeps
 * A's answer (§3.6.1) as its platform and shows the page that closes the window (§3.7). Nobody copied
 * a URL or an id between the two. Both admins then activate what the registration made; A launches
 * its learner into B's course over LTI 1.3 (no step configured by hand), B records progress, and the
 * score comes back to A over AGS with the scopes A granted at registration.
 *
 * Both academies are environments of one local server. The admin opens A's launch URL on A's own
 * site (`127.0.0.1`), so the hop to B's registration page (`localhost`, the server's `PUBLIC_URL`)
 * is cross-site, as between two real academies.
 */
import type { Browser } from 'playwright-core';
import { launchChromium } from '../fixtures/chromium';
import { startTestServer, type TestServer } from '../fixtures/local-server';

let server: TestServer;
let browser: Browser;

const A = 'dr-academy-a';
const B = 'dr-academy-b';
const learner = { id: 'ada', email: 'ada@example.com', givenName: 'Ada', familyName: 'Lovelace' };
const ags = 'https://purl.imsglobal.org/spec/lti-ags/scope';

/** The same server's URL on A's site. */
const onSiteA = (url: string) => url.replace('//localhost:', '//127.0.0.1:');

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  const answer = await server.admin.request(method, `/admin/environments${path}`, body);
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  return answer.json;
}

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('B registers itself with A from one link opened in Chromium; once both admins activate, A launches into B and B’s score comes back to A', async () => {
  // B's academy page is a URL of the same server that answers 404: the learner's browser stops there with its code.
  const academyB = `${server.baseUrl}/${B}-home`;
  await admin('PUT', `/${B}`, { name: 'Academy B', ltiEnabled: true, academyUrl: academyB });
  const course = await admin('POST', `/${B}/activities`, { type: 'e-learning', title: 'Fire safety', availableForLti: true });
  await admin('PUT', `/${A}`, { name: 'Academy A', ltiEnabled: true, academyUrl: 'https://academy-a.example/home' });
  await admin('PUT', `/${A}/users/${learner.id}`, { email: learner.email, givenName: learner.givenName, familyName: learner.familyName });

  // 1. B's admin asks for a registration link (not activating); A's admin gives it to A.
  const link = await admin('POST', `/${B}/registrations`, {});
  expect(link.activate).toBe(false);
  const { launchUrl } = await admin('POST', `/${A}/tool-registrations`, { registrationUrl: link.registrationUrl });
  expect(await admin('GET', `/${A}/tools`)).toMatchObject({ tools: [] });
  expect(await admin('GET', `/${B}/platforms`)).toMatchObject({ platforms: [] });

  // 2. A's admin opens the launch URL in Chromium: A sends the browser on to B's registration page.
  const context = await browser.newContext();
  const page = await context.newPage();
  const reports: string[] = [];
  page.on('console', (message) => reports.push(message.text()));
  const hops: string[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest()) {
      const url = new URL(request.url());
      hops.push(`${request.method()} ${url.origin}${url.pathname}`);
    }
  });
  const landed = await page.goto(onSiteA(launchUrl));
  expect(landed?.status()).toBe(200);
  const registrationUrl = new URL(page.url());
  expect(hops).toEqual([expect.stringMatching(new RegExp(`^GET ${onSiteA(server.baseUrl)}/${A}/launch/`)), `GET ${link.registrationUrl}`]);
  expect(registrationUrl.searchParams.get('openid_configuration')).toBe(`${server.baseUrl}/${A}/lti13/.well-known/openid-configuration`);
  expect(registrationUrl.searchParams.get('registration_token')).toMatch(/^[A-Za-z0-9_-]{43}$/);

  // 3. B registered itself with A, and stored A as its platform, both inactive.
  const { tools } = await admin('GET', `/${A}/tools`);
  expect(tools).toHaveLength(1);
  const tool = tools[0];
  const base = `${server.baseUrl}/${B}/lti13`;
  expect(tool).toMatchObject({
    name: 'Academy B',
    activated: false,
    oidcUrl: `${base}/login`,
    jwksUrl: `${server.baseUrl}/.well-known/jwks.json`,
    redirectUris: [`${base}/launch`],
    targetLinkUri: `${base}/deep-linking`,
    messages: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest', targetLinkUri: `${base}/deep-linking` }],
  });
  // What B asked for (A offers every scope in its configuration) and A granted.
  expect([...tool.scopes].sort()).toEqual([
    `${ags}/lineitem`,
    `${ags}/lineitem.readonly`,
    `${ags}/score`,
    'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
  ]);
  const { platforms } = await admin('GET', `/${B}/platforms`);
  expect(platforms).toHaveLength(1);
  const platform = platforms[0];
  const issuerA = `${server.baseUrl}/${A}`;
  expect(platform).toMatchObject({
    name: `lti-bridge at ${new URL(server.baseUrl).host}`,
    issuer: issuerA,
    clientId: tool.clientId,
    deploymentIds: [tool.deploymentId],
    authUrl: `${issuerA}/lti13/authorize`,
    tokenUrl: `${issuerA}/lti13/token`,
    jwksUrl: `${server.baseUrl}/.well-known/jwks.json`,
    tokenAudience: issuerA,
    activated: false,
  });
  // B's page says what was registered and can close the window (§3.7); its policy blocked nothing.
  const text = await page.locator('body').innerText();
  expect(text).toContain(tool.clientId);
  expect(text).toContain(tool.deploymentId);
  expect(text).toContain('not active yet');
  await page.locator('#lti-close').click();
  expect(reports.filter((report) => /Content Security Policy|Refused/i.test(report))).toEqual([]);
  await context.close();

  // The token was good once: the registration cannot be replayed with it.
  const replay = await fetch(`${issuerA}/lti13/register`, {
    method: 'POST',
    headers: { authorization: `Bearer ${registrationUrl.searchParams.get('registration_token')}`, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(replay.status).toBe(401);

  // 4. A's activity at B's course; refused while A's tool is inactive.
  const external = await admin('POST', `/${A}/activities`, {
    type: 'e-learning',
    title: 'Fire safety (from Academy B)',
    lti: { version: '1.3', toolId: tool.id, resourceUrl: course.ltiAccess.lti13.resourceUrl },
  });
  const refused = await fetch((await admin('POST', `/${A}/launches`, { activityId: external.id, userId: learner.id })).launchUrl, {
    redirect: 'manual',
  });
  expect(refused.status).toBe(403);
  expect(await refused.text()).toContain('deactivated');

  // 5. Both admins activate what the registration made.
  expect(await admin('PATCH', `/${A}/tools/${tool.id}`, { activated: true })).toMatchObject({ activated: true });
  expect(await admin('PATCH', `/${B}/platforms/${platform.id}`, { activated: true })).toMatchObject({ activated: true });

  // 6. The learner follows A's launch URL in Chromium and lands at B's academy page, signed in for B's course.
  const { launchUrl: learnerLaunch } = await admin('POST', `/${A}/launches`, { activityId: external.id, userId: learner.id });
  const learnerContext = await browser.newContext();
  const learnerPage = await learnerContext.newPage();
  const launchHops: string[] = [];
  learnerPage.on('request', (request) => {
    if (request.isNavigationRequest()) {
      const url = new URL(request.url());
      launchHops.push(`${request.method()} ${url.origin}${url.pathname}`);
    }
  });
  await learnerPage.goto(learnerLaunch, { waitUntil: 'commit' });
  await learnerPage
    .waitForURL((url) => url.toString().startsWith(academyB), { timeout: 20_000 })
    .catch((error: Error) => {
      throw new Error(
        `the learner did not reach B's academy page: at ${learnerPage.url()} after ${JSON.stringify(launchHops)}; ${error.message}`,
      );
    });
  expect(launchHops).toEqual([
    expect.stringMatching(new RegExp(`^GET ${issuerA}/launch/`)),
    `GET ${base}/login`,
    `GET ${issuerA}/lti13/authorize`,
    `POST ${base}/launch`,
    `GET ${academyB}`,
  ]);
  const code = new URL(learnerPage.url()).searchParams.get('code');
  await learnerContext.close();
  const grant = await admin('POST', `/${B}/sso/exchange`, { code });
  expect(grant).toMatchObject({
    activityId: course.id,
    created: true,
    user: { email: learner.email, givenName: learner.givenName, familyName: learner.familyName },
    launch: { version: '1.3' },
  });
  expect(grant.user.externalIds[`lti13|${encodeURIComponent(issuerA)}|${encodeURIComponent(tool.clientId)}`]).toBe(learner.id);

  // 7. B records progress; B passes it back over AGS; A shows the score as its learner's progress.
  await admin('PUT', `/${B}/activities/${course.id}/progress/${grant.user.id}`, { status: 'completed', score: 85 });
  let atA: any;
  let atB: any;
  for (let waited = 0; waited < 20_000; waited += 250) {
    atB = await admin('GET', `/${B}/activities/${course.id}/progress/${grant.user.id}`);
    const answer = await server.admin.request('GET', `/admin/environments/${A}/activities/${external.id}/progress/${learner.id}`);
    atA = answer.status === 200 ? answer.json : undefined;
    if (atA?.score === 85 || atB.passbacks?.some((p: { state: string }) => p.state === 'failed')) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  expect(atB.passbacks).toEqual([expect.objectContaining({ version: '1.3', state: 'delivered' })]);
  expect(atA).toMatchObject({ userId: learner.id, activityId: external.id, status: 'completed', score: 85 });
}, 90_000);
