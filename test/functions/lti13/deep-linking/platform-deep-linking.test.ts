/**
 * The academy as LTI 1.3 platform asks a tool for content (Deep Linking 2.0), through the real local
 * server, with a test tool that uses nothing of lti-bridge's: the request's id_token is verified by
 * `jsonwebtoken` against the academy's JWKS, and the tool's responses are signed by `jsonwebtoken`
 * with the tool's own key. `POST …/deep-links` → the browser through the OIDC login to the tool's
 * deep linking URL → the `LtiDeepLinkingRequest` (§4.4) → the response posted back (§4.5) → external
 * activities, all or nothing; and the responses that must create nothing: forged, replayed,
 * mis-addressed, of another tool, for another deep link, with an item the academy cannot take.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { expectError } from '../../../fixtures/expect-error';
import { createEnvironment, createUser } from '../../../fixtures/academy-platform';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import { Browser, readFormPost, startTestTool, verifyIdToken, type TestTool } from '../../../fixtures/lti13-tool';

const lti = 'https://purl.imsglobal.org/spec/lti/claim/';
const dl = 'https://purl.imsglobal.org/spec/lti-dl/claim/';
const env = 'dl-platform';
const academyUrl = 'https://academy.example/home';

let server: TestServer;
let tool: TestTool;
let other: TestTool;
let registered: { id: string; clientId: string; deploymentId: string; platformConfiguration: { issuer: string } };
let otherTool: { id: string; clientId: string; deploymentId: string };

async function admin(method: string, path: string, body?: unknown) {
  return server.admin.request(method, `/admin/environments/${env}${path}`, body);
}

beforeAll(async () => {
  [server, tool, other] = await Promise.all([startTestServer(), startTestTool(), startTestTool()]);
  await createEnvironment(server, env, { name: 'Platform academy', ltiEnabled: true, academyUrl });
  await createUser(server, env, 'teacher', { email: 'grace@academy.example', givenName: 'Grace', familyName: 'Hopper' });
  const answer = await admin('POST', '/tools', {
    name: 'Content tool',
    oidcUrl: tool.oidcUrl,
    jwksUrl: tool.jwksUrl,
    redirectUris: [tool.redirectUri],
  });
  expect(answer.status).toBe(201);
  registered = answer.json;
  const second = await admin('POST', '/tools', {
    name: 'Other tool',
    oidcUrl: other.oidcUrl,
    jwksUrl: other.jwksUrl,
    redirectUris: [other.redirectUri],
  });
  otherTool = second.json;
});

afterAll(async () => {
  await Promise.all([server?.close(), tool?.close(), other?.close()]);
});

interface Requested {
  readonly id: string;
  readonly browser: Browser;
  /** The login initiation's parameters, as the tool received them. */
  readonly login: URLSearchParams;
  /** The deep linking request, verified as the tool verifies it. */
  readonly claims: jwt.JwtPayload;
  readonly returnUrl: string;
  readonly data: string;
}

/** `POST …/deep-links`, then the browser to the tool and the tool's side of the OIDC login, up to the verified request. */
async function requestDeepLink(body: Record<string, unknown> = {}, toolId = registered.id, asTool: TestTool = tool): Promise<Requested> {
  const created = await admin('POST', '/deep-links', { toolId, userId: 'teacher', ...body });
  expect(created.status).toBe(201);
  expect(created.json).toEqual({
    id: expect.any(String),
    launchUrl: expect.stringMatching(new RegExp(`^${server.baseUrl}/${env}/launch/`)),
    expiresAt: expect.any(String),
  });
  const browser = new Browser();
  const initiation = await browser.get(created.json.launchUrl);
  expect(initiation.status).toBe(302);
  const login = new URL(initiation.headers.get('location')!).searchParams;
  const nonce = randomBytes(16).toString('hex');
  const authorize = new URLSearchParams({
    scope: 'openid',
    response_type: 'id_token',
    response_mode: 'form_post',
    prompt: 'none',
    client_id: login.get('client_id')!,
    redirect_uri: asTool.redirectUri,
    login_hint: login.get('login_hint')!,
    lti_message_hint: login.get('lti_message_hint')!,
    nonce,
    state: 'tool-state',
  });
  const page = await browser.get(`${server.baseUrl}/${env}/lti13/authorize?${authorize}`);
  const html = await page.text();
  expect([page.status, html.includes('id_token')]).toEqual([200, true]);
  const form = readFormPost(html);
  expect(form.action).toBe(asTool.redirectUri);
  const { payload } = await verifyIdToken(form.fields.id_token!, `${server.baseUrl}/.well-known/jwks.json`, {
    issuer: `${server.baseUrl}/${env}`,
    audience: login.get('client_id')!,
    nonce,
  });
  const settings = payload[`${dl}deep_linking_settings`] as { deep_link_return_url: string; data: string };
  return { id: created.json.id, browser, login, claims: payload, returnUrl: settings.deep_link_return_url, data: settings.data };
}

