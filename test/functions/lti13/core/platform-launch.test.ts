/**
 * The academy as LTI 1.3 platform, through the real local server: the login initiation of
 * `GET /{env}/launch/{ticket}` (Security 1.0 §5.1.1.1) and the authorization endpoint
 * `GET`/`POST /{env}/lti13/authorize` (§5.1.1.2-5.1.1.3), driven by a test tool that uses nothing of
 * lti-bridge's: its id_token is verified by `jsonwebtoken` against lti-bridge's published JWKS.
 */
import { createHash, randomBytes } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../../functions/adapters/keys';
import { expectError } from '../../../fixtures/expect-error';
import { Browser, readFormPost, startTestTool, verifyIdToken, type TestTool } from '../../../fixtures/lti13-tool';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import { createEnvironment, createUser, tables, ticketUrl } from '../../../fixtures/academy-platform';

let server: TestServer;
let tool: TestTool;
let toolId: string;
let deploymentId: string;
let activityId: string;
let openTool: { id: string; activityId: string; resourceUrl: string };
const env = 'p13';
const academyUrl = 'https://academy.example/home';

const lti = 'https://purl.imsglobal.org/spec/lti/claim/';
const ags = 'https://purl.imsglobal.org/spec/lti-ags/';

async function registerTool(body: Record<string, unknown>): Promise<{ id: string; deploymentId: string }> {
  const answer = await server.admin.request('POST', `/admin/environments/${env}/tools`, body);
  if (answer.status !== 201) throw new Error(`tool: ${answer.status} ${answer.text}`);
  return answer.json;
}

async function createActivity(tid: string, resourceUrl: string, extra: Record<string, unknown> = {}): Promise<string> {
  const answer = await server.admin.request('POST', `/admin/environments/${env}/activities`, {
    type: 'e-learning',
    title: 'Graph theory',
    ...extra,
    lti: { version: '1.3', toolId: tid, resourceUrl, ...((extra.lti as object) ?? {}) },
  });
  if (answer.status !== 201) throw new Error(`activity: ${answer.status} ${answer.text}`);
  return answer.json.id;
}

beforeAll(async () => {
  [server, tool] = await Promise.all([startTestServer(), startTestTool()]);
  await createEnvironment(server, env, { name: 'Platform academy', ltiEnabled: true, academyUrl });
  await createUser(server, env, 'ada', { email: 'ada@learners.example', givenName: 'Ada', familyName: 'Lovelace' });
  const registered = await registerTool({
    name: 'Test tool',
    oidcUrl: tool.oidcUrl,
    jwksUrl: tool.jwksUrl,
    redirectUris: [tool.redirectUri],
  });
  toolId = registered.id;
  deploymentId = registered.deploymentId;
  const answer = await server.admin.request('POST', `/admin/environments/${env}/activities`, {
    type: 'exam',
    title: 'Graph theory exam',
    minScore: 70,
    lti: { version: '1.3', toolId, resourceUrl: `${tool.origin}/resource/graphs`, customParameters: { chapter: ' 3 ', 'level ': 'hard' } },
  });
  expect(answer.status).toBe(201);
  activityId = answer.json.id;
  const open = await registerTool({ name: 'No redirect URIs', oidcUrl: tool.oidcUrl, jwksUrl: tool.jwksUrl });
  const resourceUrl = `${tool.origin}/resource/open`;
  openTool = { id: open.id, activityId: await createActivity(open.id, resourceUrl), resourceUrl };
});
afterAll(async () => {
  await Promise.all([server?.close(), tool?.close()]);
});

interface Login {
  readonly browser: Browser;
  readonly response: Response;
  readonly params: URLSearchParams;
}

/** A ticket, opened in a fresh browser: the 302 to the tool's login initiation URL. */
async function startLogin(forActivity = activityId, returnUrl?: string): Promise<Login> {
  const browser = new Browser();
  const response = await browser.get(await ticketUrl(server, env, forActivity, 'ada', returnUrl));
  expect(response.status).toBe(302);
  return { browser, response, params: new URL(response.headers.get('location')!).searchParams };
}

