/**
 * The academy's Names and Role Provisioning Service (NRPS 2.0 §2-3) through the real local server:
 * who may read an activity's memberships (the scope, the activity's own tool, its environment),
 * what a member says (the `sub` of the launches as `user_id`, names, email, role, status, in the
 * media type), the role filter, `rlid`, and `limit` paging that never repeats nor skips a member
 * while learners enrol and leave between pages.
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../../functions/adapters/keys';
import type { Activity } from '../../../../functions/academy/model';
import { issueAccessToken } from '../../../../functions/lti13/core/platform-access-tokens';
import { expectError } from '../../../fixtures/expect-error';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';

const nrpsScope = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';
const agsScore = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';
const mediaType = 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json';
const learnerRole = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';

let server: TestServer;
const env = 'academy';
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

async function activity(environmentId: string, id: string, fields: Partial<Activity> = {}): Promise<void> {
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

async function user(id: string, environmentId = env): Promise<void> {
  const body = { email: `${id}@example.com`, givenName: ` ${id} `, familyName: 'Learner' };
  const answer = await server.admin.request('PUT', `/admin/environments/${environmentId}/users/${id}`, body);
  expect(answer.status).toBe(201);
}

/** What the authorization endpoint records at each launch: the tool launched the learner, who is enrolled. */
async function launched(activityId: string, userIds: readonly string[], toolId = tools.a!, environmentId = env): Promise<void> {
  for (const userId of userIds) {
    await server.runtime.platform.recordLaunchedLearner({ environmentId, activityId, userId, toolId }, Date.now());
  }
}

async function token(toolId: string, scopes: string[], environmentId = env): Promise<string> {
  return (await issueAccessToken(server.runtime, { environmentId, toolId, clientId: toolId, scopes })).access_token;
}

const membershipsUrl = (activityId: string, environmentId = env) =>
  `${server.baseUrl}/${environmentId}/lti13/nrps/${activityId}/memberships`;

