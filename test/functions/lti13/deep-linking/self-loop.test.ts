/**
 * The Deep Linking self-loop, through the real local server and without a browser (each hop as a
 * browser makes it: redirects followed one by one, cookies kept, auto-submitted forms posted):
 * academy A, as LTI 1.3 platform, deep-links into academy B, its tool (`POST …/deep-links` → OIDC
 * login at B → A's authorization endpoint → B's picker → B's signed response → A's return URL);
 * A then launches a learner into the activity it picked, B signs the learner in, B records a score,
 * and B's AGS passback brings it back to A as the learner's progress.
 */
import { BrowserlessClient, readForm } from '../../../e2e/browserless-client';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';

let server: TestServer;
const A = 'dl-academy-a';
const B = 'dl-academy-b';
const academyB = 'https://academy-b.example/home';
const learner = { id: 'ada', email: 'ada@example.com', givenName: 'Ada', familyName: 'Lovelace' };
const teacher = { id: 'grace', email: 'grace@example.com', givenName: 'Grace', familyName: 'Hopper' };

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  const answer = await server.admin.request(method, `/admin/environments${path}`, body);
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  return answer.json;
}

/** Follows redirects until an answer that is not one, or a redirect to `stopAt` (another site), whose URL is answered. */
async function follow(
  browser: BrowserlessClient,
  method: 'GET' | 'POST',
  url: string,
  form?: Record<string, string>,
  stopAt = academyB,
): Promise<{ response: Response; url: string }> {
  let response = await browser.request(method, url, form);
  let at = url;
  while (response.status >= 300 && response.status < 400) {
    at = new URL(response.headers.get('location')!, at).toString();
    if (at.startsWith(stopAt)) return { response, url: at };
    response = await browser.request('GET', at);
  }
  return { response, url: at };
}

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

