/**
 * Whom a tool's scores may be for (docs/ags.md "Who a score may be for", docs/security.md "AGS scores only for learners the tool launched"), as an
 * attack through the real local server. Two test tools (nothing of lti-bridge's: `jsonwebtoken` and
 * node:crypto) launch learners through the whole LTI 1.3 flow (launch ticket, login initiation, the
 * authorization endpoint, the id_token verified at the tool), get their access tokens from the real
 * token endpoint with a client assertion, and post an exam's passing score. Only a learner the tool
 * launched into the exam gets it; for anyone else (never launched, launched into the exam by another
 * tool, launched by this tool into another activity only, or no user at all) the answer is one and
 * the same, so a tool can neither pass a stranger nor learn who exists.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import { createEnvironment, createUser, ticketUrl } from '../../../fixtures/academy-platform';
import { Browser, jwtBearer, readFormPost, startTestTool, type TestTool } from '../../../fixtures/lti13-tool';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';

const scopes = {
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  resultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
};
const media = { score: 'application/vnd.ims.lis.v1.score+json', results: 'application/vnd.ims.lis.v2.resultcontainer+json' };
const env = 'recipients';

let server: TestServer;
/** The tool that hosts the exam now (A) and the one that hosted it before (B). */
let toolA: TestTool;
let toolB: TestTool;
const clientIds: Record<'a' | 'b', string> = { a: '', b: '' };
let tokenUrl: string;
/** An exam (pass at 70) that tool B hosted first and tool A hosts now; a course of tool A. */
let exam: string;
let course: string;

/** DynamoDB and KMS commands the handlers send while set (`what it costs`). */
let dynamoCommands: string[] | undefined;
let kmsCommands: string[] | undefined;

async function registerTool(tool: TestTool, name: string): Promise<string> {
  const answer = await server.admin.request('POST', `/admin/environments/${env}/tools`, {
    name,
    oidcUrl: tool.oidcUrl,
    jwksUrl: tool.jwksUrl,
    redirectUris: [tool.redirectUri],
  });
  expect(answer.status).toBe(201);
  const { clientId, platformConfiguration } = answer.json;
  tool.knowPlatform({ ...platformConfiguration, clientId, landingUrl: `${tool.origin}/landed` });
  tokenUrl = platformConfiguration.tokenUrl;
  return clientId as string;
}

/**
 * A learner's whole launch into an activity, in a fresh browser: the ticket's redirect to the tool's
 * login initiation, the tool's authentication request, the academy's form post of the id_token,
 * which the tool verifies. `authorizing` runs just before the authentication request, `authorized`
 * just after its answer.
 */
async function launch(
  tool: TestTool,
  activityId: string,
  userId: string,
  hooks: { authorizing?: () => void; authorized?: () => void } = {},
): Promise<void> {
  const browser = new Browser();
  const toLogin = await browser.get(await ticketUrl(server, env, activityId, userId));
  expect(toLogin.status).toBe(302);
  const toAuthorize = await browser.get(toLogin.headers.get('location')!);
  expect(toAuthorize.status).toBe(302);
  hooks.authorizing?.();
  const authorized = await browser.get(toAuthorize.headers.get('location')!);
  const html = await authorized.text();
  hooks.authorized?.();
  expect(authorized.status).toBe(200);
  const { action, fields } = readFormPost(html);
  const landed = await browser.postForm(action, fields);
  expect(tool.problems).toEqual([]);
  expect(landed.status).toBe(303);
  expect(tool.launches.at(-1)!.claims).toMatchObject({
    sub: userId,
    'https://purl.imsglobal.org/spec/lti/claim/resource_link': { id: activityId },
  });
}

/** An access token from the real token endpoint (client credentials with a client assertion, Security 1.0 §4.1). */
async function accessToken(tool: TestTool, clientId: string): Promise<string> {
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: jwtBearer,
      client_assertion: tool.clientAssertion(clientId, tokenUrl),
      scope: `${scopes.score} ${scopes.resultReadonly}`,
    }),
  });
  const body = (await response.json()) as { access_token: string };
  expect(response.status).toBe(200);
  return body.access_token;
}

interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: unknown;
}

