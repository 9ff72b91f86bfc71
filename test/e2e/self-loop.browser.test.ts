/**
 * The self-loop in a real browser (Debian's Chromium driven by playwright-core): academy A, as LTI
 * 1.3 platform, launches a learner into an activity of academy B, which is A's LTI 1.3 tool; the
 * learner lands signed in at B's academy page; B records progress, which B passes back to A over
 * AGS, and A shows the score as the learner's progress.
 *
 * Both academies are environments of one local server, reached on two different sites: the browser
 * meets A at `127.0.0.1` and B at `localhost`. The server has one `PUBLIC_URL` (`localhost`), which
 * B's tool side must match (its resource URL and redirect URI are checked against it), so A's
 * browser-facing URLs are the `127.0.0.1` ones: the learner opens A's launch URL there, and B's
 * registration of A names A's authorization URL there. Every hop between the two is then
 * cross-site, as between two real academies: the OIDC redirects (top-level GETs) and the id_token's
 * form post (a cross-site POST that must carry B's `SameSite=None; Secure; Partitioned` state
 * cookie, which Chromium keeps on http://localhost and http://127.0.0.1 as secure origins).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KMSClient } from '@aws-sdk/client-kms';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../fixtures/chromium';
import { startTestServer, type TestServer } from '../fixtures/local-server';

let server: TestServer;
let academy: Server;
let academyUrl: string;
let browser: Browser;
/** What B's academy page learned from each single sign-on exchange. */
const signIns: { status: number; body: any }[] = [];

const A = 'academy-a';
const B = 'academy-b';
const learner = { id: 'ada', email: 'ada@example.com', givenName: 'Ada', familyName: 'Lovelace' };

/** KMS API calls by command (`SignCommand`, `GetPublicKeyCommand`), counted from `since`. */
const kmsCalls: string[] = [];
const kmsSince = (mark: number) =>
  kmsCalls.slice(mark).reduce<Record<string, number>>((counts, name) => ({ ...counts, [name]: (counts[name] ?? 0) + 1 }), {});

/** The same server's URL on the other site. */
const onSiteA = (url: string) => url.replace('//localhost:', '//127.0.0.1:');

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  const answer = await server.admin.request(method, `/admin/environments${path}`, body);
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  return answer.json;
}