interface ResponseOptions {
  readonly claims?: Record<string, unknown>;
  readonly items?: unknown[];
  readonly privateKey?: import('node:crypto').KeyObject;
  readonly kid?: string;
  readonly asTool?: { clientId: string; deploymentId: string };
  readonly signer?: TestTool;
}

/** The tool's `LtiDeepLinkingResponse` (DL 2.0 Appendix B, trimmed), signed with `jsonwebtoken`. */
function responseJwt(requested: Pick<Requested, 'data'>, options: ResponseOptions = {}): string {
  const from = options.asTool ?? registered;
  const signer = options.signer ?? tool;
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: from.clientId,
    aud: `${server.baseUrl}/${env}`,
    iat: now,
    exp: now + 60,
    nonce: randomUUID(),
    [`${lti}deployment_id`]: from.deploymentId,
    [`${lti}message_type`]: 'LtiDeepLinkingResponse',
    [`${lti}version`]: '1.3.0',
    [`${dl}data`]: requested.data,
    [`${dl}content_items`]: options.items ?? [
      {
        type: 'ltiResourceLink',
        title: 'Chapter 12 quiz',
        text: 'A graded quiz',
        url: `${signer.origin}/launch/quiz-12`,
        custom: { quiz_id: 'az-123', duedate: '$ResourceLink.submission.endDateTime' },
        lineItem: { scoreMaximum: 87, label: 'Chapter 12 quiz', resourceId: 'xyzpdq1234', tag: 'originality' },
      },
      { type: 'ltiResourceLink', title: 'Reading', url: `${signer.origin}/launch/reading` },
    ],
  };
  for (const [name, value] of Object.entries(options.claims ?? {})) {
    if (value === undefined) delete payload[name];
    else payload[name] = value;
  }
  return jwt.sign(payload, options.privateKey ?? signer.privateKey, {
    algorithm: 'RS256',
    keyid: options.kid ?? signer.kid,
    noTimestamp: payload.iat === undefined,
  });
}

/** The browser posts the tool's response to the academy's return URL (an auto-submitted form, `JWT`). */
function postResponse(requested: Pick<Requested, 'browser' | 'returnUrl'>, token: string): Promise<Response> {
  return requested.browser.postForm(requested.returnUrl, { JWT: token });
}

async function deepLink(id: string): Promise<Record<string, any>> {
  const answer = await admin('GET', `/deep-links/${id}`);
  expect(answer.status).toBe(200);
  return answer.json;
}

async function activityCount(): Promise<number> {
  return (await admin('GET', '/activities')).json.activities.length;
}