async function call(method: 'GET' | 'POST', path: string, token: string, score?: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(score ? { 'content-type': media.score } : { accept: media.results }) },
    ...(score ? { body: JSON.stringify(score) } : {}),
  });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), body: text ? JSON.parse(text) : undefined };
}

const defaultLineItem = (activityId: string) => `/${env}/lti13/ags/${activityId}/lineitems/default`;
/** A final, full-marks score: an exam's `passed`. */
const passingScore = (userId: string) => ({
  userId,
  scoreGiven: 100,
  scoreMaximum: 100,
  activityProgress: 'Completed',
  gradingProgress: 'FullyGraded',
  timestamp: new Date().toISOString(),
});
const postScore = (activityId: string, token: string, score: Record<string, unknown>) =>
  call('POST', `${defaultLineItem(activityId)}/scores`, token, score);
const resultsOf = (activityId: string, token: string, userId: string) =>
  call('GET', `${defaultLineItem(activityId)}/results?user_id=${encodeURIComponent(userId)}`, token);
const progressOf = (activityId: string, userId: string) => server.runtime.progress.get(env, activityId, userId);

beforeAll(async () => {
  [server, toolA, toolB] = await Promise.all([startTestServer(), startTestTool(), startTestTool()]);
  server.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      dynamoCommands?.push(String(context.commandName));
      return next(args);
    },
    { step: 'deserialize', name: 'recipientsCountDynamo' },
  );
  (server.runtime.signer as unknown as { client: KMSClient }).client.middlewareStack.add(
    (next, context) => async (args) => {
      kmsCommands?.push(String(context.commandName));
      return next(args);
    },
    { step: 'deserialize', name: 'recipientsCountKms' },
  );
  await createEnvironment(server, env);
  for (const id of ['ann', 'bea', 'cal', 'dan']) await createUser(server, env, id, { email: `${id}@learners.example` });
  clientIds.a = await registerTool(toolA, 'Tool A');
  clientIds.b = await registerTool(toolB, 'Tool B');
  const created = async (body: Record<string, unknown>) => {
    const answer = await server.admin.request('POST', `/admin/environments/${env}/activities`, body);
    expect(answer.status).toBe(201);
    return answer.json.id as string;
  };
  exam = await created({
    type: 'exam',
    title: 'Final exam',
    minScore: 70,
    lti: { version: '1.3', toolId: clientIds.b, resourceUrl: `${toolB.origin}/resource/exam` },
  });
  course = await created({
    type: 'e-learning',
    title: 'Course',
    lti: { version: '1.3', toolId: clientIds.a, resourceUrl: `${toolA.origin}/resource/course` },
  });

  // Tool B launches bea into the exam and records that she started; then the exam moves to tool A.
  await launch(toolB, exam, 'bea');
  const started = { ...passingScore('bea'), scoreGiven: undefined, activityProgress: 'Started', gradingProgress: 'NotReady' };
  expect((await postScore(exam, await accessToken(toolB, clientIds.b), { ...started, comment: "tool B's note" })).status).toBe(204);
  const moved = await server.admin.request('PATCH', `/admin/environments/${env}/activities/${exam}`, {
    lti: { version: '1.3', toolId: clientIds.a, resourceUrl: `${toolA.origin}/resource/exam` },
  });
  expect(moved.status).toBe(200);
  // Tool A launches ann into the exam, and dan into its course only; cal is launched by no tool.
  await launch(toolA, exam, 'ann');
  await launch(toolA, course, 'dan');
}, 60_000);

afterAll(async () => {
  await Promise.all([server?.close(), toolA?.close(), toolB?.close()]);
});

