/**
 * The academy as LTI 1.3 platform at Dynamic Registration 1.0, through the real local server: its
 * OpenID configuration (§3.4, §2.1), the admin's one-time launch URL (`POST …/tool-registrations`)
 * that opens the tool's registration initiation URL with `openid_configuration` and a
 * `registration_token` (§3.3), and the tool's client registration at `POST {base}/{env}/lti13/register`
 * (§3.5.2, §3.6), played by the test tool of `test/fixtures/lti13-tool.ts` (which uses nothing of
 * lti-bridge's), up to the launch of the registered tool once an admin has activated it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createEnvironment, createUser, ticketUrl } from '../../../fixtures/academy-platform';
import { Browser, jwtBearer, readFormPost, startTestTool, type TestTool } from '../../../fixtures/lti13-tool';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import { clientRegistration } from '../../../../functions/lti13/dynamic-registration/platform-client-metadata';
import { createToolRegistration } from '../../../../functions/lti13/dynamic-registration/platform-registration-links';
import { expectError } from '../../../fixtures/expect-error';

let server: TestServer;
let tool: TestTool;
const env = 'dr';
const toolConfiguration = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
const platformConfiguration = 'https://purl.imsglobal.org/spec/lti-platform-configuration';
const ags = (name: string) => `https://purl.imsglobal.org/spec/lti-ags/scope/${name}`;
const nrps = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';
const claim = 'https://purl.imsglobal.org/spec/lti/claim/';

beforeAll(async () => {
  [server, tool] = await Promise.all([startTestServer(), startTestTool()]);
  await createEnvironment(server, env, { name: 'Registering academy', ltiEnabled: true, academyUrl: 'https://academy.example/home' });
  await createUser(server, env, 'ada', { email: 'ada@learners.example', givenName: 'Ada', familyName: 'Lovelace' });
  await createEnvironment(server, 'dr-off', { name: 'Off', ltiEnabled: false, academyUrl: 'https://academy.example/home' });
});
afterAll(async () => {
  await Promise.all([server?.close(), tool?.close()]);
});

const issuer = () => `${server.baseUrl}/${env}`;
const configurationUrl = () => `${issuer()}/lti13/.well-known/openid-configuration`;

async function admin(method: string, path: string, body?: unknown) {
  return server.admin.request(method, `/admin/environments/${env}${path}`, body);
}

async function toolIds(): Promise<string[]> {
  const answer = await admin('GET', '/tools?limit=200');
  return (answer.json.tools as { id: string }[]).map((t) => t.id);
}

/** What the admin's browser does with a launch URL: the 302 to the tool's registration initiation URL. */
async function openLaunchUrl(launchUrl: string): Promise<URL> {
  const response = await fetch(launchUrl, { redirect: 'manual' });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location')!);
}

/** A fresh registration token, as the tool receives it (§3.3). */
async function registrationToken(registrationUrl = `${tool.origin}/lti/register`): Promise<string> {
  const answer = await admin('POST', '/tool-registrations', { registrationUrl });
  expect(answer.status).toBe(201);
  return (await openLaunchUrl(answer.json.launchUrl)).searchParams.get('registration_token')!;
}

/** The client registration the test tool sends (§3.5.2), with fields changed by path (`undefined` removes one). */
function registrationBody(changes: [path: string[], value: unknown][] = []): Record<string, unknown> {
  const body: Record<string, unknown> = {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: tool.oidcUrl,
    redirect_uris: [tool.redirectUri],
    client_name: 'Graph tool',
    jwks_uri: tool.jwksUrl,
    logo_uri: `${tool.origin}/logo.svg`,
    token_endpoint_auth_method: 'private_key_jwt',
    // The academy grants score and memberships; the other scopes are narrowed away.
    scope: [ags('score'), nrps, 'https://example.com/scope/calendar', 'openid'].join(' '),
    [toolConfiguration]: {
      domain: new URL(tool.origin).host,
      target_link_uri: `${tool.origin}/resource/graphs`,
      custom_parameters: { course: '$Context.id' },
      claims: ['iss', 'sub', 'email', 'picture'],
      messages: [
        { type: 'LtiResourceLinkRequest', label: 'Graphs', placements: ['course_navigation'] },
        { type: 'LtiSubmissionReviewRequest' },
        { type: 'LtiDeepLinkingRequest', target_link_uri: `${tool.origin}/lti/launch`, label: 'Add graphs' },
      ],
    },
  };
  for (const [path, value] of changes) {
    let at: Record<string, unknown> = body;
    for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
    if (value === undefined) delete at[path.at(-1)!];
    else at[path.at(-1)!] = value;
  }
  return body;
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: Record<string, unknown>;
}