describe('the deep linking request the academy sends (DL 2.0 §4.4)', () => {
  it("goes through the tool's login initiation to its first redirect URI, with the request's claims and settings", async () => {
    const requested = await requestDeepLink();
    expect(requested.login.get('target_link_uri')).toBe(tool.redirectUri);
    expect(requested.login.get('iss')).toBe(`${server.baseUrl}/${env}`);
    const { claims } = requested;
    expect(claims).toMatchObject({
      sub: 'teacher',
      given_name: 'Grace',
      [`${lti}message_type`]: 'LtiDeepLinkingRequest',
      [`${lti}version`]: '1.3.0',
      [`${lti}deployment_id`]: registered.deploymentId,
      [`${lti}target_link_uri`]: tool.redirectUri,
      [`${lti}roles`]: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'],
      [`${dl}deep_linking_settings`]: {
        deep_link_return_url: `${server.baseUrl}/${env}/lti13/deep-linking/return`,
        accept_types: ['ltiResourceLink'],
        accept_presentation_document_targets: ['iframe', 'window'],
        accept_multiple: true,
        accept_lineitem: true,
        auto_create: true,
        data: expect.stringMatching(new RegExp(`^${requested.id}\\.[A-Za-z0-9_-]{43}$`)),
      },
    });
    // No resource link, no activity as context, no AGS endpoint: nothing is launched yet.
    expect(claims).not.toHaveProperty(`${lti}resource_link`);
    expect(claims).not.toHaveProperty(`${lti}context`);
    expect(claims).not.toHaveProperty('https://purl.imsglobal.org/spec/lti-ags/claim/endpoint');
    expect(Number.isInteger(claims.iat) && Number.isInteger(claims.exp)).toBe(true);
    expect(await deepLink(requested.id)).toMatchObject({ state: 'pending', activityIds: [], toolId: registered.id, userId: 'teacher' });
    expect(await deepLink(requested.id)).not.toHaveProperty('dataHash');
  });

  it("goes to the tool's deepLinkingUrl when it has one, which the tool may also post from", async () => {
    const deepLinkingUrl = `${tool.origin}/lti/launch?deep=1`;
    const patched = await admin('PATCH', `/tools/${otherTool.id}`, { deepLinkingUrl, redirectUris: [other.redirectUri, deepLinkingUrl] });
    expect([patched.status, patched.json.deepLinkingUrl]).toEqual([200, deepLinkingUrl]);
    const created = await admin('POST', '/deep-links', { toolId: otherTool.id, userId: 'teacher' });
    const browser = new Browser();
    const initiation = await browser.get(created.json.launchUrl);
    expect(new URL(initiation.headers.get('location')!).searchParams.get('target_link_uri')).toBe(deepLinkingUrl);
    const cleared = await admin('PATCH', `/tools/${otherTool.id}`, { deepLinkingUrl: null, redirectUris: [other.redirectUri] });
    expect(cleared.json).not.toHaveProperty('deepLinkingUrl');
  });

  it('refuses requests it cannot make, naming the field', async () => {
    await expectError(await admin('POST', '/deep-links', { toolId: 'nope', userId: 'teacher' }), {
      status: 400,
      code: 'invalid_request',
      field: 'toolId',
    });
    await expectError(await admin('POST', '/deep-links', { toolId: registered.id, userId: 'nobody' }), {
      status: 400,
      code: 'invalid_request',
      field: 'userId',
    });
    await expectError(await admin('POST', '/deep-links', { toolId: registered.id, userId: 'teacher', activityType: 'exam' }), {
      status: 400,
      code: 'invalid_request',
      field: 'minScore',
    });
    await expectError(await admin('POST', '/deep-links', { toolId: registered.id, userId: 'teacher', minScore: 50 }), {
      status: 400,
      code: 'invalid_request',
      field: 'minScore',
    });
    await expectError(await admin('POST', '/deep-links', { toolId: registered.id, userId: 'teacher', activityType: 'microlearning' }), {
      status: 400,
      code: 'invalid_request',
      field: 'activityType',
    });
    await expectError(await admin('POST', '/deep-links', { toolId: registered.id, userId: 'teacher', returnUrl: 'javascript:alert(1)' }), {
      status: 400,
      code: 'invalid_request',
      field: 'returnUrl',
    });
    const bare = await admin('POST', '/tools', { name: 'Bare', oidcUrl: tool.oidcUrl, jwksUrl: tool.jwksUrl });
    await expectError(await admin('POST', '/deep-links', { toolId: bare.json.id, userId: 'teacher' }), {
      status: 409,
      code: 'conflict',
      field: 'toolId',
    });
    await expectError(await admin('GET', '/deep-links/no-such-deep-link'), { status: 404, code: 'not_found' });
  });
});

