/**
 * The AGS client and the access token client against the test platform: the platform verifies each
 * client assertion with `jsonwebtoken` against lti-bridge's `/.well-known/jwks.json` (served by the
 * real local server, signed by the KMS signer through the local KMS endpoint).
 */
import type { Platform } from '../../../../functions/academy/model';
import { clientAssertionType } from '../../../../functions/lti13/core/claims';
import { PlatformTokens } from '../../../../functions/lti13/core/tool-access-token';
import {
  findOrCreateLineItem,
  lineItemOf,
  sendScore,
  scoresUrl,
  scopesFor,
  type ToolAgsDeps,
  type ToolScore,
} from '../../../../functions/lti13/ags/tool-client';
import type { Lti13Binding } from '../../../../functions/ports';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import { agsScope, TestPlatform } from '../../../fixtures/lti13-platform';

let server: TestServer;
let lms: TestPlatform;
let registration: Platform;
let now: number;

beforeAll(async () => {
  server = await startTestServer();
  lms = await TestPlatform.start();
  lms.toolJwksUrl = `${server.baseUrl}/.well-known/jwks.json`;
  registration = {
    id: 'p-1',
    environmentId: 'demo',
    name: 'Test LMS',
    issuer: lms.issuer,
    clientId: lms.clientId,
    deploymentIds: [lms.deploymentId],
    authUrl: lms.authUrl,
    tokenUrl: lms.tokenUrl,
    jwksUrl: lms.jwksUrl,
    activated: true,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
});
afterAll(async () => {
  await lms?.close();
  await server?.close();
});
beforeEach(() => {
  now = Date.now();
  lms.scoreFailures.length = 0;
});

/** Fresh token cache per test, and a clock the test can move. */
function deps(tokens = new PlatformTokens()): ToolAgsDeps {
  return { http: server.runtime.http, signer: server.runtime.signer, clock: { now: () => now }, tokens };
}

const score = (userId: string, overrides: Partial<ToolScore> = {}): ToolScore => ({
  userId,
  scoreGiven: 83,
  scoreMaximum: 100,
  activityProgress: 'Completed',
  gradingProgress: 'FullyGraded',
  timestamp: new Date(now).toISOString(),
  ...overrides,
});

async function lineItemIn(context: string): Promise<string> {
  const answer = await fetch(lms.lineItemsUrl(context), { method: 'GET' });
  expect(answer.status).toBe(401);
  // created directly in the platform's store: the declarative model (AGS §4.3.1)
  const id = `${lms.url}/contexts/${context}/lineitems/1/lineitem`;
  lms.lineItems.set(context, [{ id, label: 'Given by the platform', scoreMaximum: 100, resourceId: 'platform-made' }]);
  return id;
}

describe('scores (AGS §3.4)', () => {
  it('posts a score with a token from a client assertion the platform verified, and reuses the token for the next score', async () => {
    const lineItem = await lineItemIn('c-score');
    const d = deps();
    const tokensBefore = lms.tokenRequests.length;
    await sendScore(d, registration, lineItem, score('sub-1'));
    await sendScore(d, registration, lineItem, score('sub-1', { scoreGiven: 90, timestamp: new Date(now + 1).toISOString() }));

    const requests = lms.tokenRequests.slice(tokensBefore);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.scope).toBe(agsScope.score);
    expect(request!.header).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    expect(request!.assertion).toMatchObject({
      iss: lms.clientId,
      sub: lms.clientId,
      aud: lms.tokenUrl,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'https://purl.imsglobal.org/spec/lti/claim/deployment_id': lms.deploymentId,
    });
    expect(request!.assertion.exp! - request!.assertion.iat!).toBe(300);

    const posted = lms.scores.filter((s) => s.lineItemUrl === lineItem);
    expect(posted).toHaveLength(2);
    expect(posted[0]!.contentType).toBe('application/vnd.ims.lis.v1.score+json');
    expect(posted[0]!.token).toBe(posted[1]!.token);
    expect(posted.map((s) => s.body)).toEqual([
      score('sub-1'),
      score('sub-1', { scoreGiven: 90, timestamp: new Date(now + 1).toISOString() }),
    ]);
    expect(posted[0]!.body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('signs the client assertion with iat and exp in whole seconds, whatever the milliseconds of the clock', async () => {
    // Blackboard Learn refuses a client assertion whose iat has a fraction with
    // `400 {"error":"invalid_jwt_token","error_description":"iat missing"}` (oat-sa/lib-lti1p3-core issue #153,
    // fixed by PR #189 "stripping off the microseconds"); the test platform answers the same.
    now = Math.floor(Date.now() / 1000) * 1000 - 500;
    const before = lms.tokenRequests.length;
    const errorsBefore = lms.tokenErrors.length;
    await new PlatformTokens().token(deps(), registration, [agsScope.score]);
    expect(lms.tokenErrors.slice(errorsBefore)).toEqual([]);
    const [request] = lms.tokenRequests.slice(before);
    const times = Object.entries(request!.assertion).filter(([claim]) => ['iat', 'exp', 'nbf'].includes(claim));
    expect(times.map(([claim]) => claim).sort()).toEqual(['exp', 'iat']);
    for (const [claim, value] of times) expect([claim, Number.isInteger(value)]).toEqual([claim, true]);
    expect(request!.assertion.iat).toBe(Math.floor(now / 1000));
  });

  it("addresses the client assertion to the registration's tokenAudience when set, else to the token URL", async () => {
    // Brightspace's token endpoint wants its "OAuth 2 Audience" (D2L Community, "Tool registration,
    // deployment and links", article 23662), `https://api.brightspace.com/auth/token` on every instance,
    // not the instance's token URL.
    const brightspace = 'https://api.brightspace.com/auth/token';
    lms.tokenAudience = brightspace;
    try {
      const refused = new PlatformTokens().token(deps(), { ...registration, id: 'p-aud' }, [agsScope.score]);
      await expect(refused).rejects.toMatchObject({
        retryable: false,
        message: expect.stringContaining('HTTP 400: invalid_client: client_assertion: jwt audience invalid'),
      });
      expect(lms.tokenErrors.at(-1)).toContain('jwt audience invalid');

      const before = lms.tokenRequests.length;
      const tokens = new PlatformTokens();
      const withAudience = { ...registration, id: 'p-aud', tokenAudience: brightspace };
      await tokens.token(deps(), withAudience, [agsScope.score]);
      expect(lms.tokenRequests.slice(before).map((r) => r.assertion.aud)).toEqual([brightspace]);
      // Another audience is another registration: the cached token is not reused for it.
      lms.tokenAudience = undefined;
      await tokens.token(deps(), { ...withAudience, tokenAudience: undefined }, [agsScope.score]);
      expect(lms.tokenRequests.slice(before).map((r) => r.assertion.aud)).toEqual([brightspace, lms.tokenUrl]);
    } finally {
      lms.tokenAudience = undefined;
    }
  });

  it('keeps the line item URL query when posting to its scores (§3.4.1)', () => {
    expect(scoresUrl('https://lms.example/li/7/lineitem?type=grade&x=1')).toBe('https://lms.example/li/7/lineitem/scores?type=grade&x=1');
    expect(scoresUrl('https://lms.example/li/7/')).toBe('https://lms.example/li/7/scores');
  });

  it('renews the token once when the platform answers 401, and gives up after a second 401', async () => {
    const lineItem = await lineItemIn('c-renew');
    const d = deps();
    await sendScore(d, registration, lineItem, score('sub-2'));
    const before = lms.tokenRequests.length;
    lms.revokeTokens();
    await sendScore(d, registration, lineItem, score('sub-2', { timestamp: new Date(now + 1).toISOString() }));
    expect(lms.tokenRequests.length - before).toBe(1);

    lms.scoreFailures.push(401, 401);
    await expect(sendScore(d, registration, lineItem, score('sub-2'))).rejects.toMatchObject({
      name: 'AgsError',
      status: 401,
      retryable: false,
    });
    expect(lms.tokenRequests.length - before).toBe(2);
  });

  it('asks for a new token shortly before the old one expires', async () => {
    const lineItem = await lineItemIn('c-expiry');
    const d = deps();
    lms.tokenLifetime = 120;
    try {
      const before = lms.tokenRequests.length;
      await sendScore(d, registration, lineItem, score('sub-3'));
      now += 59_000;
      await sendScore(d, registration, lineItem, score('sub-3'));
      expect(lms.tokenRequests.length - before).toBe(1);
      now += 2_000; // 61 s of 120: within the last minute
      await sendScore(d, registration, lineItem, score('sub-3'));
      expect(lms.tokenRequests.length - before).toBe(2);
    } finally {
      lms.tokenLifetime = 3600;
    }
  });

  it('caches tokens per scope set, and shares one token request among concurrent callers', async () => {
    const tokens = new PlatformTokens();
    const d = deps(tokens);
    const before = lms.tokenRequests.length;
    const [a, b, c] = await Promise.all([
      tokens.token(d, registration, [agsScope.score]),
      tokens.token(d, registration, [agsScope.score]),
      tokens.token(d, registration, [agsScope.lineitem, agsScope.score]),
    ]);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(
      lms.tokenRequests
        .slice(before)
        .map((r) => r.scope)
        .sort(),
    ).toEqual([agsScope.score, `${agsScope.lineitem} ${agsScope.score}`].sort());
  });

  it('says whether to retry: 5xx, 425 and 429 yes, other 4xx no', async () => {
    const lineItem = await lineItemIn('c-status');
    const d = deps();
    lms.scoreFailures.push(503);
    await expect(sendScore(d, registration, lineItem, score('sub-4'))).rejects.toMatchObject({ retryable: true, status: 503 });
    lms.scoreFailures.push(429);
    await expect(sendScore(d, registration, lineItem, score('sub-4'))).rejects.toMatchObject({ retryable: true, status: 429 });
    lms.scoreFailures.push(425);
    await expect(sendScore(d, registration, lineItem, score('sub-4'))).rejects.toMatchObject({ retryable: true, status: 425 });
    lms.scoreFailures.push(400);
    await expect(sendScore(d, registration, lineItem, score('sub-4'))).rejects.toMatchObject({ retryable: false, status: 400 });
    await expect(sendScore(d, registration, `${lms.url}/contexts/c-status/lineitems/99/lineitem`, score('sub-4'))).rejects.toMatchObject({
      retryable: false,
      status: 404,
    });
  });

  it("ends at once on an answer that will not change, quoting it (the bearer token redacted); retries 429 and Canvas's rate-limit 403 after their Retry-After", async () => {
    const lineItem = await lineItemIn('c-answers');
    const d = deps();
    lms.scoreFailures.push({ status: 422, body: { errors: [{ field: 'scoreGiven', message: 'must not exceed the maximum' }] } });
    await expect(sendScore(d, registration, lineItem, score('sub-6'))).rejects.toMatchObject({
      name: 'AgsError',
      status: 422,
      retryable: false,
      retryAfterSeconds: undefined,
      message: `the platform's scores endpoint answered HTTP 422: {"errors":[{"field":"scoreGiven","message":"must not exceed the maximum"}]}`,
    });
    await sendScore(d, registration, lineItem, score('sub-6'));
    const { token } = lms.scores.at(-1)!;
    lms.scoreFailures.push({ status: 400, body: `invalid request; Authorization: Bearer ${token}; token ${token}` });
    const echoed = await sendScore(d, registration, lineItem, score('sub-6')).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(echoed?.message).toBe(
      "the platform's scores endpoint answered HTTP 400: invalid request; Authorization: Bearer [redacted]; token [redacted]",
    );
    lms.scoreFailures.push({ status: 403, body: { error: 'insufficient_scope' } });
    await expect(sendScore(d, registration, lineItem, score('sub-6'))).rejects.toMatchObject({
      retryable: false,
      message: `the platform's scores endpoint answered HTTP 403 (the access token was refused: check the scopes granted to the academy): {"error":"insufficient_scope"}`,
    });

    lms.scoreFailures.push({ status: 429, headers: { 'retry-after': '30' } });
    await expect(sendScore(d, registration, lineItem, score('sub-6'))).rejects.toMatchObject({ retryable: true, retryAfterSeconds: 30 });
    // Canvas LMS REST API, "Throttling": a throttled request gets "403 Forbidden (Rate Limit Exceeded)", to retry later.
    lms.scoreFailures.push({ status: 403, body: '403 Forbidden (Rate Limit Exceeded)' });
    await expect(sendScore(d, registration, lineItem, score('sub-6'))).rejects.toMatchObject({
      retryable: true,
      message: "the platform's scores endpoint answered HTTP 403: 403 Forbidden (Rate Limit Exceeded)",
    });
    const at = new Date(now + 45_000).toUTCString();
    lms.tokenFailures.push({ status: 503, headers: { 'retry-after': at } });
    await expect(new PlatformTokens().token(d, { ...registration, id: 'p-busy' }, [agsScope.score])).rejects.toMatchObject({
      name: 'AccessTokenError',
      retryable: true,
      retryAfterSeconds: 45,
      message: `the platform's access token URL answered HTTP 503: temporarily_unavailable`,
    });
  });

  it('reports a refused client assertion without retrying, and an unreachable token URL as retryable', async () => {
    const lineItem = await lineItemIn('c-refused');
    const wrongClient = { ...registration, id: 'p-wrong', clientId: 'not-the-client' };
    const refused = sendScore(deps(), wrongClient, lineItem, score('sub-5'));
    await expect(refused).rejects.toMatchObject({ retryable: false });
    await expect(refused).rejects.toThrow(
      /^the platform's access token URL answered HTTP 400: invalid_client: client_assertion: jwt issuer invalid\. .*\(check the client id, /,
    );
    expect(lms.tokenErrors.at(-1)).toContain('jwt issuer invalid');

    const down = { ...registration, id: 'p-down', tokenUrl: 'http://127.0.0.1:9/token' };
    await expect(sendScore(deps(), down, lineItem, score('sub-5'))).rejects.toMatchObject({ retryable: true });
  });

  it('sends the assertion as RFC 7523 client authentication (form fields)', async () => {
    const before = lms.tokenRequests.length;
    await new PlatformTokens().token(deps(), registration, [agsScope.score]);
    expect(lms.tokenRequests.length - before).toBe(1);
    expect(clientAssertionType).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  });
});

describe('line items (AGS §3.2)', () => {
  const binding = (overrides: Partial<Lti13Binding>): Lti13Binding => ({
    version: '1.3',
    platformId: 'p-1',
    sub: 'sub-li',
    scopes: [agsScope.score],
    ...overrides,
  });
  const spec = (resourceId: string) => ({ resourceId, label: `Activity ${resourceId}`, scoreMaximum: 100, resourceLinkId: 'rl-1' });

  it('uses the launch line item when there is one', async () => {
    const b = binding({ lineitem: 'https://lms.example/li/1', lineitems: lms.lineItemsUrl('unused') });
    expect(await lineItemOf(deps(), registration, b, spec('x'))).toBe('https://lms.example/li/1');
    expect(scopesFor(b)).toEqual([agsScope.score]);
  });

  it('creates the activity line item once, then finds it (resource_id filter)', async () => {
    const context = 'c-create';
    const b = binding({ lineitems: lms.lineItemsUrl(context), scopes: [agsScope.lineitem, agsScope.score, agsScope.resultReadonly] });
    expect(scopesFor(b)).toEqual([agsScope.score, agsScope.lineitem]);
    const before = lms.lineItemRequests.length;
    const [first, second] = await Promise.all([
      lineItemOf(deps(), registration, b, spec('act-1')),
      lineItemOf(deps(), registration, b, spec('act-1')),
    ]);
    expect(first).toBe(second);
    expect(first).toBe(`${lms.url}/contexts/${context}/lineitems/1/lineitem`);
    const requests = lms.lineItemRequests.slice(before);
    expect(requests.map((r) => r.method)).toEqual(['GET', 'POST']);
    expect(new URL(requests[0]!.url).searchParams.get('resource_id')).toBe('act-1');
    expect(requests[1]!.body).toEqual({ resourceId: 'act-1', label: 'Activity act-1', scoreMaximum: 100, resourceLinkId: 'rl-1' });
    // Nothing kept once the lookup settled: the next call asks again (one GET), and finds it.
    expect(await lineItemOf(deps(), registration, b, spec('act-1'))).toBe(first);
    expect(lms.lineItemRequests.slice(before).map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
    expect(await findOrCreateLineItem(deps(), registration, b.lineitems!, spec('act-1'), scopesFor(b), true)).toBe(first);
    expect(lms.lineItems.get(context)).toHaveLength(1);
  });

  it('finds an existing line item with read-only access, and cannot create one', async () => {
    const context = 'c-readonly';
    const existing = `${lms.url}/contexts/${context}/lineitems/1/lineitem`;
    lms.lineItems.set(context, [{ id: existing, label: 'Made by the platform', scoreMaximum: 10, resourceId: 'act-ro' }]);
    const b = binding({ lineitems: lms.lineItemsUrl(context), scopes: [agsScope.score, agsScope.lineitemReadonly] });
    expect(await lineItemOf(deps(), registration, b, spec('act-ro'))).toBe(existing);
    await expect(lineItemOf(deps(), registration, b, spec('act-none'))).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('does not allow the academy to create one'),
    });
  });

  it('refuses a binding without line item and without line item scopes', async () => {
    const b = binding({ lineitems: lms.lineItemsUrl('c-none') });
    await expect(lineItemOf(deps(), registration, b, spec('act-x'))).rejects.toMatchObject({ retryable: false });
  });
});