async function register(token: string | undefined, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${issuer()}/lti13/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> };
}

/** A §3.6.2 error: `{error, error_description, field}` and nothing else. */
function expectRegistrationError(answer: Answer, status: number, error: string, field: string): void {
  expect({ status: answer.status, json: answer.json }).toEqual({
    status,
    json: { error, error_description: expect.any(String), field },
  });
}

describe('the OpenID configuration (§3.4, §2.1)', () => {
  it('describes the academy as a platform, with the LTI platform configuration', async () => {
    const response = await fetch(configurationUrl());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const configuration = (await response.json()) as Record<string, unknown>;
    expect(configuration).toEqual({
      issuer: issuer(),
      authorization_endpoint: `${issuer()}/lti13/authorize`,
      token_endpoint: `${issuer()}/lti13/token`,
      jwks_uri: `${server.baseUrl}/.well-known/jwks.json`,
      registration_endpoint: `${issuer()}/lti13/register`,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', ags('lineitem'), ags('lineitem.readonly'), ags('result.readonly'), ags('score'), nrps],
      response_types_supported: ['id_token'],
      response_modes_supported: ['form_post'],
      grant_types_supported: ['implicit', 'client_credentials'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'],
      authorization_server: issuer(),
      [platformConfiguration]: {
        product_family_code: 'lti-bridge',
        version: (require('../../../../package.json') as { version: string }).version,
        messages_supported: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest' }],
        variables: expect.arrayContaining(['ResourceLink.id', 'Context.id', 'User.id', 'Person.email.primary']),
      },
    });
  });

  it('has an issuer that the configuration URL starts with, on the same host (§3.5.1), as tools check it', async () => {
    const { issuer: named } = (await (await fetch(configurationUrl())).json()) as { issuer: string };
    expect(configurationUrl().startsWith(`${named}/`)).toBe(true);
    expect(new URL(named).host).toBe(new URL(configurationUrl()).host);
    expect(new URL(named).search + new URL(named).hash).toBe('');
  });

  it('answers an unknown environment 404 and an environment without LTI 403, as JSON', async () => {
    for (const [path, status, code] of [
      ['nowhere', 404, 'not_found'],
      ['dr-off', 403, 'lti_disabled'],
    ] as const) {
      const response = await fetch(`${server.baseUrl}/${path}/lti13/.well-known/openid-configuration`);
      expect([response.status, ((await response.json()) as { error: string }).error]).toEqual([status, code]);
    }
  });

  it("lets the token endpoint take a client assertion whose aud is the authorization_server (the issuer), not another environment's", async () => {
    const { authorization_server: audience, token_endpoint: tokenUrl } = (await (await fetch(configurationUrl())).json()) as Record<
      string,
      string
    >;
    const created = await admin('POST', '/tools', {
      name: 'By hand',
      oidcUrl: tool.oidcUrl,
      jwksUrl: tool.jwksUrl,
      redirectUris: [tool.redirectUri],
    });
    const clientId = created.json.clientId as string;
    const requestToken = (aud: string) =>
      fetch(tokenUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: jwtBearer,
          client_assertion: tool.clientAssertion(clientId, aud),
          scope: ags('score'),
        }).toString(),
      });
    const accepted = await requestToken(audience!);
    expect([accepted.status, ((await accepted.json()) as { scope: string }).scope]).toEqual([200, ags('score')]);
    const refused = await requestToken(`${server.baseUrl}/dr-off`);
    expect([refused.status, ((await refused.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);
    await admin('DELETE', `/tools/${clientId}`);
  });
});

describe('a registration, from the admin to a launch of the activated tool', () => {
  it('opens the tool, registers it inactive with the scopes narrowed, and launches it once activated', async () => {
    // 1. The admin's one-time launch URL.
    const created = await admin('POST', '/tool-registrations', { registrationUrl: `${tool.origin}/lti/register?code=k7` });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      launchUrl: expect.stringMatching(new RegExp(`^${server.baseUrl}/${env}/launch/[A-Za-z0-9_-]{43}$`)),
      expiresAt: expect.any(String),
    });
    expect(Date.parse(created.json.expiresAt) - Date.now()).toBeGreaterThan(4 * 60_000);

    // 2. The browser is sent to the tool's registration initiation URL (its own query kept).
    const initiation = await openLaunchUrl(created.json.launchUrl);
    expect(`${initiation.origin}${initiation.pathname}`).toBe(`${tool.origin}/lti/register`);
    expect(initiation.searchParams.get('code')).toBe('k7');
    expect(initiation.searchParams.get('openid_configuration')).toBe(configurationUrl());
    const token = initiation.searchParams.get('registration_token')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The launch URL works once.
    expect((await fetch(created.json.launchUrl, { redirect: 'manual' })).status).toBe(404);

    // 3. The tool reads the configuration and registers (§3.4, §3.5.2).
    const configuration = (await (await fetch(initiation.searchParams.get('openid_configuration')!)).json()) as Record<string, string>;
    const before = await toolIds();
    const answer = await register(token, registrationBody());
    expect(answer.status).toBe(201);
    const clientId = answer.json.client_id as string;
    const deploymentId = (answer.json[toolConfiguration] as { deployment_id: string }).deployment_id;
    expect(answer.json).toEqual({
      client_id: expect.any(String),
      application_type: 'web',
      grant_types: ['implicit', 'client_credentials'],
      response_types: ['id_token'],
      redirect_uris: [tool.redirectUri],
      initiate_login_uri: tool.oidcUrl,
      client_name: 'Graph tool',
      jwks_uri: tool.jwksUrl,
      token_endpoint_auth_method: 'private_key_jwt',
      scope: `${ags('score')} ${nrps}`,
      [toolConfiguration]: {
        domain: new URL(tool.origin).host,
        target_link_uri: `${tool.origin}/resource/graphs`,
        claims: ['iss', 'sub', 'email'],
        messages: [
          { type: 'LtiResourceLinkRequest', label: 'Graphs' },
          { type: 'LtiDeepLinkingRequest', target_link_uri: `${tool.origin}/lti/launch`, label: 'Add graphs' },
        ],
        deployment_id: expect.any(String),
      },
    });

    // 4. Stored inactive, as narrowed; the token is used up.
    expect(await toolIds()).toEqual([...before, clientId].sort());
    const stored = await admin('GET', `/tools/${clientId}`);
    expect(stored.json).toMatchObject({
      id: clientId,
      clientId,
      deploymentId,
      name: 'Graph tool',
      activated: false,
      oidcUrl: tool.oidcUrl,
      jwksUrl: tool.jwksUrl,
      redirectUris: [tool.redirectUri],
      deepLinkingUrl: `${tool.origin}/lti/launch`,
      targetLinkUri: `${tool.origin}/resource/graphs`,
      scopes: [ags('score'), nrps],
      messages: [
        { type: 'LtiResourceLinkRequest', label: 'Graphs' },
        { type: 'LtiDeepLinkingRequest', targetLinkUri: `${tool.origin}/lti/launch`, label: 'Add graphs' },
      ],
    });
    const reused = await register(token, registrationBody());
    expectRegistrationError(reused, 401, 'invalid_token', 'authorization');
    expect(reused.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(await toolIds()).toEqual([...before, clientId].sort());

    // 5. Inactive: its activity does not launch, and it gets no access token.
    const activity = await admin('POST', '/activities', {
      type: 'e-learning',
      title: 'Graph theory',
      lti: {
        version: '1.3',
        toolId: clientId,
        resourceUrl: `${tool.origin}/resource/graphs`,
        customParameters: { course: '$Context.id', who: '$User.id' },
      },
    });
    expect(activity.status).toBe(201);
    const refused = await fetch(await ticketUrl(server, env, activity.json.id, 'ada'), { redirect: 'manual' });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('The LTI 1.3 tool of this activity is deactivated');

    // 6. The admin activates it; the activity launches at the tool, which verifies the id_token.
    expect((await admin('PATCH', `/tools/${clientId}`, { activated: true })).status).toBe(200);
    tool.knowPlatform({
      issuer: configuration.issuer!,
      clientId,
      authorizationUrl: configuration.authorization_endpoint!,
      jwksUrl: configuration.jwks_uri!,
      landingUrl: `${tool.origin}/landed`,
    });
    const browser = new Browser();
    const login = await browser.get(await ticketUrl(server, env, activity.json.id, 'ada'));
    const toAuthorize = await fetch(login.headers.get('location')!, { redirect: 'manual' });
    const authorized = await browser.get(toAuthorize.headers.get('location')!);
    const post = readFormPost(await authorized.text());
    const landed = await browser.postForm(post.action, post.fields);
    expect(tool.problems).toEqual([]);
    expect(landed.status).toBe(303);
    const { claims } = tool.launches.at(-1)!;
    expect(claims).toMatchObject({
      iss: configuration.issuer,
      aud: clientId,
      [`${claim}deployment_id`]: deploymentId,
      [`${claim}custom`]: { course: activity.json.id, who: 'ada' },
      'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint': { scope: [ags('score')] },
      'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice': expect.any(Object),
    });

    // 7. Its tokens carry the narrowed scopes only.
    const requestToken = (scope: string) =>
      fetch(configuration.token_endpoint!, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: jwtBearer,
          client_assertion: tool.clientAssertion(clientId, configuration.token_endpoint!),
          scope,
        }).toString(),
      });
    const granted = await requestToken(`${ags('score')} ${ags('lineitem')}`);
    expect([granted.status, ((await granted.json()) as { scope: string }).scope]).toEqual([200, ags('score')]);
    const narrowedAway = await requestToken(ags('lineitem'));
    expect([narrowedAway.status, ((await narrowedAway.json()) as { error: string }).error]).toEqual([400, 'invalid_scope']);
  });

  it('leaves out the services a tool did not ask for from its launches, and refuses its deep linking when it registered none', async () => {
    const answer = await register(
      await registrationToken(),
      registrationBody([
        [['scope'], ''],
        [[toolConfiguration, 'messages'], [{ type: 'LtiResourceLinkRequest' }]],
      ]),
    );
    expect([answer.status, answer.json.scope]).toEqual([201, '']);
    const clientId = answer.json.client_id as string;
    await admin('PATCH', `/tools/${clientId}`, { activated: true });
    const stored = await admin('GET', `/tools/${clientId}`);
    expect(stored.json.scopes).toEqual([]);
    expect(stored.json.deepLinkingUrl).toBeUndefined();
    const deepLink = await admin('POST', '/deep-links', { toolId: clientId, userId: 'ada' });
    await expectError(deepLink, { status: 409, code: 'conflict', field: 'toolId' });
  });
});