async function get(url: string, tokenValue?: string, accept = mediaType) {
  const response = await fetch(url, {
    headers: { ...(tokenValue ? { authorization: `Bearer ${tokenValue}` } : {}), ...(accept ? { accept } : {}) },
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

/** The URL of a `Link: <…>; rel="next"` header (RFC 8288), when there is one. */
const nextOf = (headers: Headers) => /<([^>]+)>;\s*rel="next"/.exec(headers.get('link') ?? '')?.[1];

let readToken: string;
const learners = ['ann', 'bob', 'cat', 'dan', 'eve'];

beforeAll(async () => {
  server = await startTestServer();
  const environment = { name: 'Academy', ltiEnabled: true, academyUrl: 'https://academy.example/sso' };
  for (const id of [env, 'other', 'off']) {
    const body = id === 'off' ? { ...environment, ltiEnabled: false } : environment;
    expect((await server.admin.request('PUT', `/admin/environments/${id}`, body)).status).toBe(201);
  }
  tools.a = await registerTool(env, 'tool-a');
  tools.b = await registerTool(env, 'tool-b');
  tools.other = await registerTool('other', 'tool-other');
  for (const id of learners) await user(id);
  await user('ann', 'other');
  await activity(env, 'course', {
    title: 'Safety course',
    lti: { version: '1.3', toolId: tools.a!, resourceUrl: 'https://tool-a.example/launch', customParameters: { chapter: '2' } },
  });
  await activity(env, 'empty');
  await activity(env, 'of-tool-b', { lti: { version: '1.3', toolId: tools.b!, resourceUrl: 'https://tool-b.example/launch' } });
  await activity('other', 'course', { lti: { version: '1.3', toolId: tools.other!, resourceUrl: 'https://tool-other.example/launch' } });
  await launched('course', learners);
  await launched('of-tool-b', ['ann'], tools.b);
  await launched('course', ['ann'], tools.other, 'other');
  readToken = await token(tools.a!, [nrpsScope]);
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe('GET /{env}/lti13/nrps/{activityId}/memberships (NRPS 2.0 §2)', () => {
  it("answers the activity's enrolled learners in the membership container media type", async () => {
    const answer = await get(membershipsUrl('course'), readToken);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe(mediaType);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(nextOf(answer.headers)).toBeUndefined();
    expect(answer.json).toEqual({
      id: membershipsUrl('course'),
      context: { id: 'course', label: 'Safety course', title: 'Safety course' },
      members: learners.map((id) => ({
        status: 'Active',
        // §2.2: as the launches' `sub`, the academy user id.
        user_id: id,
        roles: [learnerRole],
        name: `${id} Learner`,
        given_name: id,
        family_name: 'Learner',
        email: `${id}@example.com`,
      })),
    });
  });

  it('answers an activity nobody launched yet with no members', async () => {
    const answer = await get(membershipsUrl('empty'), readToken);
    expect([answer.status, answer.json.members]).toEqual([200, []]);
  });

  it('lists a learner once, however often launched', async () => {
    await launched('course', ['ann', 'ann']);
    const answer = await get(membershipsUrl('course'), readToken);
    expect(answer.json.members.map((member: { user_id: string }) => member.user_id)).toEqual(learners);
  });

  it('accepts JSON or no Accept header, and answers 406 to an Accept it cannot meet', async () => {
    expect((await get(membershipsUrl('course'), readToken, 'application/json')).status).toBe(200);
    expect((await get(membershipsUrl('course'), readToken, '')).status).toBe(200);
    expectError(await get(membershipsUrl('course'), readToken, 'text/html'), { status: 406, code: 'not_acceptable', field: 'accept' });
  });

  describe('who may read them (NRPS 2.0 §3.1, §3.6.1; Security 1.0 §4.1)', () => {
    it('refuses a request without a token, with an unknown one, or with a token without the NRPS scope', async () => {
      const noToken = await get(membershipsUrl('course'));
      expectError(noToken, { status: 401, code: 'invalid_token', field: 'authorization' });
      expect(noToken.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expectError(await get(membershipsUrl('course'), 'not-a-token'), { status: 401, code: 'invalid_token', field: 'authorization' });
      const agsOnly = await token(tools.a!, [agsScore]);
      expectError(await get(membershipsUrl('course'), agsOnly), { status: 403, code: 'insufficient_scope', field: 'authorization' });
    });

    it("answers another tool's activity as if it did not exist, and nothing of it", async () => {
      const answer = await get(membershipsUrl('of-tool-b'), readToken);
      expectError(answer, { status: 404, code: 'not_found' });
      expect(JSON.stringify(answer.json)).not.toContain('ann');
      // Tool B reads its own.
      const own = await get(membershipsUrl('of-tool-b'), await token(tools.b!, [nrpsScope]));
      expect(own.json.members.map((member: { user_id: string }) => member.user_id)).toEqual(['ann']);
    });

    it("refuses a token of another environment, even for an activity of that environment's id", async () => {
      expectError(await get(membershipsUrl('course', 'other'), readToken), { status: 401, code: 'invalid_token', field: 'authorization' });
      const otherToken = await token(tools.other!, [nrpsScope], 'other');
      expectError(await get(membershipsUrl('course'), otherToken), { status: 401, code: 'invalid_token', field: 'authorization' });
    });

    it('answers 403 lti_disabled in an environment with LTI off, and 404 for an unknown environment or activity', async () => {
      expectError(await get(membershipsUrl('course', 'off'), readToken), { status: 403, code: 'lti_disabled' });
      expectError(await get(membershipsUrl('course', 'nowhere'), readToken), { status: 404, code: 'not_found' });
      expectError(await get(membershipsUrl('missing'), readToken), { status: 404, code: 'not_found' });
    });

    it("stops answering a tool's tokens once the tool is deactivated", async () => {
      const c = await registerTool(env, 'tool-c');
      await activity(env, 'of-tool-c', { lti: { version: '1.3', toolId: c, resourceUrl: 'https://tool-c.example/launch' } });
      const cToken = await token(c, [nrpsScope]);
      expect((await get(membershipsUrl('of-tool-c'), cToken)).status).toBe(200);
      const off = await server.admin.request('PATCH', `/admin/environments/${env}/tools/${c}`, { activated: false });
      expect(off.status).toBe(200);
      expectError(await get(membershipsUrl('of-tool-c'), cToken), { status: 401, code: 'invalid_token', field: 'authorization' });
    });
  });

  describe('role (§2.4.1)', () => {
    it.each([['Learner'], [learnerRole]])('role=%s answers every member (all are learners)', async (role) => {
      const answer = await get(`${membershipsUrl('course')}?role=${encodeURIComponent(role)}`, readToken);
      expect(answer.json.members).toHaveLength(learners.length);
    });

    it.each([['Instructor'], ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'], ['nonsense']])(
      'role=%s answers no one',
      async (role) => {
        const answer = await get(`${membershipsUrl('course')}?role=${encodeURIComponent(role)}`, readToken);
        expect([answer.status, answer.json.members, nextOf(answer.headers)]).toEqual([200, [], undefined]);
      },
    );
  });

  describe('rlid (§3)', () => {
    it('answers the members of the resource link, the activity, each with the message section of its launch (§3.2)', async () => {
      const answer = await get(`${membershipsUrl('course')}?rlid=course`, readToken);
      expect(answer.status).toBe(200);
      expect(answer.json.id).toBe(`${membershipsUrl('course')}?rlid=course`);
      expect(answer.json.members).toHaveLength(learners.length);
      expect(answer.json.members[0].message).toEqual([
        {
          'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiResourceLinkRequest',
          'https://purl.imsglobal.org/spec/lti/claim/custom': { chapter: '2' },
        },
      ]);
    });

    it('denies a resource link that is not in the context (§3.1)', async () => {
      expectError(await get(`${membershipsUrl('course')}?rlid=of-tool-b`, readToken), { status: 404, code: 'not_found', field: 'rlid' });
    });
  });

  describe('limit and the next link (§2.4.2, RFC 8288)', () => {
    it('pages with limit, keeping the filters in the next link, to the last page which has none', async () => {
      let url: string | undefined = `${membershipsUrl('course')}?limit=2&role=Learner&rlid=course`;
      const pages: string[][] = [];
      while (url) {
        const answer = await get(url, readToken);
        expect(answer.status).toBe(200);
        pages.push(answer.json.members.map((member: { user_id: string }) => member.user_id));
        url = nextOf(answer.headers);
        if (url) expect(new URL(url).searchParams.get('role')).toBe('Learner');
        if (url) expect(new URL(url).searchParams.get('rlid')).toBe('course');
      }
      expect(pages).toEqual([['ann', 'bob'], ['cat', 'dan'], ['eve']]);
    });

    it('refuses a limit that is not a positive integer, and a cursor it did not give', async () => {
      for (const limit of ['0', '-1', 'ten', '1.5']) {
        expectError(await get(`${membershipsUrl('course')}?limit=${limit}`, readToken), {
          status: 400,
          code: 'invalid_request',
          field: 'limit',
        });
      }
      for (const cursor of ['%23', 'bm90IGFuIGlk!', Buffer.from('a#b').toString('base64url')]) {
        expectError(await get(`${membershipsUrl('course')}?cursor=${cursor}`, readToken), {
          status: 400,
          code: 'invalid_request',
          field: 'cursor',
        });
      }
    });

    it('never repeats nor skips a member while learners enrol and leave between pages', async () => {
      const roster = Array.from({ length: 30 }, (_, index) => `m${String(index).padStart(2, '0')}`);
      for (const id of roster) await user(id);
      await activity(env, 'busy');
      await launched('busy', roster);
      const leaving = ['m05', 'm25'];
      const seen: string[] = [];
      let url: string | undefined = `${membershipsUrl('busy')}?limit=7`;
      for (let page = 0; url; page++) {
        const answer = await get(url, readToken);
        expect(answer.status).toBe(200);
        seen.push(...answer.json.members.map((member: { user_id: string }) => member.user_id));
        url = nextOf(answer.headers);
        if (page === 1) {
          // Between pages: learners enrol before and after the cursor, progress is recorded, two learners leave.
          for (const id of ['a-early', 'm14b', 'z-late']) await user(id);
          await launched('busy', ['a-early', 'm14b', 'z-late']);
          await server.runtime.progress.put({
            environmentId: env,
            activityId: 'busy',
            userId: 'm20',
            status: 'completed',
            updatedAt: new Date().toISOString(),
          });
          for (const id of leaving) {
            const { data } = server.runtime.config.tables;
            await server.dynamo.send(new DeleteCommand({ TableName: data, Key: keys.learner(env, 'busy', id, 'ENROLL') }));
          }
        }
      }
      // Everyone there from first page to last is seen exactly once; who came or went meanwhile at most once.
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of roster.filter((id) => !leaving.includes(id))) expect(seen).toContain(id);
      expect(seen).not.toContain('m25');
      expect(seen).toContain('z-late');
      expect(seen).not.toContain('a-early');
      expect(seen).toEqual([...seen].sort());
    });
  });
});
