/**
 * The academy's Assignment and Grade Services (AGS 2.0 §3.2-3.4) through the real local server:
 * bearer tokens and their scopes, a tool reaching only its own activities, line item CRUD and
 * paging, scores becoming results and progress (the exam threshold on both sides, only once
 * `FullyGraded`), and an older timestamp never overwriting a newer result.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { issueAccessToken } from '../../../../functions/lti13/core/platform-access-tokens';
import type { Activity } from '../../../../functions/academy/model';
import { expectError } from '../../../fixtures/expect-error';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';

const scopes = {
  lineitem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineitemReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  resultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
};
const allScopes = Object.values(scopes);
const media = {
  lineitem: 'application/vnd.ims.lis.v2.lineitem+json',
  container: 'application/vnd.ims.lis.v2.lineitemcontainer+json',
  score: 'application/vnd.ims.lis.v1.score+json',
  results: 'application/vnd.ims.lis.v2.resultcontainer+json',
};

let server: TestServer;
const env = 'academy';
const learners = ['ann', 'bob', 'cat', 'dan', 'eve'];

/** Activities are written straight to the store, for fixed ids that read well in URLs; tools are registered through the admin API. */
async function activity(environmentId: string, id: string, fields: Partial<Activity>): Promise<void> {
  const now = new Date().toISOString();
  await server.runtime.activities.create({
    id,
    environmentId,
    type: 'e-learning',
    title: `Activity ${id}`,
    availableForLti: false,
    lti: { version: '1.3', toolId: tools.a!, resourceUrl: 'https://tool-a.example/launch' },
    createdAt: now,
    updatedAt: now,
    ...fields,
  } as Activity);
}

/** Tool ids (also their client ids) by name. */
const tools: Record<string, string> = {};

async function registerTool(environmentId: string, name: string): Promise<string> {
  const answer = await server.admin.request('POST', `/admin/environments/${environmentId}/tools`, {
    name,
    oidcUrl: `https://${name}.example/login`,
    jwksUrl: `https://${name}.example/jwks`,
    activated: true,
  });
  expect(answer.status).toBe(201);
  return answer.json.id;
}

/**
 * Records that a tool launched learners into an activity, as the authorization endpoint does at each
 * launch: a tool's scores are taken only for those (whole launches, and everyone else refused:
 * `./platform-score-recipients.test.ts`).
 */
async function launched(activityId: string, userIds: readonly string[], toolId = tools.a!): Promise<void> {
  for (const userId of userIds) {
    await server.runtime.platform.recordLaunchedLearner({ environmentId: env, activityId, userId, toolId }, Date.now());
  }
}

async function token(toolId: string, granted: string[], environmentId = env): Promise<string> {
  const answer = await issueAccessToken(server.runtime, { environmentId, toolId, clientId: toolId, scopes: granted });
  return answer.access_token;
}

