/**
 * The LTI 1.2 self-loop in a real browser (Debian's Chromium driven by playwright-core): academy A,
 * as LTI 1.2 platform, launches its learner into an activity of academy B, which is offered over
 * LTI 1.2 (academy as tool). Chromium runs A's auto-submitting form under its Content-Security-
 * Policy, B verifies the signature and signs the learner in at B's academy page (a 303 to another
 * origin, which the form's CSP must let through), B records progress, passes it back to A with
 * Basic Outcomes `replaceResult` on the launch's `lis_outcome_service_url` and
 * `lis_result_sourcedid`, and A shows the score as its learner's progress.
 *
 * Both academies are environments of one local server; the browser meets A at `127.0.0.1` and B
 * at `localhost`, so that every hop between them is cross-site.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../fixtures/chromium';
import { startTestServer, type TestServer } from '../../fixtures/local-server';

let server: TestServer;
let academy: Server;
let academyUrl: string;
let browser: Browser;
const signIns: { status: number; body: any }[] = [];

const A = 'a12';
const B = 'b12';
const learner = { id: 'mary', email: 'mary@example.com', givenName: 'Mary', familyName: 'Somerville' };
const onSiteA = (url: string) => url.replace('//localhost:', '//127.0.0.1:');

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  const answer = await server.admin.request(method, `/admin/environments${path}`, body);
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  return answer.json;
}

beforeAll(async () => {
  server = await startTestServer();
  // B's academy page: trades the single sign-on code through the admin API.
  academy = createServer((req, res) => {
    const code = new URL(req.url ?? '/', 'http://academy').searchParams.get('code');
    if (!code) return void res.writeHead(404).end();
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
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (academy ? academy.close(() => resolve()) : resolve()));
  await server?.close();
});

it("A launches its learner into B over LTI 1.2 in Chromium; B signs the learner in; B's score comes back to A over Basic Outcomes", async () => {
  await admin('PUT', `/${B}`, { name: 'Academy B', ltiEnabled: true, academyUrl });
  const course = await admin('POST', `/${B}/activities`, { type: 'e-learning', title: 'Astronomy', availableForLti: true });
  const access = course.ltiAccess.lti12;

  await admin('PUT', `/${A}`, { name: 'Academy A', ltiEnabled: true, academyUrl: 'https://academy-a.example/home' });
  const external = await admin('POST', `/${A}/activities`, {
    type: 'exam',
    title: 'Astronomy (from Academy B)',
    minScore: 80,
    lti: { version: '1.2', key: access.key, secret: access.secret, launchUrl: access.launchUrl, resourceLinkId: 'astronomy-1' },
  });
  await admin('PUT', `/${A}/users/${learner.id}`, { email: learner.email, givenName: learner.givenName, familyName: learner.familyName });

  const { launchUrl } = await admin('POST', `/${A}/launches`, { activityId: external.id, userId: learner.id });
  const context = await browser.newContext();
  const page = await context.newPage();
  const hops: string[] = [];
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  page.on('request', (request) => {
    if (request.isNavigationRequest()) {
      const url = new URL(request.url());
      hops.push(`${request.method()} ${url.origin}${url.pathname}`);
    }
  });
  await page.goto(onSiteA(launchUrl), { waitUntil: 'commit' });
  await page.waitForURL((url) => url.toString().startsWith(academyUrl), { timeout: 20_000 }).catch(() => undefined);
  expect(violations).toEqual([]);
  expect(await page.locator('#who').textContent()).toBe('Signed in: Mary Somerville');
  expect(hops).toEqual([
    expect.stringMatching(new RegExp(`^GET ${onSiteA(server.baseUrl)}/${A}/launch/`)),
    `POST ${server.baseUrl}/${B}/lti12/launch/${course.id}`,
    `GET ${academyUrl}`,
  ]);
  await context.close();

  expect(signIns).toHaveLength(1);
  const grant = signIns[0]!.body;
  expect(grant).toMatchObject({
    activityId: course.id,
    created: true,
    user: { email: learner.email },
    launch: { version: '1.2', roles: expect.any(Array) },
  });

  // B records a score below A's minScore, then one at it; each comes back to A as Basic Outcomes replaceResult.
  for (const [score, status] of [
    [79, 'failed'],
    [80, 'passed'],
  ] as const) {
    await admin('PUT', `/${B}/activities/${course.id}/progress/${grant.user.id}`, { status: 'completed', score });
    let atA: any;
    let atB: any;
    for (let waited = 0; waited < 20_000; waited += 200) {
      atB = await admin('GET', `/${B}/activities/${course.id}/progress/${grant.user.id}`);
      const answer = await server.admin.request('GET', `/admin/environments/${A}/activities/${external.id}/progress/${learner.id}`);
      atA = answer.status === 200 ? answer.json : undefined;
      // B records the delivery after A has answered: wait for both.
      const states = (atB.passbacks ?? []).map((p: { state: string }) => p.state);
      if ((atA?.score === score && states.includes('delivered')) || states.includes('failed')) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(atB.passbacks).toEqual([expect.objectContaining({ version: '1.2', state: 'delivered' })]);
    expect(atA).toMatchObject({ userId: learner.id, activityId: external.id, status, score });
  }
}, 90_000);