describe('refused registrations: nothing is written, and the token is kept for a corrected request', () => {
  let token: string;
  beforeAll(async () => {
    token = await registrationToken();
  });

  const cases: [name: string, changes: [string[], unknown][], error: string, field: string][] = [
    ['application_type other than web', [[['application_type'], 'native']], 'invalid_client_metadata', 'application_type'],
    ['application_type missing', [[['application_type'], undefined]], 'invalid_client_metadata', 'application_type'],
    ['grant_types without client_credentials', [[['grant_types'], ['implicit']]], 'invalid_client_metadata', 'grant_types'],
    ['grant_types without implicit', [[['grant_types'], ['client_credentials']]], 'invalid_client_metadata', 'grant_types'],
    ['response_types without id_token', [[['response_types'], ['code']]], 'invalid_client_metadata', 'response_types'],
    [
      'token_endpoint_auth_method a secret',
      [[['token_endpoint_auth_method'], 'client_secret_basic']],
      'invalid_client_metadata',
      'token_endpoint_auth_method',
    ],
    ['client_name missing', [[['client_name'], undefined]], 'invalid_client_metadata', 'client_name'],
    ['client_name blank', [[['client_name'], '  ']], 'invalid_client_metadata', 'client_name'],
    ['initiate_login_uri not a URL', [[['initiate_login_uri'], 'login']], 'invalid_client_metadata', 'initiate_login_uri'],
    ['redirect_uris missing', [[['redirect_uris'], undefined]], 'invalid_redirect_uri', 'redirect_uris'],
    ['redirect_uris empty', [[['redirect_uris'], []]], 'invalid_redirect_uri', 'redirect_uris'],
    [
      'a redirect URI with a fragment',
      [[['redirect_uris'], ['https://tool.example/launch', 'https://tool.example/cb#x']]],
      'invalid_redirect_uri',
      'redirect_uris[1]',
    ],
    [
      'a redirect URI twice',
      [[['redirect_uris'], ['https://tool.example/a', 'https://tool.example/a']]],
      'invalid_redirect_uri',
      'redirect_uris[1]',
    ],
    ['jwks_uri not http(s)', [[['jwks_uri'], 'ftp://tool.example/jwks']], 'invalid_client_metadata', 'jwks_uri'],
    ['scope missing', [[['scope'], undefined]], 'invalid_client_metadata', 'scope'],
    ['scope not a string', [[['scope'], [ags('score')]]], 'invalid_client_metadata', 'scope'],
    ['the LTI tool configuration missing', [[[toolConfiguration], undefined]], 'invalid_client_metadata', toolConfiguration],
    [
      'domain with a scheme',
      [[[toolConfiguration, 'domain'], 'https://tool.example']],
      'invalid_client_metadata',
      `${toolConfiguration}.domain`,
    ],
    ['domain with a path', [[[toolConfiguration, 'domain'], 'tool.example/lti']], 'invalid_client_metadata', `${toolConfiguration}.domain`],
    [
      'target_link_uri missing',
      [[[toolConfiguration, 'target_link_uri'], undefined]],
      'invalid_client_metadata',
      `${toolConfiguration}.target_link_uri`,
    ],
    ['claims not an array', [[[toolConfiguration, 'claims'], 'email']], 'invalid_client_metadata', `${toolConfiguration}.claims`],
    ['messages missing', [[[toolConfiguration, 'messages'], undefined]], 'invalid_client_metadata', `${toolConfiguration}.messages`],
    [
      'no message the academy sends',
      [[[toolConfiguration, 'messages'], [{ type: 'LtiSubmissionReviewRequest' }]]],
      'invalid_client_metadata',
      `${toolConfiguration}.messages`,
    ],
    [
      'a message without a type',
      [[[toolConfiguration, 'messages'], [{ label: 'x' }]]],
      'invalid_client_metadata',
      `${toolConfiguration}.messages[0].type`,
    ],
    [
      'a message target_link_uri not a URL',
      [[[toolConfiguration, 'messages'], [{ type: 'LtiResourceLinkRequest', target_link_uri: '/x' }]]],
      'invalid_client_metadata',
      `${toolConfiguration}.messages[0].target_link_uri`,
    ],
  ];

  it.each(cases)('%s: 400 naming the field', async (_name, changes, error, field) => {
    const before = await toolIds();
    expectRegistrationError(await register(token, registrationBody(changes)), 400, error, field);
    expect(await toolIds()).toEqual(before);
  });

  it('a body that is not JSON, or not sent as JSON', async () => {
    expectRegistrationError(await register(token, '{"application_type":'), 400, 'invalid_client_metadata', 'body');
    expectRegistrationError(await register(token, '[]'), 400, 'invalid_client_metadata', 'body');
    expectRegistrationError(
      await register(token, registrationBody(), { 'content-type': 'text/plain' }),
      400,
      'invalid_client_metadata',
      'content-type',
    );
  });

  it('the same token then registers the corrected request, once', async () => {
    expect((await register(token, registrationBody())).status).toBe(201);
    expectRegistrationError(await register(token, registrationBody()), 401, 'invalid_token', 'authorization');
  });
});