interface Answer {
  status: number;
  headers: Headers;
  json: any;
}

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; contentType?: string; accept?: string; url?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  if (options.accept) headers.accept = options.accept;
  const response = await fetch(options.url ?? `${server.baseUrl}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

const lineItems = (activityId: string, environmentId = env) => `/${environmentId}/lti13/ags/${activityId}/lineitems`;
const score = (userId: string, fields: Record<string, unknown>) => ({
  userId,
  activityProgress: 'Completed',
  gradingProgress: 'FullyGraded',
  timestamp: new Date().toISOString(),
  ...fields,
});
const postScore = (activityId: string, lineItemId: string, body: unknown, tokenValue: string) =>
  call('POST', `${lineItems(activityId)}/${lineItemId}/scores`, { token: tokenValue, body, contentType: media.score });
const progressOf = (activityId: string, userId: string) => server.runtime.progress.get(env, activityId, userId);

let full: string;

beforeAll(async () => {
  server = await startTestServer();
  const environment = { name: 'Academy', ltiEnabled: true, academyUrl: 'https://academy.example/sso' };
  expect((await server.admin.request('PUT', `/admin/environments/${env}`, environment)).status).toBe(201);
  expect((await server.admin.request('PUT', '/admin/environments/other', environment)).status).toBe(201);
  expect((await server.admin.request('PUT', '/admin/environments/off', { ...environment, ltiEnabled: false })).status).toBe(201);
  for (const id of learners) {
    const user = { email: `${id}@example.com`, givenName: id, familyName: 'Learner' };
    expect((await server.admin.request('PUT', `/admin/environments/${env}/users/${id}`, user)).status).toBe(201);
  }
  tools.a = await registerTool(env, 'tool-a');
  tools.b = await registerTool(env, 'tool-b');
  tools.off = await registerTool('off', 'tool-off');
  await activity(env, 'course', { title: 'Safety course' });
  await activity(env, 'exam', { type: 'exam', title: 'Final exam', minScore: 70 });
  await activity(env, 'paging', {});
  await activity(env, 'of-tool-b', { lti: { version: '1.3', toolId: tools.b!, resourceUrl: 'https://tool-b.example/launch' } });
  await activity(env, 'lti12', { lti: { version: '1.2', key: 'k', secret: 's', launchUrl: 'https://t.example/', resourceLinkId: 'r' } });
  await activity(env, 'own', { lti: undefined });
  await activity('off', 'course', { lti: { version: '1.3', toolId: tools.off!, resourceUrl: 'https://tool-off.example/launch' } });
  await launched('course', learners);
  await launched('exam', learners);
  full = await token(tools.a!, allScopes);
});
afterAll(() => server?.close());

describe('access: bearer tokens (RFC 6750) and scopes (AGS §3.2, §3.3.2, §3.4.2)', () => {
  it('answers 401 with a Bearer challenge without a token, or with an unknown one', async () => {
    const none = await call('GET', lineItems('course'));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    await expectError(none, { status: 401, code: 'invalid_token', field: 'authorization' });
    const unknown = await call('GET', lineItems('course'), { token: 'not-a-token' });
    await expectError(unknown, { status: 401, code: 'invalid_token', field: 'authorization' });
  });

  it('refuses a token of another environment (401): tokens are bound to the environment that issued them', async () => {
    await activity('other', 'course', {});
    const answer = await call('GET', lineItems('course'), { token: await token(tools.a!, allScopes, 'other') });
    await expectError(answer, { status: 401, code: 'invalid_token', field: 'authorization' });
  });

  it("refuses tool A's token on tool B's line items, scores and results, as if they did not exist (404)", async () => {
    const tokenB = await token(tools.b!, allScopes);
    expect((await call('GET', `${lineItems('of-tool-b')}/default`, { token: tokenB })).status).toBe(200);
    for (const [method, path, body, contentType] of [
      ['GET', lineItems('of-tool-b')],
      ['GET', `${lineItems('of-tool-b')}/default`],
      ['POST', lineItems('of-tool-b'), { label: 'x', scoreMaximum: 1 }, media.lineitem],
      ['POST', `${lineItems('of-tool-b')}/default/scores`, score('ann', { scoreGiven: 1, scoreMaximum: 1 }), media.score],
      ['GET', `${lineItems('of-tool-b')}/default/results`],
    ] as const) {
      const answer = await call(method, path, { token: full, ...(body ? { body, contentType } : {}) });
      expect([method, path, answer.status, answer.json.error]).toEqual([method, path, 404, 'not_found']);
    }
    expect(await progressOf('of-tool-b', 'ann')).toBeUndefined();
  });

  it('refuses a score without the score scope (403 insufficient_scope), and writes without the lineitem scope', async () => {
    const readOnly = await token(tools.a!, [scopes.lineitemReadonly, scopes.resultReadonly]);
    const denied = await postScore('course', 'default', score('ann', { scoreGiven: 5, scoreMaximum: 10 }), readOnly);
    await expectError(denied, { status: 403, code: 'insufficient_scope', field: 'authorization' });
    expect(denied.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope"/);
    expect(await progressOf('course', 'ann')).toBeUndefined();

    expect((await call('GET', lineItems('course'), { token: readOnly })).status).toBe(200);
    expect((await call('GET', `${lineItems('course')}/default/results`, { token: readOnly })).status).toBe(200);
    const create = await call('POST', lineItems('course'), {
      token: readOnly,
      body: { label: 'x', scoreMaximum: 1 },
      contentType: media.lineitem,
    });
    await expectError(create, { status: 403, code: 'insufficient_scope', field: 'authorization' });

    const scoreOnly = await token(tools.a!, [scopes.score]);
    expect((await call('GET', lineItems('course'), { token: scoreOnly })).status).toBe(403);
    expect((await call('GET', `${lineItems('course')}/default/results`, { token: scoreOnly })).status).toBe(403);
  });

  it('answers 404 for activities that are not external LTI 1.3 ones, and 403 where LTI is off', async () => {
    for (const id of ['lti12', 'own', 'missing']) {
      expect((await call('GET', `${lineItems(id)}/default`, { token: full })).status).toBe(404);
    }
    const off = await call('GET', `${lineItems('course', 'off')}/default`, { token: await token(tools.off!, allScopes, 'off') });
    await expectError(off, { status: 403, code: 'lti_disabled' });
    expect(off.json.message).toBe('LTI is not enabled in this environment');
    // Before the token: without one, or with another environment's, LTI off still answers 403.
    for (const bearer of [undefined, full]) {
      const first = await call('GET', `${lineItems('course', 'off')}/default`, { token: bearer });
      await expectError(first, { status: 403, code: 'lti_disabled' });
      expect(first.headers.get('www-authenticate')).toBeNull();
    }
  });
  it("stops a deactivated tool's tokens at once (401 invalid_token), and takes them again once it is reactivated", async () => {
    const path = `/admin/environments/${env}/tools/${tools.b}`;
    const tokenB = await token(tools.b!, allScopes);
    expect((await server.admin.request('PATCH', path, { activated: false })).status).toBe(200);
    try {
      const refused = await postScore('of-tool-b', 'default', score('ann', { scoreGiven: 1, scoreMaximum: 1 }), tokenB);
      await expectError(refused, { status: 401, code: 'invalid_token', field: 'authorization' });
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      expect(await progressOf('of-tool-b', 'ann')).toBeUndefined();
    } finally {
      expect((await server.admin.request('PATCH', path, { activated: true })).status).toBe(200);
    }
    expect((await call('GET', `${lineItems('of-tool-b')}/default`, { token: tokenB })).status).toBe(200);
  });
});

describe('line items (AGS §3.2)', () => {
  it("has the activity's own line item: its title, 100 points, its resource link", async () => {
    const answer = await call('GET', `${lineItems('exam')}/default`, { token: full, accept: media.lineitem });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe(media.lineitem);
    expect(answer.json).toEqual({
      id: `${server.baseUrl}${lineItems('exam')}/default`,
      label: 'Final exam',
      scoreMaximum: 100,
      resourceLinkId: 'exam',
    });
  });

  it('creates, reads, replaces and deletes a line item with the lineitem media type', async () => {
    const body = {
      label: 'Chapter 5 Test',
      scoreMaximum: 60,
      resourceId: 'quiz-231',
      tag: 'grade',
      startDateTime: '2018-03-06T20:05:02Z',
      id: 'ignored',
    };
    const created = await call('POST', lineItems('course'), { token: full, body, contentType: media.lineitem, accept: media.lineitem });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe(media.lineitem);
    const id: string = created.json.id;
    expect(id).toMatch(new RegExp(`^${server.baseUrl}${lineItems('course')}/[0-9a-f-]{36}$`));
    expect(created.headers.get('location')).toBe(id);
    expect(created.json).toEqual({
      id,
      label: 'Chapter 5 Test',
      scoreMaximum: 60,
      resourceId: 'quiz-231',
      tag: 'grade',
      startDateTime: '2018-03-06T20:05:02Z',
    });

    expect((await call('GET', '', { url: id, token: full })).json).toEqual(created.json);

    const replaced = await call('PUT', '', {
      url: id,
      token: full,
      body: { label: 'Chapter 5 Test (revised)', scoreMaximum: 50, tag: 'grade', resourceLinkId: 'another-link' },
      contentType: media.lineitem,
    });
    expect(replaced.status).toBe(200);
    // A complete replacement: resourceId and startDateTime are gone; resourceLinkId cannot change.
    expect(replaced.json).toEqual({ id, label: 'Chapter 5 Test (revised)', scoreMaximum: 50, tag: 'grade' });
    expect((await call('GET', '', { url: id, token: full })).json).toEqual(replaced.json);

    expect((await call('DELETE', '', { url: id, token: full })).status).toBe(204);
    expect((await call('GET', '', { url: id, token: full })).status).toBe(404);
    expect((await call('DELETE', '', { url: id, token: full })).status).toBe(404);
    expect(
      (await call('PUT', '', { url: id, token: full, body: { label: 'x', scoreMaximum: 1 }, contentType: media.lineitem })).status,
    ).toBe(404);
  });

  it('keeps the default line item: label and maximum stay, tool attributes apply, DELETE is 405', async () => {
    const put = await call('PUT', `${lineItems('course')}/default`, {
      token: full,
      body: { label: 'Renamed by the tool', scoreMaximum: 10, tag: 'final', resourceId: 'r-1' },
      contentType: media.lineitem,
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      label: 'Safety course',
      scoreMaximum: 100,
      resourceLinkId: 'course',
      tag: 'final',
      resourceId: 'r-1',
    });
    expect((await call('GET', `${lineItems('course')}/default`, { token: full })).json).toEqual(put.json);

    const deleted = await call('DELETE', `${lineItems('course')}/default`, { token: full });
    await expectError(deleted, { status: 405, code: 'method_not_allowed' });
    expect(deleted.headers.get('allow')).toBe('GET, PUT');
    expect((await call('GET', `${lineItems('course')}/default`, { token: full })).status).toBe(200);
  });

  it.each([
    [{ scoreMaximum: 10 }, 'label'],
    [{ label: '   ', scoreMaximum: 10 }, 'label'],
    [{ label: 'x' }, 'scoreMaximum'],
    [{ label: 'x', scoreMaximum: 0 }, 'scoreMaximum'],
    [{ label: 'x', scoreMaximum: '10' }, 'scoreMaximum'],
    [{ label: 'x', scoreMaximum: 10, endDateTime: '2018-04-06 22:05' }, 'endDateTime'],
    [{ label: 'x', scoreMaximum: 10, startDateTime: '2018-04-06T22:05:03' }, 'startDateTime'],
    [{ label: 'x', scoreMaximum: 10, tag: 7 }, 'tag'],
    [{ label: 'x', scoreMaximum: 10, gradesReleased: 'yes' }, 'gradesReleased'],
    ['not an object', 'body'],
  ])('refuses %j naming %s (400)', async (body, field) => {
    const answer = await call('POST', lineItems('course'), { token: full, body, contentType: media.lineitem });
    await expectError(answer, { status: 400, code: 'invalid_request', field });
    expect(answer.json.message).toContain(field);
  });

  it('answers 404 for a resource link of another context (§3.2.9), 415 for another media type, 406 for an unacceptable Accept', async () => {
    const link = await call('POST', lineItems('course'), {
      token: full,
      body: { label: 'x', scoreMaximum: 1, resourceLinkId: 'exam' },
      contentType: media.lineitem,
    });
    expect(link.status).toBe(404);
    const own = await call('POST', lineItems('course'), {
      token: full,
      body: { label: 'x', scoreMaximum: 1, resourceLinkId: 'course' },
      contentType: media.lineitem,
    });
    expect(own.status).toBe(201);
    expect(own.json.resourceLinkId).toBe('course');

    const plain = await call('POST', lineItems('course'), {
      token: full,
      body: { label: 'x', scoreMaximum: 1 },
      contentType: 'application/json',
    });
    expect(plain.status).toBe(415);
    expect(plain.json.message).toContain(media.lineitem);
    const html = await call('GET', lineItems('course'), { token: full, accept: 'text/html' });
    expect(html.status).toBe(406);
    expect((await call('GET', lineItems('course'), { token: full, accept: 'application/json' })).status).toBe(200);
  });

  it('lists with filters and pages with Link: rel="next" (§3.2.4), keeping the filters in the next URL', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const body = {
        label: `Quiz ${i}`,
        scoreMaximum: 10,
        tag: i % 2 === 0 ? 'even' : 'odd',
        resourceId: `quiz-${i}`,
        ...(i < 2 ? { resourceLinkId: 'paging' } : {}),
      };
      const answer = await call('POST', lineItems('paging'), { token: full, body, contentType: media.lineitem });
      expect(answer.status).toBe(201);
      created.push(answer.json.id);
    }
    const walk = async (query: string) => {
      const seen: any[] = [];
      let url: string | undefined = `${server.baseUrl}${lineItems('paging')}${query}`;
      let pages = 0;
      while (url) {
        const answer = await call('GET', '', { url, token: full, accept: media.container });
        expect(answer.status).toBe(200);
        expect(answer.headers.get('content-type')).toBe(media.container);
        seen.push(...answer.json);
        pages++;
        const link = answer.headers.get('link');
        url = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1] : undefined;
        if (url) expect(url.startsWith(`${server.baseUrl}${lineItems('paging')}?`)).toBe(true);
      }
      return { seen, pages };
    };

    const all = await walk('?limit=2');
    expect(all.pages).toBe(3);
    expect(all.seen.map((item) => item.id)).toEqual([`${server.baseUrl}${lineItems('paging')}/default`, ...[...created].sort()]);

    const even = await walk('?tag=even&limit=1');
    expect(even.pages).toBe(3);
    expect(even.seen.map((item) => item.label).sort()).toEqual(['Quiz 0', 'Quiz 2', 'Quiz 4']);

    const linked = await walk('?resource_link_id=paging');
    expect(linked.seen[0].label).toBe('Activity paging');
    expect(linked.seen.map((item) => item.label).sort()).toEqual(['Activity paging', 'Quiz 0', 'Quiz 1']);

    const both = await walk('?resource_link_id=paging&resource_id=quiz-1');
    expect(both.seen.map((item) => item.label)).toEqual(['Quiz 1']);
    expect((await walk('?resource_id=nothing')).seen).toEqual([]);

    const bad = await call('GET', `${lineItems('paging')}?limit=0`, { token: full });
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe('limit');
  });
});

describe('scores (AGS §3.4) become results and progress', () => {
  it('makes an exam failed one point below minScore and passed at minScore, only once FullyGraded', async () => {
    const t = Date.parse('2030-01-01T00:00:00Z');
    const at = (seconds: number) => new Date(t + seconds * 1000).toISOString();

    const pending = await postScore(
      'exam',
      'default',
      score('ann', { scoreGiven: 95, scoreMaximum: 100, gradingProgress: 'PendingManual', timestamp: at(1) }),
      full,
    );
    expect(pending.status).toBe(204);
    expect(await progressOf('exam', 'ann')).toMatchObject({ status: 'in-progress' });
    expect((await progressOf('exam', 'ann'))?.score).toBeUndefined();

    expect((await postScore('exam', 'default', score('ann', { scoreGiven: 69, scoreMaximum: 100, timestamp: at(2) }), full)).status).toBe(
      204,
    );
    expect(await progressOf('exam', 'ann')).toMatchObject({ status: 'failed', score: 69 });

    expect((await postScore('exam', 'default', score('ann', { scoreGiven: 70, scoreMaximum: 100, timestamp: at(3) }), full)).status).toBe(
      204,
    );
    expect(await progressOf('exam', 'ann')).toMatchObject({ status: 'passed', score: 70 });

    // 0.7 of 1 is exactly 70 percent, not 69.99999999999999: it passes.
    expect((await postScore('exam', 'default', score('bob', { scoreGiven: 0.7, scoreMaximum: 1 }), full)).status).toBe(204);
    expect(await progressOf('exam', 'bob')).toMatchObject({ status: 'passed', score: 70 });
    expect((await postScore('exam', 'default', score('cat', { scoreGiven: 13.8, scoreMaximum: 20 }), full)).status).toBe(204);
    expect(await progressOf('exam', 'cat')).toMatchObject({ status: 'failed', score: 69 });
  });

  it('makes an e-learning completed, with the score when final', async () => {
    expect(
      (await postScore('course', 'default', score('ann', { activityProgress: 'Started', gradingProgress: 'NotReady' }), full)).status,
    ).toBe(204);
    expect(await progressOf('course', 'ann')).toMatchObject({ status: 'in-progress' });
    expect((await postScore('course', 'default', score('ann', { gradingProgress: 'NotReady' }), full)).status).toBe(204);
    expect(await progressOf('course', 'ann')).toMatchObject({ status: 'completed' });
    expect((await postScore('course', 'default', score('ann', { scoreGiven: 8, scoreMaximum: 20 }), full)).status).toBe(204);
    expect(await progressOf('course', 'ann')).toMatchObject({ status: 'completed', score: 40 });
  });

  it('ignores a score older than the one on record (§3.4.9), for the result and the progress', async () => {
    const newer = '2031-05-01T10:00:00.500+02:00';
    const older = '2031-05-01T08:00:00.499Z'; // one millisecond earlier, in another zone
    expect((await postScore('exam', 'default', score('dan', { scoreGiven: 80, scoreMaximum: 100, timestamp: newer }), full)).status).toBe(
      204,
    );
    expect((await postScore('exam', 'default', score('dan', { scoreGiven: 10, scoreMaximum: 100, timestamp: older }), full)).status).toBe(
      204,
    );
    expect(await progressOf('exam', 'dan')).toMatchObject({ status: 'passed', score: 80 });
    const results = await call('GET', `${lineItems('exam')}/default/results?user_id=dan`, { token: full });
    expect(results.json).toEqual([expect.objectContaining({ userId: 'dan', resultScore: 80, resultMaximum: 100 })]);
  });

  it('answers results from the stored scores, rescaled to the line item, filtered by user_id and paged', async () => {
    const created = await call('POST', lineItems('course'), {
      token: full,
      body: { label: 'Essay', scoreMaximum: 10 },
      contentType: media.lineitem,
    });
    const item: string = created.json.id;
    const itemId = item.split('/').pop()!;
    for (const [i, userId] of learners.entries()) {
      const body = score(userId, { scoreGiven: 10 * i, scoreMaximum: 100, comment: `well done ${userId}`, scoringUserId: 'teacher' });
      expect((await call('POST', '', { url: `${item}/scores`, token: full, body, contentType: media.score })).status).toBe(204);
    }
    // Scores on a line item the tool made hold results only: they are not the activity's progress.
    expect(await progressOf('course', 'eve')).toBeUndefined();

    const one = await call('GET', '', { url: `${item}/results?user_id=cat`, token: full, accept: media.results });
    expect(one.status).toBe(200);
    expect(one.headers.get('content-type')).toBe(media.results);
    expect(one.json).toEqual([
      {
        id: `${item}/results?user_id=cat`,
        scoreOf: item,
        userId: 'cat',
        resultScore: 2,
        resultMaximum: 10,
        scoringUserId: 'teacher',
        comment: 'well done cat',
      },
    ]);
    expect((await call('GET', '', { url: `${item}/results?user_id=nobody`, token: full })).json).toEqual([]);

    const seen: any[] = [];
    let url: string | undefined = `${item}/results?limit=2`;
    while (url) {
      const page = await call('GET', '', { url, token: full });
      seen.push(...page.json);
      const link = page.headers.get('link');
      url = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1] : undefined;
    }
    expect(seen.map((r) => [r.userId, r.resultScore])).toEqual(learners.map((u, i) => [u, i]));

    // A score without scoreGiven clears the score (§3.4.4), and its comment (§3.4.11).
    await call('POST', '', {
      url: `${item}/scores`,
      token: full,
      body: score('eve', { gradingProgress: 'NotReady', activityProgress: 'Initialized' }),
      contentType: media.score,
    });
    expect((await call('GET', '', { url: `${item}/results?user_id=eve`, token: full })).json).toEqual([
      { id: `${item}/results?user_id=eve`, scoreOf: item, userId: 'eve', resultMaximum: 10 },
    ]);
    expect((await call('GET', `${lineItems('course')}/${itemId}/results`, { token: full, accept: 'text/html' })).status).toBe(406);
  });

  it.each([
    [{ scoreGiven: 1, scoreMaximum: 1, timestamp: undefined }, 'timestamp'],
    [{ scoreGiven: 1, scoreMaximum: 1, timestamp: '2024-01-01T00:00:00.000' }, 'timestamp'],
    [{ scoreGiven: 1, scoreMaximum: 1, timestamp: '2024-02-30T00:00:00.000Z' }, 'timestamp'],
    [{ scoreGiven: -1, scoreMaximum: 1 }, 'scoreGiven'],
    [{ scoreGiven: 1 }, 'scoreMaximum'],
    [{ scoreGiven: 1, scoreMaximum: 0 }, 'scoreMaximum'],
    [{ activityProgress: 'Done' }, 'activityProgress'],
    [{ gradingProgress: undefined }, 'gradingProgress'],
    [{ userId: 'stranger' }, 'userId'],
    [{ userId: undefined }, 'userId'],
    [{ comment: 5 }, 'comment'],
    [{ scoringUserId: '' }, 'scoringUserId'],
    [{ submission: { startedAt: 'yesterday' } }, 'submission.startedAt'],
  ])('refuses a score with %j naming %s (400), changing nothing', async (fields, field) => {
    const answer = await postScore('course', 'default', { ...score('bob', {}), ...fields }, full);
    await expectError(answer, { status: 400, code: 'invalid_request', field });
    expect(await progressOf('course', 'bob')).toBeUndefined();
  });

  it('answers 415 for a score sent as application/json and 404 for an unknown line item', async () => {
    const plain = await call('POST', `${lineItems('course')}/default/scores`, {
      token: full,
      body: score('bob', {}),
      contentType: 'application/json',
    });
    expect(plain.status).toBe(415);
    expect(plain.json.message).toContain(media.score);
    expect((await postScore('course', 'no-such-item', score('bob', {}), full)).status).toBe(404);
    expect(await progressOf('course', 'bob')).toBeUndefined();
  });
});

describe('the platform AGS tests of the certification guide (cert §5.4), two contexts of one tool', () => {
  it('creates line items 1 and 2 with a lineitem-only token, 3 in a second context; posts scores to 3 and 1 and reads their results with single-scope tokens', async () => {
    await activity(env, 'context-1', { title: 'Context 1' });
    await activity(env, 'context-2', { title: 'Context 2' });
    await launched('context-1', ['bob']);
    await launched('context-2', ['bob']);
    const lineitemOnly = await token(tools.a!, [scopes.lineitem]);
    const create = async (context: string, label: string) => {
      const answer = await call('POST', lineItems(context), {
        token: lineitemOnly,
        body: { label, scoreMaximum: 10 },
        contentType: media.lineitem,
      });
      expect(answer.status).toBe(201);
      expect((await call('GET', '', { url: answer.json.id, token: lineitemOnly })).json).toEqual(answer.json);
      return answer.json.id as string;
    };
    const item1 = await create('context-1', 'Line item 1');
    await create('context-1', 'Line item 2');
    const item3 = await create('context-2', 'Line item 3');
    expect((await call('GET', lineItems('context-1'), { token: lineitemOnly })).json).toHaveLength(3);

    const scoreOnly = await token(tools.a!, [scopes.score]);
    for (const [item, given] of [
      [item3, 7],
      [item1, 9],
    ] as const) {
      const body = score('bob', { scoreGiven: given, scoreMaximum: 10 });
      expect((await call('POST', '', { url: `${item}/scores`, token: scoreOnly, body, contentType: media.score })).status).toBe(204);
    }
    expect((await call('GET', '', { url: `${item1}/results`, token: scoreOnly })).status).toBe(403);

    const resultsOnly = await token(tools.a!, [scopes.resultReadonly]);
    for (const [item, given] of [
      [item3, 7],
      [item1, 9],
    ] as const) {
      const answer = await call('GET', '', { url: `${item}/results`, token: resultsOnly, accept: media.results });
      expect(answer.json).toEqual([expect.objectContaining({ userId: 'bob', resultScore: given, resultMaximum: 10 })]);
    }
    // Neither is the activity's own line item: no progress.
    expect(await progressOf('context-1', 'bob')).toBeUndefined();
  });
});

describe('with a real token from POST /{env}/lti13/token (a client assertion signed by jsonwebtoken)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'ags-test-key';
  let jwks: Server;
  let jwksUrl: string;

  beforeAll(async () => {
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise<void>((resolve) => jwks.close(() => resolve())));

  /** Registers a tool and an exam of it through the admin API; answers the tool's client id and token URL. */
  async function registeredExam(name: string, examId: string): Promise<{ clientId: string; tokenUrl: string }> {
    const tool = await server.admin.request('POST', `/admin/environments/${env}/tools`, {
      name,
      oidcUrl: 'http://127.0.0.1:9/login',
      jwksUrl,
      activated: true,
    });
    expect(tool.status).toBe(201);
    const exam = await server.admin.request('POST', `/admin/environments/${env}/activities`, {
      type: 'exam',
      title: `${name} exam`,
      minScore: 50,
      lti: { version: '1.3', toolId: tool.json.id, resourceUrl: 'https://tool.example/exam' },
    });
    expect(exam.status).toBe(201);
    expect(exam.json.id).toBeDefined();
    examIds[examId] = exam.json.id;
    await launched(exam.json.id, ['eve'], tool.json.id);
    return { clientId: tool.json.clientId, tokenUrl: tool.json.platformConfiguration.tokenUrl };
  }
  const examIds: Record<string, string> = {};

  async function realToken(clientId: string, tokenUrl: string, scope: string): Promise<string> {
    const assertion = jwt.sign({ jti: randomUUID() }, privateKey, {
      algorithm: 'RS256',
      keyid: kid,
      issuer: clientId,
      subject: clientId,
      audience: tokenUrl,
      expiresIn: 60,
    });
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        scope,
      }),
    });
    const body = (await response.json()) as { access_token: string; token_type: string };
    expect([response.status, body.token_type]).toEqual([200, 'Bearer']);
    return body.access_token;
  }

  it("scores with the tool's own token, and is refused on another tool's exam and without the score scope", async () => {
    const a = await registeredExam('Tool A', 'a');
    const b = await registeredExam('Tool B', 'b');
    const scoreToken = await realToken(a.clientId, a.tokenUrl, `${scopes.score} ${scopes.lineitemReadonly}`);

    expect((await postScore(examIds.a!, 'default', score('eve', { scoreGiven: 49, scoreMaximum: 100 }), scoreToken)).status).toBe(204);
    expect(await progressOf(examIds.a!, 'eve')).toMatchObject({ status: 'failed', score: 49 });
    expect((await postScore(examIds.a!, 'default', score('eve', { scoreGiven: 50, scoreMaximum: 100 }), scoreToken)).status).toBe(204);
    expect(await progressOf(examIds.a!, 'eve')).toMatchObject({ status: 'passed', score: 50 });

    const crossed = await postScore(examIds.b!, 'default', score('eve', { scoreGiven: 100, scoreMaximum: 100 }), scoreToken);
    expect(crossed.status).toBe(404);
    expect(await progressOf(examIds.b!, 'eve')).toBeUndefined();

    const readOnly = await realToken(b.clientId, b.tokenUrl, scopes.lineitemReadonly);
    expect((await call('GET', `${lineItems(examIds.b!)}/default`, { token: readOnly })).status).toBe(200);
    const denied = await postScore(examIds.b!, 'default', score('eve', { scoreGiven: 100, scoreMaximum: 100 }), readOnly);
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope"/);
    expect(await progressOf(examIds.b!, 'eve')).toBeUndefined();
  });
});