it('A deep-links into B, launches what it picked, and the score B records comes back to A', async () => {
  // Academy B (the tool): two activities offered over LTI.
  await admin('PUT', `/${B}`, { name: 'Academy B', ltiEnabled: true, academyUrl: academyB });
  const course = await admin('POST', `/${B}/activities`, {
    type: 'e-learning',
    title: 'Fire safety',
    description: 'Extinguishers and exits',
    availableForLti: true,
  });
  await admin('POST', `/${B}/activities`, { type: 'microlearning', title: 'Knots', availableForLti: true });

  // Academy A (the platform): B registered as a tool with its deep linking URL, a teacher and a learner.
  await admin('PUT', `/${A}`, { name: 'Academy A', ltiEnabled: true, academyUrl: 'https://academy-a.example/home' });
  const toolSide = {
    loginUrl: `${server.baseUrl}/${B}/lti13/login`,
    redirectUrl: `${server.baseUrl}/${B}/lti13/launch`,
    jwksUrl: `${server.baseUrl}/.well-known/jwks.json`,
    deepLinkingUrl: `${server.baseUrl}/${B}/lti13/deep-linking`,
  };
  const tool = await admin('POST', `/${A}/tools`, {
    name: 'Academy B',
    oidcUrl: toolSide.loginUrl,
    jwksUrl: toolSide.jwksUrl,
    redirectUris: [toolSide.redirectUrl],
    deepLinkingUrl: toolSide.deepLinkingUrl,
  });
  const platform = tool.platformConfiguration;
  const atB = await admin('POST', `/${B}/platforms`, {
    name: 'Academy A',
    issuer: platform.issuer,
    clientId: tool.clientId,
    deploymentId: tool.deploymentId,
    authUrl: platform.authorizationUrl,
    tokenUrl: platform.tokenUrl,
    jwksUrl: platform.jwksUrl,
  });
  // What B tells A's administrator to enter is what A entered.
  expect(atB.toolConfiguration).toMatchObject(toolSide);
  for (const user of [learner, teacher]) {
    await admin('PUT', `/${A}/users/${user.id}`, { email: user.email, givenName: user.givenName, familyName: user.familyName });
  }

  // The teacher's browser: A's deep link URL → B's login → A's authorization → B's picker.
  const { id: deepLinkId, launchUrl } = await admin('POST', `/${A}/deep-links`, { toolId: tool.id, userId: teacher.id });
  const browser = new BrowserlessClient();
  const authorized = await follow(browser, 'GET', launchUrl);
  expect(authorized.response.status).toBe(200);
  const idTokenPost = readForm(await authorized.response.text(), authorized.url);
  expect(idTokenPost.action).toBe(toolSide.redirectUrl);
  const picker = await browser.request('POST', idTokenPost.action, idTokenPost.fields);
  const pickerPage = await picker.text();
  expect([picker.status, pickerPage.includes('Choose activities from Academy B')]).toEqual([200, true]);
  expect(browser.visited).toEqual([
    expect.stringMatching(new RegExp(`^GET ${server.baseUrl}/${A}/launch/`)),
    `GET ${toolSide.loginUrl}`,
    `GET ${platform.authorizationUrl}`,
    `POST ${toolSide.redirectUrl}`,
  ]);

  // The teacher ticks "Fire safety"; B signs the response, which the browser posts to A.
  const token = readForm(pickerPage, toolSide.redirectUrl).fields.picker!;
  const signed = await browser.request('POST', toolSide.deepLinkingUrl, { picker: token, activity: course.id, add: '1' });
  const responsePost = readForm(await signed.text(), toolSide.deepLinkingUrl);
  expect(responsePost.action).toBe(`${server.baseUrl}/${A}/lti13/deep-linking/return`);
  const added = await browser.request('POST', responsePost.action, responsePost.fields);
  expect([added.status, (await added.text()).includes('<li>Fire safety</li>')]).toEqual([200, true]);

  const deepLink = await admin('GET', `/${A}/deep-links/${deepLinkId}`);
  expect(deepLink).toMatchObject({ state: 'completed', activityIds: [expect.any(String)] });
  const [externalId] = deepLink.activityIds;
  const external = await admin('GET', `/${A}/activities/${externalId}`);
  expect(external).toMatchObject({
    type: 'e-learning',
    title: 'Fire safety',
    description: 'Extinguishers and exits',
    lti: {
      version: '1.3',
      toolId: tool.id,
      resourceUrl: course.ltiAccess.lti13.resourceUrl,
      lineItem: { label: 'Fire safety', scoreMaximum: 100, resourceId: course.id },
    },
  });

  // A launches its learner into what it picked; B signs the learner in at its academy.
  const { launchUrl: learnerLaunch } = await admin('POST', `/${A}/launches`, { activityId: externalId, userId: learner.id });
  const learnerBrowser = new BrowserlessClient();
  const authorization = await follow(learnerBrowser, 'GET', learnerLaunch);
  const launch = readForm(await authorization.response.text(), authorization.url);
  const landed = await follow(learnerBrowser, 'POST', launch.action, launch.fields);
  expect(landed.url.startsWith(academyB)).toBe(true);
  const grant = await admin('POST', `/${B}/sso/exchange`, { code: new URL(landed.url).searchParams.get('code') });
  expect(grant).toMatchObject({ activityId: course.id, user: { email: learner.email }, launch: { version: '1.3' } });

  // B records a score; B's AGS passback brings it to A as the learner's progress.
  await admin('PUT', `/${B}/activities/${course.id}/progress/${grant.user.id}`, { status: 'completed', score: 85 });
  let atA: any;
  let atBProgress: any;
  for (let waited = 0; waited < 20_000; waited += 250) {
    atBProgress = await admin('GET', `/${B}/activities/${course.id}/progress/${grant.user.id}`);
    const answer = await server.admin.request('GET', `/admin/environments/${A}/activities/${externalId}/progress/${learner.id}`);
    atA = answer.status === 200 ? answer.json : undefined;
    if (atA?.score === 85 || atBProgress.passbacks?.some((p: { state: string }) => p.state === 'failed')) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  expect(atBProgress.passbacks).toEqual([expect.objectContaining({ version: '1.3', state: 'delivered' })]);
  expect(atA).toMatchObject({ userId: learner.id, activityId: externalId, status: 'completed', score: 85 });
}, 60_000);