/** The tool's authentication request (Security 1.0 §5.1.1.2) for a login. */
function authParams(login: Login, overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const params: Record<string, string | undefined> = {
    scope: 'openid',
    response_type: 'id_token',
    response_mode: 'form_post',
    prompt: 'none',
    client_id: login.params.get('client_id')!,
    redirect_uri: tool.redirectUri,
    login_hint: login.params.get('login_hint')!,
    lti_message_hint: login.params.get('lti_message_hint')!,
    nonce: randomBytes(16).toString('hex'),
    state: randomBytes(16).toString('hex'),
    ...overrides,
  };
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

const authorizeUrl = (environment = env) => `${server.baseUrl}/${environment}/lti13/authorize`;

async function authorizeGet(login: Login, params: Record<string, string>, environment = env): Promise<Response> {
  return login.browser.get(`${authorizeUrl(environment)}?${new URLSearchParams(params)}`);
}

/** An authorization that must come back to the redirect URI as a form post. */
async function formPost(response: Response): Promise<{ action: string; fields: Record<string, string>; csp: string }> {
  const html = await response.text();
  expect(response.status).toBe(200);
  expect(response.headers.get('location')).toBeNull();
  return { ...readFormPost(html), csp: response.headers.get('content-security-policy') ?? '' };
}

function everyString(value: unknown, visit: (s: string, path: string) => void, path = ''): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => everyString(v, visit, `${path}[${i}]`));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) everyString(v, visit, `${path}.${k}`);
}

describe('login initiation (GET /{env}/launch/{ticket} of an LTI 1.3 activity)', () => {
  it("redirects to the tool's login initiation URL with the OIDC third-party login parameters", async () => {
    const { params, response } = await startLogin();
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(`${tool.origin}/lti/login`);
    expect(params.get('tenant')).toBe('t1');
    expect(params.get('iss')).toBe(`${server.baseUrl}/${env}`);
    expect(params.get('target_link_uri')).toBe(`${tool.origin}/resource/graphs`);
    expect(params.get('client_id')).toBe(toolId);
    expect(params.get('lti_deployment_id')).toBe(deploymentId);
    // Opaque: 256 random bits each, neither the user nor the activity.
    expect(params.get('login_hint')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('lti_message_hint')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('login_hint')).not.toBe(params.get('lti_message_hint'));
  });

  it('binds the browser with a Partitioned, Secure, HttpOnly, SameSite=None cookie on the LTI 1.3 path', async () => {
    const { response } = await startLogin();
    const [cookie, ...others] = response.headers.getSetCookie();
    expect(others).toEqual([]);
    const [pair, ...attributes] = cookie!.split(';').map((s) => s.trim());
    expect(pair).toMatch(/^lti13_login_[A-Za-z0-9_-]{16}=[A-Za-z0-9_-]{43}$/);
    expect(attributes.sort()).toEqual(['HttpOnly', 'Max-Age=300', 'Partitioned', `Path=/${env}/lti13`, 'SameSite=None', 'Secure'].sort());
  });

  it('refuses to launch an activity of a deactivated tool, with a page', async () => {
    const off = await registerTool({ name: 'Off', oidcUrl: tool.oidcUrl, jwksUrl: tool.jwksUrl, redirectUris: [tool.redirectUri] });
    const offActivity = await createActivity(off.id, `${tool.origin}/resource/off`);
    await server.admin.request('PATCH', `/admin/environments/${env}/tools/${off.id}`, { activated: false });
    const response = await fetch(await ticketUrl(server, env, offActivity, 'ada'), { redirect: 'manual' });
    expect(response.status).toBe(403);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('The LTI 1.3 tool of this activity is deactivated');
  });
});