describe('the tool’s response (DL 2.0 §4.5)', () => {
  it('becomes one external activity of the tool per ltiResourceLink, with its url, title, text, custom parameters and line item', async () => {
    const requested = await requestDeepLink();
    const before = await activityCount();
    const answer = await postResponse(requested, responseJwt(requested));
    const text = await answer.text();
    expect([answer.status, text.includes('Activities added to the academy')]).toEqual([200, true]);
    expect(text).toContain('<li>Chapter 12 quiz</li><li>Reading</li>');
    const done = await deepLink(requested.id);
    expect(done).toMatchObject({ state: 'completed', activityIds: [expect.any(String), expect.any(String)] });
    expect(await activityCount()).toBe(before + 2);
    const quiz = (await admin('GET', `/activities/${done.activityIds[0]}`)).json;
    expect(quiz).toMatchObject({
      type: 'e-learning',
      title: 'Chapter 12 quiz',
      description: 'A graded quiz',
      availableForLti: false,
      lti: {
        version: '1.3',
        toolId: registered.id,
        resourceUrl: `${tool.origin}/launch/quiz-12`,
        customParameters: { quiz_id: 'az-123', duedate: '$ResourceLink.submission.endDateTime' },
        lineItem: { label: 'Chapter 12 quiz', scoreMaximum: 87, resourceId: 'xyzpdq1234', tag: 'originality' },
      },
    });
    const reading = (await admin('GET', `/activities/${done.activityIds[1]}`)).json;
    expect(reading.lti).toEqual({ version: '1.3', toolId: registered.id, resourceUrl: `${tool.origin}/launch/reading` });

    // §3.2: "A line item created as a result of a Deep Linking interaction must be exposed in a
    // subsequent line item service call, with the resourceLinkId … as well as the resourceId and tag."
    const tokenUrl = `${server.baseUrl}/${env}/lti13/token`;
    const token = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: tool.clientAssertion(registered.clientId, tokenUrl),
        scope: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
      }).toString(),
    });
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    const lineItem = await fetch(`${server.baseUrl}/${env}/lti13/ags/${quiz.id}/lineitems/default`, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/vnd.ims.lis.v2.lineitem+json' },
    });
    expect([lineItem.status, await lineItem.json()]).toEqual([
      200,
      {
        id: `${server.baseUrl}/${env}/lti13/ags/${quiz.id}/lineitems/default`,
        label: 'Chapter 12 quiz',
        scoreMaximum: 87,
        resourceLinkId: quiz.id,
        resourceId: 'xyzpdq1234',
        tag: 'originality',
      },
    ]);
  });

  it('makes exams with the pass mark asked for, and ends at the return URL with deepLinkId', async () => {
    const requested = await requestDeepLink({
      activityType: 'exam',
      minScore: 70,
      returnUrl: 'https://academy.example/course-builder?step=2',
    });
    const answer = await postResponse(
      requested,
      responseJwt(requested, { items: [{ type: 'ltiResourceLink', url: `${tool.origin}/exam` }] }),
    );
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe(`https://academy.example/course-builder?step=2&deepLinkId=${requested.id}`);
    const [id] = (await deepLink(requested.id)).activityIds;
    // Without a title the activity is named after the tool.
    expect((await admin('GET', `/activities/${id}`)).json).toMatchObject({ type: 'exam', minScore: 70, title: 'Content tool activity 1' });
  });

  it('takes an empty response (the user cancelled) as completed with nothing added', async () => {
    const requested = await requestDeepLink();
    const answer = await postResponse(requested, responseJwt(requested, { items: [], claims: { [`${dl}msg`]: 'Nothing <b>chosen</b>' } }));
    const text = await answer.text();
    expect([answer.status, text.includes('Nothing was added')]).toEqual([200, true]);
    expect(text).toContain('Nothing &lt;b&gt;chosen&lt;/b&gt;');
    expect(await deepLink(requested.id)).toMatchObject({ state: 'completed', activityIds: [] });
  });

  it("records the tool's error message as a failure", async () => {
    const requested = await requestDeepLink();
    const answer = await postResponse(
      requested,
      responseJwt(requested, { items: [], claims: { [`${dl}errormsg`]: 'The catalogue is down' } }),
    );
    expect(answer.status).toBe(200);
    expect(await deepLink(requested.id)).toMatchObject({
      state: 'failed',
      activityIds: [],
      error: { code: 'tool_error', message: 'The catalogue is down' },
    });
  });
});

