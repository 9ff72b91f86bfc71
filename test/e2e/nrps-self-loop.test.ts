/**
 * The Names and Role Provisioning Services self-loop (NRPS 2.0; docs/nrps.md): academy B, the LTI
 * 1.3 tool of an activity of academy A, syncs that activity's roster from A. Both are environments
 * of one local server, with nothing between them but HTTP: A launches a learner into B (launch
 * ticket, OIDC login, authorization, id_token; browserless), which tells B the context's
 * memberships URL; B's roster sync asks A's token endpoint for an NRPS token (a client assertion
 * signed with the server's key, checked against its JWKS), reads A's memberships page by page, and
 * enrols A's learners in B's activity, creating the accounts B did not have; a synced learner's
 * first launch is then recognised by B, not duplicated.
 */
import { startTestServer, type TestServer } from '../fixtures/local-server';
import { BrowserlessClient, readForm } from './browserless-client';

let server: TestServer;
const A = 'nrps-academy-a';
const B = 'nrps-academy-b';
const learners = [
  { id: 'ada', email: 'ada@example.com', givenName: 'Ada', familyName: 'Lovelace' },
  { id: 'bob', email: 'bob@example.com', givenName: 'Bob', familyName: 'Kahn' },
  { id: 'cy', email: 'cy@example.com', givenName: 'Cy', familyName: 'Young' },
];

async function admin(method: string, path: string, body?: unknown, expected?: number): Promise<any> {
  const answer = await server.admin.request(method, `/admin/environments${path}`, body);
  if (expected !== undefined ? answer.status !== expected : answer.status >= 300) {
    throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  }
  return answer.json;
}

let activityA: string;
let activityB: string;
let toolId: string;
let oldToolId: string;

beforeAll(async () => {
  server = await startTestServer();
  // B's academy page is a URL of the same server that answers 404: the launch stops there with its code.
  await admin('PUT', `/${A}`, { name: 'Academy A', ltiEnabled: true, academyUrl: 'https://academy-a.example/home' });
  await admin('PUT', `/${B}`, { name: 'Academy B', ltiEnabled: true, academyUrl: `${server.baseUrl}/academy-b-home` });
  for (const { id, ...person } of learners) await admin('PUT', `/${A}/users/${id}`, person);

  const course = await admin('POST', `/${B}/activities`, { type: 'e-learning', title: 'Statistics', availableForLti: true });
  activityB = course.id;
  const resourceUrl: string = course.ltiAccess.lti13.resourceUrl;
  // A registers B as its tool, with B's tool endpoints.
  const tool = await admin('POST', `/${A}/tools`, {
    name: 'Academy B',
    oidcUrl: `${server.baseUrl}/${B}/lti13/login`,
    jwksUrl: `${server.baseUrl}/.well-known/jwks.json`,
    redirectUris: [`${server.baseUrl}/${B}/lti13/launch`],
    activated: true,
  });
  toolId = tool.id;
  oldToolId = (
    await admin('POST', `/${A}/tools`, { name: 'Old tool', oidcUrl: 'https://old.example/login', jwksUrl: 'https://old.example/jwks' })
  ).id;
  // B registers A as its platform, with A's platform endpoints.
  await admin('POST', `/${B}/platforms`, {
    name: 'Academy A',
    issuer: tool.platformConfiguration.issuer,
    clientId: tool.clientId,
    deploymentId: tool.deploymentId,
    authUrl: tool.platformConfiguration.authorizationUrl,
    tokenUrl: tool.platformConfiguration.tokenUrl,
    jwksUrl: tool.platformConfiguration.jwksUrl,
  });
  activityA = (
    await admin('POST', `/${A}/activities`, { type: 'e-learning', title: 'Statistics at B', lti: { version: '1.3', toolId, resourceUrl } })
  ).id;
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** A launches `userId` into B; answers B's single sign-on grant. */
async function launch(userId: string): Promise<{ user: { id: string; email: string }; created: boolean }> {
  const { launchUrl } = await admin('POST', `/${A}/launches`, { activityId: activityA, userId });
  const browser = new BrowserlessClient();
  const authorized = await browser.navigate('GET', launchUrl);
  const form = readForm(await authorized.response.text(), authorized.url);
  expect(form.action).toBe(`${server.baseUrl}/${B}/lti13/launch`);
  const landed = await browser.navigate('POST', form.action, form.fields);
  expect(landed.url.startsWith(`${server.baseUrl}/academy-b-home?code=`)).toBe(true);
  return admin('POST', `/${B}/sso/exchange`, { code: new URL(landed.url).searchParams.get('code') });
}

it("B enrols A's learners from A's memberships, and recognises them when they launch", async () => {
  // Ada launches from A into B: B knows her, and the memberships URL of A's context.
  const ada = await launch('ada');
  expect(ada.created).toBe(true);
  expect(await server.runtime.roster.sources(B, activityB)).toEqual([
    expect.objectContaining({ contextId: activityA, membershipsUrl: `${server.baseUrl}/${A}/lti13/nrps/${activityA}/memberships` }),
  ]);
  // Bob and Cy launched A's activity when it was on another tool (the write A's authorization makes): they are in A's roster only.
  for (const userId of ['bob', 'cy']) {
    await server.runtime.platform.recordLaunchedLearner({ environmentId: A, activityId: activityA, userId, toolId: oldToolId }, Date.now());
  }

  const sync = await admin('POST', `/${B}/activities/${activityB}/roster-sync`);
  expect(sync).toEqual({
    contexts: [{ platformId: expect.any(String), contextId: activityA, members: 3 }],
    members: 3,
    created: 2,
    enrolled: 2,
    alreadyEnrolled: 1,
    skipped: [],
  });
  const bobInB = await admin('GET', `/${B}/users?email=bob%40example.com`);
  expect(bobInB).toMatchObject({ givenName: 'Bob', familyName: 'Kahn' });
  // Keyed by A's registration in B, with A's user id (the sub of A's launches).
  expect(Object.values(bobInB.externalIds)).toEqual(['bob']);

  // Again: nothing changes.
  expect(await admin('POST', `/${B}/activities/${activityB}/roster-sync`)).toMatchObject({ created: 0, enrolled: 0, alreadyEnrolled: 3 });

  // Bob's first launch into B is recognised: the account the sync made.
  const bob = await launch('bob');
  expect(bob).toMatchObject({ created: false, user: { id: bobInB.id, email: 'bob@example.com' } });
});