describe("a tool's scores and results reach only the learners it launched into the activity", () => {
  /** Whom tool A did not launch into the exam, each a different case; `no-such-user` is no user at all. */
  const strangers = [
    ['cal', 'a user no tool ever launched'],
    ['bea', 'a learner tool B launched into this exam'],
    ['dan', 'a learner tool A launched into another activity only'],
    ['no-such-user', 'an id no user has'],
  ] as const;

  it('refuses a passing score for each of them with one answer, 400 naming userId, and changes nothing', async () => {
    const token = await accessToken(toolA, clientIds.a);
    const progressBefore = await Promise.all(strangers.map(([userId]) => progressOf(exam, userId)));
    expect(progressBefore.map((progress) => progress?.status)).toEqual([undefined, 'in-progress', undefined, undefined]);

    const answers = await Promise.all(strangers.map(([userId]) => postScore(exam, token, passingScore(userId))));
    expect(answers[0]).toEqual({
      status: 400,
      contentType: expect.stringMatching(/^application\/json/),
      body: {
        error: 'invalid_request',
        field: 'userId',
        message: "userId is not a learner launched into this activity by this tool (it is the sub of the learner's launch)",
      },
    });
    // The same status, headers that matter and body, to the byte: nothing tells the cases apart.
    for (const [i, [userId, who]] of strangers.entries()) expect([userId, who, answers[i]]).toEqual([userId, who, answers[0]]);

    expect(await Promise.all(strangers.map(([userId]) => progressOf(exam, userId)))).toEqual(progressBefore);
  });

  it("answers each of them [] when the tool reads their result, tool B's own result of bea included", async () => {
    const token = await accessToken(toolA, clientIds.a);
    const answers = await Promise.all(strangers.map(([userId]) => resultsOf(exam, token, userId)));
    for (const [i, [userId]] of strangers.entries()) {
      expect([userId, answers[i]]).toEqual([userId, { status: 200, contentType: media.results, body: [] }]);
    }
  });

  it('accepts the passing score of the learner it launched into the exam: she passes, and her result reads back', async () => {
    const token = await accessToken(toolA, clientIds.a);
    expect((await postScore(exam, token, passingScore('ann'))).status).toBe(204);
    expect(await progressOf(exam, 'ann')).toMatchObject({ status: 'passed', score: 100 });
    expect((await resultsOf(exam, token, 'ann')).body).toEqual([
      expect.objectContaining({ userId: 'ann', resultScore: 100, resultMaximum: 100 }),
    ]);
    // The learner it launched into the course is scored there.
    expect((await postScore(course, token, passingScore('dan'))).status).toBe(204);
    expect(await progressOf(course, 'dan')).toMatchObject({ status: 'completed', score: 100 });
  });
});

describe('what it costs', () => {
  it('records a launch with two more DynamoDB writes at authorization, sent together, and still one KMS Sign', async () => {
    const dynamo: string[] = [];
    const kms: string[] = [];
    await launch(toolA, exam, 'cal', {
      authorizing: () => void ((dynamoCommands = dynamo), (kmsCommands = kms)),
      authorized: () => void ((dynamoCommands = undefined), (kmsCommands = undefined)),
    });
    // The environment, the tool and the pending login (read at once), its consuming delete, and the
    // record with the learner's enrollment (NRPS memberships), both sent alongside the Sign.
    expect(dynamo.sort()).toEqual([
      'DeleteItemCommand',
      'GetItemCommand',
      'GetItemCommand',
      'GetItemCommand',
      'UpdateItemCommand',
      'UpdateItemCommand',
    ]);
    expect(kms).toEqual(['SignCommand']);
    // Launched now, cal may be scored.
    expect((await postScore(exam, await accessToken(toolA, clientIds.a), passingScore('cal'))).status).toBe(204);
  });

  it('reads the line item and the launch of the recipient in one BatchGetItem, for a refused score and an accepted one alike', async () => {
    const token = await accessToken(toolA, clientIds.a);
    const measured = async (userId: string) => {
      const commands: string[] = [];
      dynamoCommands = commands;
      const answer = await postScore(exam, token, passingScore(userId));
      dynamoCommands = undefined;
      return { status: answer.status, commands: commands.sort() };
    };
    // The environment, the token and the activity (at once), the tool, then the line item and the launch.
    const reads = ['BatchGetItemCommand', 'GetItemCommand', 'GetItemCommand', 'GetItemCommand', 'GetItemCommand'];
    for (const userId of ['bea', 'dan', 'no-such-user']) {
      const refused = await measured(userId);
      expect([userId, refused]).toEqual([userId, { status: 400, commands: reads }]);
    }
    // Then the result and the progress, one conditional write each.
    expect(await measured('ann')).toEqual({ status: 204, commands: [...reads, 'PutItemCommand', 'PutItemCommand'].sort() });
  });
});