describe('responses that create nothing, and say why', () => {
  /** The response is refused with `expected`, nothing is created, and the deep link is in `state`. */
  async function refused(
    requested: Requested,
    token: string,
    expected: { status: number; code: string; field?: string },
    state = 'pending',
  ) {
    const before = await activityCount();
    const answer = await postResponse(requested, token);
    await expectError(answer, expected);
    expect(await activityCount()).toBe(before);
    expect((await deepLink(requested.id)).state).toBe(state);
  }

  it('refuses a replay of a response already taken (same JWT), and a second response to the same request', async () => {
    const requested = await requestDeepLink();
    const token = responseJwt(requested);
    expect((await postResponse(requested, token)).status).toBe(200);
    const created = (await deepLink(requested.id)).activityIds;
    await refused(requested, token, { status: 409, code: 'deep_link_answered', field: 'JWT' }, 'completed');
    await refused(requested, responseJwt(requested), { status: 409, code: 'deep_link_answered', field: 'JWT' }, 'completed');
    expect((await deepLink(requested.id)).activityIds).toEqual(created);
  });

  it('refuses a nonce the tool used before, even for another request', async () => {
    const first = await requestDeepLink();
    const nonce = randomUUID();
    expect((await postResponse(first, responseJwt(first, { claims: { nonce } }))).status).toBe(200);
    const second = await requestDeepLink();
    await refused(second, responseJwt(second, { claims: { nonce } }), { status: 401, code: 'replayed_response', field: 'nonce' });
  });

  it('refuses a forged response: signed with a key the tool does not publish, or with none', async () => {
    const requested = await requestDeepLink();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await refused(requested, responseJwt(requested, { privateKey }), { status: 401, code: 'invalid_token', field: 'JWT' });
    await refused(requested, responseJwt(requested, { privateKey, kid: 'unknown-kid' }), {
      status: 401,
      code: 'invalid_token',
      field: 'JWT',
    });
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', kid: tool.kid })).toString('base64url')}.${responseJwt(requested).split('.')[1]}.`;
    await refused(requested, unsigned, { status: 401, code: 'invalid_token', field: 'JWT' });
    await refused(requested, 'not a jwt', { status: 401, code: 'invalid_response', field: 'JWT' });
  });

  it('refuses a mis-addressed response: to another platform, of another tool, of another request', async () => {
    const requested = await requestDeepLink();
    await refused(requested, responseJwt(requested, { claims: { aud: `${server.baseUrl}/another-academy` } }), {
      status: 401,
      code: 'invalid_token',
      field: 'aud',
    });
    await refused(requested, responseJwt(requested, { claims: { aud: [`${server.baseUrl}/${env}`, 'https://elsewhere.example'] } }), {
      status: 401,
      code: 'invalid_token',
      field: 'aud',
    });
    // Another registered tool, signing with its own key, answering this tool's request.
    await refused(requested, responseJwt(requested, { asTool: otherTool, signer: other }), {
      status: 401,
      code: 'invalid_response',
      field: 'iss',
    });
    // The iss of no tool at all.
    await refused(requested, responseJwt(requested, { asTool: { clientId: 'stranger', deploymentId: 'x' } }), {
      status: 401,
      code: 'invalid_response',
      field: 'iss',
    });
    // data of a request this academy never sent, and the right deep link with a wrong secret.
    await refused(requested, responseJwt({ data: `${randomUUID()}.${'A'.repeat(43)}` }), {
      status: 401,
      code: 'invalid_response',
      field: `${dl}data`,
    });
    await refused(requested, responseJwt({ data: `${requested.id}.${'A'.repeat(43)}` }), {
      status: 401,
      code: 'invalid_response',
      field: `${dl}data`,
    });
    await refused(requested, responseJwt(requested, { claims: { [`${dl}data`]: undefined } }), {
      status: 401,
      code: 'invalid_response',
      field: `${dl}data`,
    });
    // Posted to another environment's return URL.
    await createEnvironment(server, 'elsewhere', { name: 'Elsewhere', ltiEnabled: true, academyUrl });
    const elsewhere = await requested.browser.postForm(`${server.baseUrl}/elsewhere/lti13/deep-linking/return`, {
      JWT: responseJwt(requested),
    });
    await expectError(elsewhere, { status: 401, code: 'invalid_response', field: 'iss' });
    expect((await deepLink(requested.id)).state).toBe('pending');
    // The genuine response is still taken.
    expect((await postResponse(requested, responseJwt(requested))).status).toBe(200);
  });

  it('refuses the wrong message type, version or deployment, and an expired response', async () => {
    const requested = await requestDeepLink();
    await refused(requested, responseJwt(requested, { claims: { [`${lti}message_type`]: 'LtiResourceLinkRequest' } }), {
      status: 400,
      code: 'invalid_claim',
      field: `${lti}message_type`,
    });
    await refused(requested, responseJwt(requested, { claims: { [`${lti}version`]: '1.1' } }), {
      status: 400,
      code: 'invalid_claim',
      field: `${lti}version`,
    });
    await refused(requested, responseJwt(requested, { claims: { [`${lti}deployment_id`]: 'another' } }), {
      status: 400,
      code: 'invalid_claim',
      field: `${lti}deployment_id`,
    });
    const old = Math.floor(Date.now() / 1000) - 600;
    await refused(requested, responseJwt(requested, { claims: { iat: old, exp: old + 60 } }), {
      status: 401,
      code: 'invalid_token',
      field: 'exp',
    });
    await refused(requested, responseJwt(requested, { claims: { nonce: undefined } }), {
      status: 401,
      code: 'invalid_token',
      field: 'nonce',
    });
  });

  it('fails the whole response, creating nothing, when one item cannot be taken', async () => {
    const cases: [string, unknown][] = [
      ['a link item', { type: 'link', url: 'https://example.com/page.html' }],
      ['an item without a usable URL', { type: 'ltiResourceLink', url: 'javascript:alert(1)' }],
      ['custom values that are not strings', { type: 'ltiResourceLink', url: `${tool.origin}/x`, custom: { count: 3 } }],
      ['a line item without a positive maximum', { type: 'ltiResourceLink', url: `${tool.origin}/x`, lineItem: { scoreMaximum: 0 } }],
    ];
    for (const [what, item] of cases) {
      const requested = await requestDeepLink();
      const good = { type: 'ltiResourceLink', title: `Good before ${what}`, url: `${tool.origin}/good` };
      await refused(
        requested,
        responseJwt(requested, { items: [good, item] }),
        { status: 400, code: 'invalid_content_item', field: `${dl}content_items` },
        'failed',
      );
      expect((await deepLink(requested.id)).error).toEqual({
        code: 'invalid_content_item',
        message: expect.stringContaining('content_items[1]'),
      });
    }
  });

  it('answers 403 first when LTI is off, whatever is posted', async () => {
    const requested = await requestDeepLink();
    await createEnvironment(server, env, { name: 'Platform academy', ltiEnabled: false, academyUrl });
    try {
      await refused(requested, responseJwt(requested), { status: 403, code: 'lti_disabled' });
    } finally {
      await createEnvironment(server, env, { name: 'Platform academy', ltiEnabled: true, academyUrl });
    }
  });

  it('reads an unanswered deep link as failed once it has expired', async () => {
    const requested = await requestDeepLink();
    const later = Date.now() + 61 * 60 * 1000;
    const clock = jest.spyOn(server.runtime.clock, 'now').mockReturnValue(later);
    try {
      expect(await deepLink(requested.id)).toMatchObject({ state: 'failed', error: { code: 'expired' } });
    } finally {
      clock.mockRestore();
    }
  });
});