describe('refused registration tokens (401 invalid_token, Bearer challenge, nothing written)', () => {
  it('a missing, malformed or forged token', async () => {
    const before = await toolIds();
    for (const answer of [
      await register(undefined, registrationBody()),
      await register(undefined, registrationBody(), { authorization: 'Basic dXNlcjpwYXNz' }),
      await register(randomBytes(32).toString('base64url'), registrationBody()),
    ]) {
      expectRegistrationError(answer, 401, 'invalid_token', 'authorization');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
    }
    expect(await toolIds()).toEqual(before);
  });

  it('an expired token', async () => {
    const token = randomBytes(32).toString('base64url');
    const past = Date.now() - 2 * 60 * 60_000;
    await server.runtime.singleUse.create(
      'registration-token',
      env,
      createHash('sha256').update(token).digest('base64url'),
      { environmentId: env, registrationUrl: `${tool.origin}/lti/register`, expiresAt: Math.floor(past / 1000) + 3600 },
      Math.floor(past / 1000) + 3600,
      past,
    );
    const before = await toolIds();
    expectRegistrationError(await register(token, registrationBody()), 401, 'invalid_token', 'authorization');
    expect(await toolIds()).toEqual(before);
  });

  it("another environment's token", async () => {
    await createEnvironment(server, 'dr-other', { name: 'Other', ltiEnabled: true, academyUrl: 'https://academy.example/home' });
    const token = await registrationToken();
    const response = await fetch(`${server.baseUrl}/dr-other/lti13/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(registrationBody()),
    });
    expect([response.status, ((await response.json()) as { error: string }).error]).toEqual([401, 'invalid_token']);
  });

  it('an environment with LTI switched off answers 403 before the token is looked at', async () => {
    const answer = await fetch(`${server.baseUrl}/dr-off/lti13/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect([answer.status, ((await answer.json()) as { error: string }).error]).toEqual([403, 'lti_disabled']);
  });
});

describe('POST /admin/environments/{env}/tool-registrations', () => {
  it('refuses a registrationUrl that is missing, not http(s), or has a fragment, naming the field', async () => {
    for (const body of [
      {},
      { registrationUrl: 'javascript:alert(1)' },
      { registrationUrl: 'https://tool.example/register#x' },
      { registrationUrl: 'https://tool.example/r', other: 1 },
    ]) {
      const answer = await admin('POST', '/tool-registrations', body);
      await expectError(answer, { status: 400, code: 'invalid_request', field: 'other' in body ? 'other' : 'registrationUrl' });
    }
  });

  it('requires https:// on AWS', async () => {
    const deps = { ...server.runtime, publicUrl: server.baseUrl, localMode: false };
    await expectError(createToolRegistration(deps, env, { registrationUrl: 'http://tool.example/register' }), {
      status: 400,
      code: 'invalid_request',
      field: 'registrationUrl',
    });
    await expect(createToolRegistration(deps, env, { registrationUrl: 'https://tool.example/register' })).resolves.toMatchObject({
      launchUrl: expect.any(String),
    });
  });

  it('refuses an environment with LTI switched off (409) and an unknown one (404)', async () => {
    const off = await server.admin.request('POST', '/admin/environments/dr-off/tool-registrations', {
      registrationUrl: `${tool.origin}/r`,
    });
    await expectError(off, { status: 409, code: 'conflict', field: 'registrationUrl' });
    const unknown = await server.admin.request('POST', '/admin/environments/nowhere/tool-registrations', {
      registrationUrl: `${tool.origin}/r`,
    });
    expect(unknown.status).toBe(404);
  });
});

describe('the client metadata on AWS (https only, public key set)', () => {
  const body = (changes: Record<string, unknown> = {}) => ({
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: 'https://tool.example/login',
    redirect_uris: ['https://tool.example/launch'],
    client_name: 'Tool',
    jwks_uri: 'https://tool.example/jwks',
    token_endpoint_auth_method: 'private_key_jwt',
    scope: '',
    [toolConfiguration]: {
      domain: 'tool.example',
      target_link_uri: 'https://tool.example/launch',
      claims: [],
      messages: [{ type: 'LtiResourceLinkRequest' }],
    },
    ...changes,
  });

  it('accepts https URLs', () => {
    expect(clientRegistration(body(), false)).toMatchObject({ clientName: 'Tool', scopes: [], claims: [] });
  });

  it.each([
    ['initiate_login_uri', { initiate_login_uri: 'http://tool.example/login' }, 'invalid_client_metadata'],
    ['redirect_uris[0]', { redirect_uris: ['http://tool.example/launch'] }, 'invalid_redirect_uri'],
    ['jwks_uri', { jwks_uri: 'http://tool.example/jwks' }, 'invalid_client_metadata'],
    ['jwks_uri', { jwks_uri: 'https://127.0.0.1/jwks' }, 'invalid_client_metadata'],
    [
      `${toolConfiguration}.target_link_uri`,
      {
        [toolConfiguration]: {
          domain: 'tool.example',
          target_link_uri: 'http://tool.example/launch',
          claims: [],
          messages: [{ type: 'LtiResourceLinkRequest' }],
        },
      },
      'invalid_client_metadata',
    ],
  ])('refuses %s over http or to a private address', async (field, changes, code) => {
    await expectError(
      (() => {
        try {
          clientRegistration(body(changes), false);
        } catch (error) {
          return error as never;
        }
        throw new Error('accepted');
      })(),
      { status: 400, code, field },
    );
  });
});