beforeAll(async () => {
  server = await startTestServer();

  // B's academy: the page single sign-on hands the learner to; it trades the code through the admin API.
  academy = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://academy');
    const code = url.searchParams.get('code');
    if (url.pathname !== '/academy' || !code) return void res.writeHead(404).end();
    server.admin.request('POST', `/admin/environments/${B}/sso/exchange`, { code }).then(
      (answer) => {
        signIns.push({ status: answer.status, body: answer.json });
        const who = answer.status === 200 ? `Signed in: ${answer.json.user.givenName} ${answer.json.user.familyName}` : 'Not signed in';
        res.writeHead(answer.status === 200 ? 200 : 403, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><title>Academy B</title><h1 id="who">${who}</h1>`);
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => academy.listen(0, '127.0.0.1', resolve));
  academyUrl = `http://localhost:${(academy.address() as AddressInfo).port}/academy`;

  browser = await launchChromium();
  // Both academies' handlers run in this process: every KMS call goes through this prototype.
  const send = KMSClient.prototype.send;
  jest.spyOn(KMSClient.prototype, 'send').mockImplementation(function (this: KMSClient, command: any, ...rest: any[]) {
    kmsCalls.push(command.constructor.name);
    return (send as any).call(this, command, ...rest);
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (academy ? academy.close(() => resolve()) : resolve()));
  await server?.close();
});

it("A launches its learner into B in Chromium across two sites; B signs the learner in; B's progress shows at A", async () => {
  // Academy B (the tool): an e-learning offered over LTI, and A registered as a platform.
  await admin('PUT', `/${B}`, { name: 'Academy B', ltiEnabled: true, academyUrl });
  const course = await admin('POST', `/${B}/activities`, { type: 'e-learning', title: 'Fire safety', availableForLti: true });
  const resourceUrl: string = course.ltiAccess.lti13.resourceUrl;
  expect(resourceUrl).toBe(`${server.baseUrl}/${B}/lti13/activities/${course.id}`);

  // Academy A (the platform): B registered as a tool, an external activity pointing at B's course, a learner.
  await admin('PUT', `/${A}`, { name: 'Academy A', ltiEnabled: true, academyUrl: 'https://academy-a.example/home' });
  // What B tells its administrator to enter at a platform (its toolConfiguration), entered at A.
  const toolSide = {
    loginUrl: `${server.baseUrl}/${B}/lti13/login`,
    redirectUrl: `${server.baseUrl}/${B}/lti13/launch`,
    jwksUrl: `${server.baseUrl}/.well-known/jwks.json`,
  };
  const tool = await admin('POST', `/${A}/tools`, {
    name: 'Academy B',
    oidcUrl: toolSide.loginUrl,
    jwksUrl: toolSide.jwksUrl,
    redirectUris: [toolSide.redirectUrl],
  });
  const platform = tool.platformConfiguration;
  const platformAtB = await admin('POST', `/${B}/platforms`, {
    name: 'Academy A',
    issuer: platform.issuer,
    clientId: tool.clientId,
    deploymentId: tool.deploymentId,
    // The browser meets A on its own site.
    authUrl: onSiteA(platform.authorizationUrl),
    tokenUrl: platform.tokenUrl,
    jwksUrl: platform.jwksUrl,
  });
  expect(platformAtB.toolConfiguration).toMatchObject(toolSide);
  const external = await admin('POST', `/${A}/activities`, {
    type: 'e-learning',
    title: 'Fire safety (from Academy B)',
    lti: { version: '1.3', toolId: tool.id, resourceUrl },
  });
  await admin('PUT', `/${A}/users/${learner.id}`, { email: learner.email, givenName: learner.givenName, familyName: learner.familyName });

  // The learner follows A's one-time launch URL in a real browser.
  const { launchUrl } = await admin('POST', `/${A}/launches`, { activityId: external.id, userId: learner.id });
  const context = await browser.newContext();
  const page = await context.newPage();
  const hops: string[] = [];
  // What the browser reports (a Content-Security-Policy violation, say) makes a failure readable.
  const reports: string[] = [];
  page.on('console', (message) => reports.push(message.text()));
  page.on('request', (request) => {
    if (request.isNavigationRequest()) {
      const url = new URL(request.url());
      hops.push(`${request.method()} ${url.origin}${url.pathname}`);
    }
  });
  const launchMark = kmsCalls.length;
  await page.goto(onSiteA(launchUrl), { waitUntil: 'commit' });
  await page
    .waitForURL((url) => url.toString().startsWith(academyUrl), { timeout: 20_000 })
    .catch(async (error: Error) => {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      throw new Error(
        `the learner did not reach B's academy page: at ${page.url()} after ${JSON.stringify(hops)}; browser reports ${JSON.stringify(reports)}; ${error.message}`,
      );
    });
  expect(await page.locator('#who').textContent()).toBe('Signed in: Ada Lovelace');
  const siteA = onSiteA(server.baseUrl);
  expect(hops).toEqual([
    expect.stringMatching(new RegExp(`^GET ${siteA}/${A}/launch/`)),
    `GET ${server.baseUrl}/${B}/lti13/login`,
    `GET ${siteA}/${A}/lti13/authorize`,
    `POST ${server.baseUrl}/${B}/lti13/launch`,
    `GET ${academyUrl}`,
  ]);
  await context.close();
  // A signs one id_token; B signs nothing (its state and nonce are random values). The only other KMS
  // call is GetPublicKey, when B fetches A's key set the first time.
  const launchKms = kmsSince(launchMark);
  expect(launchKms.SignCommand).toBe(1);
  expect(launchKms.GetPublicKeyCommand ?? 0).toBeLessThanOrEqual(1);

  // B signed in its own user, made from A's id_token, for B's course.
  expect(signIns).toHaveLength(1);
  const grant = signIns[0]!.body;
  expect(grant).toMatchObject({
    activityId: course.id,
    created: true,
    user: { email: learner.email, givenName: learner.givenName, familyName: learner.familyName },
    launch: { version: '1.3' },
  });
  expect(grant.user.externalIds[`lti13|${encodeURIComponent(platform.issuer)}|${encodeURIComponent(tool.clientId)}`]).toBe(learner.id);

  // B records progress; B passes it back to A over AGS; A shows it as its learner's progress.
  const passbackMark = kmsCalls.length;
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
  // B signs one client assertion for its access token at A; A's token endpoint and AGS call no KMS
  // (the key set they verify with is the cached one).
  expect(kmsSince(passbackMark)).toEqual({ SignCommand: 1 });
}, 90_000);