describe('authorization endpoint: a launch', () => {
  it('answers a form post of a signed id_token that jsonwebtoken verifies with every required claim', async () => {
    const login = await startLogin(activityId, 'https://academy.example/courses/7');
    const params = authParams(login);
    const response = await authorizeGet(login, params);
    const { action, fields, csp } = await formPost(response);
    expect(action).toBe(tool.redirectUri);
    expect(Object.keys(fields).sort()).toEqual(['id_token', 'state']);
    expect(fields.state).toBe(params.state);
    expect(csp).toContain(`form-action ${tool.origin} https: http:`);
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).toContain("default-src 'none'");

    const { header, payload } = await verifyIdToken(fields.id_token!, `${server.baseUrl}/.well-known/jwks.json`, {
      issuer: `${server.baseUrl}/${env}`,
      audience: toolId,
      nonce: params.nonce,
    });
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(header.kid).toEqual(expect.any(String));
    const now = Math.floor(Date.now() / 1000);
    expect(payload.iat).toBeGreaterThanOrEqual(now - 10);
    expect(payload.iat).toBeLessThanOrEqual(now + 1);
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(payload).toMatchObject({
      iss: `${server.baseUrl}/${env}`,
      aud: toolId,
      azp: toolId,
      sub: 'ada',
      nonce: params.nonce,
      given_name: 'Ada',
      family_name: 'Lovelace',
      name: 'Ada Lovelace',
      email: 'ada@learners.example',
      [`${lti}message_type`]: 'LtiResourceLinkRequest',
      [`${lti}version`]: '1.3.0',
      [`${lti}deployment_id`]: deploymentId,
      [`${lti}target_link_uri`]: `${tool.origin}/resource/graphs`,
      [`${lti}resource_link`]: { id: activityId, title: 'Graph theory exam' },
      [`${lti}roles`]: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
      [`${lti}context`]: {
        id: activityId,
        label: 'Graph theory exam',
        title: 'Graph theory exam',
        type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'],
      },
      [`${lti}tool_platform`]: {
        guid: `${env}.${new URL(server.baseUrl).host}`,
        name: 'Platform academy',
        product_family_code: 'lti-bridge',
      },
      [`${lti}launch_presentation`]: { document_target: 'window', return_url: 'https://academy.example/courses/7' },
      [`${lti}custom`]: { chapter: '3', level: 'hard' },
      [`${ags}claim/endpoint`]: {
        scope: [`${ags}scope/lineitem`, `${ags}scope/lineitem.readonly`, `${ags}scope/result.readonly`, `${ags}scope/score`],
        lineitems: `${server.baseUrl}/${env}/lti13/ags/${activityId}/lineitems`,
        lineitem: `${server.baseUrl}/${env}/lti13/ags/${activityId}/lineitems/default`,
      },
      // NRPS 2.0 §3.6.1: the memberships URL of the launch's context, the activity.
      'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice': {
        context_memberships_url: `${server.baseUrl}/${env}/lti13/nrps/${activityId}/memberships`,
        service_versions: ['2.0'],
      },
    });
    // The certification suite's "Payload is Free of Extra Whitespace".
    everyString(payload, (value, path) => expect([path, value]).toEqual([path, value.trim()]));
    everyString(header, (value, path) => expect([path, value]).toEqual([path, value.trim()]));
    // The launch cookie is cleared once used.
    expect(login.browser.cookieNames).toEqual([]);
  });

  it('signs iat and exp as whole seconds, whatever the milliseconds of the clock (RFC 7519 §2 NumericDate)', async () => {
    // Blackboard Learn's token endpoint answers `400 {"error":"invalid_jwt_token","error_description":"iat missing"}`
    // to a JWT whose iat has a fraction (oat-sa/lib-lti1p3-core issue #153, fixed by PR #189 "stripping off the
    // microseconds"); tools built on such libraries judge an id_token as strictly. Half a second into the second:
    const clock = jest.spyOn(server.runtime.clock, 'now').mockImplementation(() => Math.floor(Date.now() / 1000) * 1000 - 500);
    try {
      const login = await startLogin();
      const { fields } = await formPost(await authorizeGet(login, authParams(login)));
      const payload = JSON.parse(Buffer.from(fields.id_token!.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
      expect(clock).toHaveBeenCalled();
      for (const claim of ['iat', 'exp', 'nbf'].filter((name) => name in payload)) {
        expect([claim, Number.isInteger(payload[claim])]).toEqual([claim, true]);
      }
      expect(payload).toHaveProperty('iat');
      expect(payload).toHaveProperty('exp');
    } finally {
      clock.mockRestore();
    }
  });

  it('accepts the authentication request as a POST too, and without prompt or state', async () => {
    const login = await startLogin();
    const response = await login.browser.postForm(authorizeUrl(), authParams(login, { prompt: undefined, state: undefined }));
    const { fields } = await formPost(response);
    expect(Object.keys(fields)).toEqual(['id_token']);
    await verifyIdToken(fields.id_token!, `${server.baseUrl}/.well-known/jwks.json`, {
      issuer: `${server.baseUrl}/${env}`,
      audience: toolId,
    });
  });

  it('returns to the academy URL when the ticket has no return URL, and sends no custom claim without custom parameters', async () => {
    const plain = await createActivity(toolId, `${tool.origin}/resource/plain`);
    const login = await startLogin(plain);
    const { fields } = await formPost(await authorizeGet(login, authParams(login)));
    const { payload } = await verifyIdToken(fields.id_token!, `${server.baseUrl}/.well-known/jwks.json`, {
      issuer: `${server.baseUrl}/${env}`,
      audience: toolId,
    });
    expect(payload[`${lti}launch_presentation`]).toEqual({ document_target: 'window', return_url: academyUrl });
    expect(payload[`${lti}custom`]).toBeUndefined();
    expect(payload[`${lti}target_link_uri`]).toBe(`${tool.origin}/resource/plain`);
  });

  it('costs one KMS Sign per launch, and none at the login initiation', async () => {
    const send = jest.spyOn(KMSClient.prototype, 'send');
    try {
      const count = (type: new (...args: never[]) => unknown) => send.mock.calls.filter(([command]) => command instanceof type).length;
      const login = await startLogin();
      expect(count(SignCommand)).toBe(0);
      const { fields } = await formPost(await authorizeGet(login, authParams(login)));
      expect(fields.id_token).toBeDefined();
      expect(count(SignCommand)).toBe(1);
      // The public key (for the kid) was fetched by an earlier launch of this instance: cached.
      expect(count(GetPublicKeyCommand)).toBe(0);
      // eslint-disable-next-line no-console
      console.log(`KMS requests for one LTI 1.3 launch (warm): Sign ${count(SignCommand)}, GetPublicKey ${count(GetPublicKeyCommand)}`);
    } finally {
      send.mockRestore();
    }
  });
});

describe('authorization endpoint: errors sent back to the redirect URI', () => {
  it.each<[string, Record<string, string | undefined>, string, string?]>([
    ['response_type missing', { response_type: undefined }, 'invalid_request', 'response_type'],
    ['response_type code', { response_type: 'code' }, 'unsupported_response_type', 'response_type'],
    ['response_mode missing', { response_mode: undefined }, 'invalid_request', 'response_mode'],
    ['response_mode query', { response_mode: 'query' }, 'invalid_request', 'response_mode'],
    ['scope missing', { scope: undefined }, 'invalid_scope', 'scope'],
    ['scope without openid', { scope: 'profile email' }, 'invalid_scope', 'scope'],
    ['prompt login', { prompt: 'login' }, 'login_required', 'prompt'],
    ['prompt consent', { prompt: 'consent' }, 'consent_required', 'prompt'],
    ['prompt select_account', { prompt: 'select_account' }, 'account_selection_required', 'prompt'],
    ['prompt none with login', { prompt: 'none login' }, 'invalid_request', 'prompt'],
    ['prompt unknown', { prompt: 'sometimes' }, 'invalid_request', 'prompt'],
    ['prompt named like an Object member', { prompt: 'constructor' }, 'invalid_request', 'prompt'],
    ['nonce missing', { nonce: undefined }, 'invalid_request', 'nonce'],
    ['login_hint missing', { login_hint: undefined }, 'invalid_request', 'login_hint'],
    ['login_hint unknown', { login_hint: 'x'.repeat(43) }, 'login_required', 'This launch is unknown'],
    ['lti_message_hint missing', { lti_message_hint: undefined }, 'invalid_request', 'lti_message_hint'],
    ['lti_message_hint of another launch', { lti_message_hint: 'y'.repeat(43) }, 'login_required', 'lti_message_hint'],
    ['a request object', { request: 'eyJ...' }, 'request_not_supported', 'request'],
    ['a request_uri', { request_uri: 'https://tool.example/r' }, 'request_uri_not_supported', 'request_uri'],
  ])('%s: %s', async (_name, overrides, error, mentioned) => {
    const login = await startLogin();
    const params = authParams(login, overrides);
    const response = await authorizeGet(login, params);
    await expectError(response.clone(), {
      status: 200,
      code: error,
      ...(mentioned && !mentioned.includes(' ') ? { field: mentioned } : {}),
    });
    const { action, fields, csp } = await formPost(response);
    expect(action).toBe(tool.redirectUri);
    expect(csp).toContain(`form-action ${tool.origin} https: http:`);
    expect(fields.error).toBe(error);
    expect(fields.state).toBe(params.state);
    expect(fields.id_token).toBeUndefined();
    if (mentioned) expect(fields.error_description).toContain(mentioned);
    expect(fields.error_description).toMatch(/^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/);
    // The pending login was not used up by a refused request: the right request still launches.
    const retry = await formPost(await authorizeGet(login, authParams(login)));
    expect(retry.fields.id_token).toBeDefined();
  });

  it('refuses a parameter sent twice (RFC 6749 §3.1)', async () => {
    const login = await startLogin();
    const query = `${new URLSearchParams(authParams(login))}&nonce=second`;
    const response = await login.browser.get(`${authorizeUrl()}?${query}`);
    await expectError(response.clone(), { status: 200, code: 'invalid_request', field: 'nonce' });
    const { fields } = await formPost(response);
    expect(fields).toMatchObject({ error: 'invalid_request' });
    expect(fields.error_description).toContain('nonce is sent more than once');
  });

  it('refuses a browser that did not start the launch (no launch cookie), and lets the one that did complete it', async () => {
    const login = await startLogin();
    const params = authParams(login);
    const stranger = new Browser();
    const { fields } = await formPost(await stranger.get(`${authorizeUrl()}?${new URLSearchParams(params)}`));
    expect(fields).toMatchObject({ error: 'login_required', state: params.state });
    expect(fields.error_description).toContain('This browser did not start this launch');
    const owner = await formPost(await authorizeGet(login, params));
    expect(owner.fields.id_token).toBeDefined();
  });

  it("refuses another launch's cookie", async () => {
    const first = await startLogin();
    const second = await startLogin();
    // The second browser presents its own cookie with the first launch's hints.
    const response = await second.browser.get(`${authorizeUrl()}?${new URLSearchParams(authParams(first))}`);
    const { fields } = await formPost(response);
    expect(fields.error).toBe('login_required');
  });

  it('refuses a replayed lti_message_hint: a launch is used once', async () => {
    const login = await startLogin();
    const params = authParams(login);
    const first = await formPost(await authorizeGet(login, params));
    expect(first.fields.id_token).toBeDefined();
    // The browser replays it with the cookie it had (as an attacker who copied it would).
    const replay = await login.browser.get(`${authorizeUrl()}?${new URLSearchParams(params)}`);
    const { fields } = await formPost(replay);
    expect(fields).toMatchObject({ error: 'login_required', state: params.state });
    expect(fields.id_token).toBeUndefined();
  });

  it('refuses an expired launch (a pending login lives 5 minutes)', async () => {
    const login = await startLogin();
    const { db, ephemeral } = tables(server);
    const key = keys.pendingLogin(env, createHash('sha256').update(login.params.get('login_hint')!).digest('base64url'));
    const { Item } = await db.send(new GetCommand({ TableName: ephemeral, Key: key }));
    const now = Math.floor(Date.now() / 1000);
    expect(Item!.expiresAt).toBeGreaterThan(now + 290);
    expect(Item!.expiresAt).toBeLessThanOrEqual(now + 300);
    // Hints and the browser secret are stored only as hashes.
    expect(JSON.stringify(Item)).not.toContain(login.params.get('lti_message_hint')!);
    // It carries the message its id_token will be.
    expect(Item!.value).toMatchObject({ messageType: 'LtiResourceLinkRequest' });
    await db.send(new PutCommand({ TableName: ephemeral, Item: { ...Item, expiresAt: now - 1 } }));
    const { fields } = await formPost(await authorizeGet(login, authParams(login)));
    expect(fields).toMatchObject({ error: 'login_required' });
    expect(fields.error_description).toContain('has expired');
  });

  it('answers exactly one id_token to concurrent uses of one launch', async () => {
    const login = await startLogin();
    const params = authParams(login);
    const cookie = login.browser.cookieHeader(authorizeUrl());
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${authorizeUrl()}?${new URLSearchParams(params)}`, { headers: { cookie } }).then((r) => r.text()),
      ),
    );
    const tokens = answers.map((html) => readFormPost(html).fields).filter((f) => f.id_token);
    expect(tokens).toHaveLength(1);
    expect(answers.map((html) => readFormPost(html).fields.error).filter(Boolean)).toEqual(Array(4).fill('login_required'));
  });
});

describe('authorization endpoint: errors shown as a page, never redirected', () => {
  async function expectPage(response: Response, status: number, text: string, error?: { code: string; field?: string }): Promise<void> {
    if (error) await expectError(response.clone(), { status, ...error });
    const html = await response.text();
    expect(response.status).toBe(status);
    expect(response.headers.get('location')).toBeNull();
    expect(html).not.toContain('<form');
    expect(html).toContain(text);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  }

  it('an unregistered redirect URI: 400, no redirect and no form', async () => {
    const login = await startLogin();
    const evil = `${tool.origin}/elsewhere`;
    const response = await authorizeGet(login, authParams(login, { redirect_uri: evil }));
    await expectPage(response, 400, 'The redirect_uri is not one of the redirect URIs registered for this tool', {
      code: 'invalid_request',
      field: 'redirect_uri',
    });
    // Even another error in the same request is not sent to it.
    await expectPage(await authorizeGet(login, authParams(login, { redirect_uri: evil, response_type: 'code' })), 400, 'redirect_uri');
    // A prefix or a variant of a registered URI is not it (exact comparison).
    await expectPage(await authorizeGet(login, authParams(login, { redirect_uri: `${tool.redirectUri}/` })), 400, 'redirect_uri');
    await expectPage(await authorizeGet(login, authParams(login, { redirect_uri: `${tool.redirectUri}?x=1` })), 400, 'redirect_uri');
    const still = await formPost(await authorizeGet(login, authParams(login)));
    expect(still.fields.id_token).toBeDefined();
  });

  it.each<[string, Record<string, string | undefined>, number, string]>([
    ['redirect_uri missing', { redirect_uri: undefined }, 400, 'missing the parameter redirect_uri'],
    ['client_id missing', { client_id: undefined }, 400, 'missing the parameter client_id'],
    [
      'client_id unknown',
      { client_id: '00000000-0000-4000-8000-000000000000' },
      400,
      'not the client id of an LTI 1.3 tool registered in this environment',
    ],
    ['client_id malformed', { client_id: '../x' }, 400, 'not the client id'],
  ])('%s', async (_name, overrides, status, text) => {
    const login = await startLogin();
    await expectPage(await authorizeGet(login, authParams(login, overrides)), status, text);
  });

  it('a redirect_uri or client_id sent twice', async () => {
    const login = await startLogin();
    const base = new URLSearchParams(authParams(login));
    await expectPage(
      await login.browser.get(`${authorizeUrl()}?${base}&redirect_uri=${encodeURIComponent(tool.redirectUri)}`),
      400,
      'redirect_uri is sent more than once',
    );
    await expectPage(await login.browser.get(`${authorizeUrl()}?${base}&client_id=x`), 400, 'client_id is sent more than once');
  });

  it('a deactivated tool: 403 page', async () => {
    const login = await startLogin();
    await server.admin.request('PATCH', `/admin/environments/${env}/tools/${toolId}`, { activated: false });
    try {
      await expectPage(await authorizeGet(login, authParams(login)), 403, 'This LTI 1.3 tool is deactivated', {
        code: 'unauthorized_client',
        field: 'client_id',
      });
    } finally {
      await server.admin.request('PATCH', `/admin/environments/${env}/tools/${toolId}`, { activated: true });
    }
    const { fields } = await formPost(await authorizeGet(login, authParams(login)));
    expect(fields.id_token).toBeDefined();
  });

  it("another environment's client id, an unknown environment, and an environment without LTI", async () => {
    await createEnvironment(server, 'p13-other', { name: 'Other', ltiEnabled: true, academyUrl });
    await createEnvironment(server, 'p13-off', { name: 'Off', ltiEnabled: false, academyUrl });
    const login = await startLogin();
    await expectPage(
      await authorizeGet(login, authParams(login), 'p13-other'),
      400,
      'not the client id of an LTI 1.3 tool registered in this environment',
    );
    await expectPage(await authorizeGet(login, authParams(login), 'nowhere'), 404, 'There is no such environment', { code: 'not_found' });
    await expectPage(await authorizeGet(login, authParams(login), 'p13-off'), 403, 'LTI is not enabled in this environment', {
      code: 'lti_disabled',
    });
    // The environment is checked first, whatever the request carries (here, nothing).
    await expectPage(await login.browser.get(authorizeUrl('p13-off')), 403, 'LTI is not enabled in this environment', {
      code: 'lti_disabled',
    });
    await expectPage(await login.browser.get(authorizeUrl('nowhere')), 404, 'There is no such environment', { code: 'not_found' });
  });
});

describe('a tool without registered redirect URIs', () => {
  it("accepts exactly the launched activity's resource URL", async () => {
    const login = await startLogin(openTool.activityId);
    expect(login.params.get('client_id')).toBe(openTool.id);
    const refused = await authorizeGet(login, authParams(login, { redirect_uri: tool.redirectUri }));
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('not the resource URL of the activity');
    const { action, fields } = await formPost(await authorizeGet(login, authParams(login, { redirect_uri: openTool.resourceUrl })));
    expect(action).toBe(openTool.resourceUrl);
    const { payload } = await verifyIdToken(fields.id_token!, `${server.baseUrl}/.well-known/jwks.json`, {
      issuer: `${server.baseUrl}/${env}`,
      audience: openTool.id,
    });
    expect(payload[`${lti}target_link_uri`]).toBe(openTool.resourceUrl);
  });

  it('cannot check a redirect URI for a used launch, so it shows a page rather than redirecting', async () => {
    const login = await startLogin(openTool.activityId);
    const params = authParams(login, { redirect_uri: openTool.resourceUrl });
    expect((await formPost(await authorizeGet(login, params))).fields.id_token).toBeDefined();
    const replay = await authorizeGet(login, params);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('was already used or has expired');
  });

  it("does not accept another tool's launch", async () => {
    const login = await startLogin(activityId);
    const response = await authorizeGet(
      login,
      authParams(login, { client_id: openTool.id, redirect_uri: `${tool.origin}/resource/graphs` }),
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });
});
