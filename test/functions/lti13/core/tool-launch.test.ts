/**
 * LTI 1.3 launches into the academy through the real local server, from a test platform whose
 * id_tokens are signed by `jsonwebtoken` (not lti-bridge's JWT code): the OIDC login by GET and
 * POST, every "known bad payload" of the certification guide (§6.1.1), the valid launches
 * (§6.1.2-6.1.3), replays, algorithm confusion, embedded keys, audiences, deactivated platforms,
 * deployments, target links of other environments, key rotation, and what a launch costs.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import jwt from 'jsonwebtoken';
import { generateKeyPairSync } from 'node:crypto';
import { expectError } from '../../../fixtures/expect-error';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import {
  launchFromPlatform,
  lti,
  postLaunch,
  TestPlatform,
  type LaunchOptions,
  type LaunchRun,
  type Scenario,
} from '../../../fixtures/lti13-platform';

let server: TestServer;
let platform: TestPlatform;
let activityId: string;
let resourceUrl: string;
let otherEnvResourceUrl: string;
let loginUrl: string;
let platformId: string;
const academyUrl = 'https://academy.example/sso';
const environment = { name: 'Demo academy', ltiEnabled: true, academyUrl };

const membership = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';
const institution = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#';

beforeAll(async () => {
  server = await startTestServer();
  platform = await TestPlatform.start();
  platform.redirectUris = [`${server.baseUrl}/demo/lti13/launch`];
  platform.toolJwksUrl = `${server.baseUrl}/.well-known/jwks.json`;
  for (const env of ['demo', 'other']) {
    expect((await server.admin.request('PUT', `/admin/environments/${env}`, environment)).status).toBe(201);
  }
  const activity = await server.admin.request('POST', '/admin/environments/demo/activities', {
    type: 'e-learning',
    title: 'Safety basics',
    availableForLti: true,
  });
  activityId = activity.json.id;
  resourceUrl = activity.json.ltiAccess.lti13.resourceUrl;
  const other = await server.admin.request('POST', '/admin/environments/other/activities', {
    type: 'e-learning',
    title: 'Elsewhere',
    availableForLti: true,
  });
  otherEnvResourceUrl = other.json.ltiAccess.lti13.resourceUrl;
  const registered = await server.admin.request('POST', '/admin/environments/demo/platforms', platform.registration());
  expect(registered.status).toBe(201);
  platformId = registered.json.id;
  loginUrl = registered.json.toolConfiguration.loginUrl;
  expect((await server.admin.request('POST', '/admin/environments/other/platforms', platform.registration())).status).toBe(201);
});
afterAll(async () => {
  await platform?.close();
  await server?.close();
});

let hints = 0;
const hint = (label: string) => `${label}-${++hints}`;

function run(label: string, options: Partial<LaunchOptions> = {}): Promise<LaunchRun> {
  return launchFromPlatform(platform, { loginUrl, targetLinkUri: resourceUrl, loginHint: hint(label), ...options });
}

const withClaims = (change: (claims: Record<string, unknown>) => Record<string, unknown> | void): Scenario => ({
  claims: (claims) => change(claims) ?? claims,
});

/** A launch accepted: 303 to the academy with a code that the admin API exchanges once. */
async function accepted(result: LaunchRun) {
  expect(result.launch?.text ?? result.auth?.text ?? result.login.text).toBe('');
  expect(result.launch!.status).toBe(303);
  const location = new URL(result.launch!.location!);
  expect(`${location.origin}${location.pathname}`).toBe(academyUrl);
  const exchange = await server.admin.request('POST', '/admin/environments/demo/sso/exchange', { code: location.searchParams.get('code') });
  expect(exchange.status).toBe(200);
  expect(exchange.json.activityId).toBe(activityId);
  expect(exchange.json.launch.version).toBe('1.3');
  return exchange.json;
}

/** A launch refused with `status`, on a page naming `parameter`; and nobody was provisioned. */
async function refused(result: LaunchRun, status: number, parameter: string) {
  const answer = result.launch!;
  expect({ status: answer.status, names: answer.text.includes(parameter) }).toEqual({ status, names: true });
  expect(answer.text).toContain('<!doctype html>');
  const email = result.form
    ? `${result.login.location && new URL(result.login.location).searchParams.get('login_hint')}@school.example`
    : '';
  if (email)
    expect((await server.admin.request('GET', `/admin/environments/demo/users?email=${encodeURIComponent(email)}`)).status).toBe(404);
}

describe('OIDC login initiation (Security 1.0 §5.1.1)', () => {
  it.each(['GET', 'POST'] as const)(
    'by %s: redirects to the platform with the authentication request and a partitioned state cookie',
    async (method) => {
      const result = await run(`login-${method}`, { method });
      expect(result.login.status).toBe(302);
      const request = new URL(result.login.location!);
      expect(`${request.origin}${request.pathname}`).toBe(platform.authUrl);
      const params = Object.fromEntries(request.searchParams);
      expect(params).toMatchObject({
        scope: 'openid',
        response_type: 'id_token',
        response_mode: 'form_post',
        prompt: 'none',
        client_id: platform.clientId,
        redirect_uri: `${server.baseUrl}/demo/lti13/launch`,
        login_hint: expect.stringMatching(/^login-/),
        lti_message_hint: `hint-${params.login_hint}`,
      });
      // 256 random bits each
      expect(params.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(params.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(params.state).not.toBe(params.nonce);

      expect(result.login.setCookies).toHaveLength(1);
      const cookie = result.login.setCookies[0]!;
      expect(cookie).toMatch(/^lti13_state_[A-Za-z0-9_-]{16}=/);
      expect(cookie.split(';')[0]!.split('=')[1]).toBe(params.state);
      for (const attribute of ['SameSite=None', 'Secure', 'HttpOnly', 'Partitioned', 'Path=/demo/lti13', 'Max-Age=300']) {
        expect(cookie.split('; ')).toContain(attribute);
      }

      const grant = await accepted(result);
      expect(grant.created).toBe(true);
      expect(grant.user).toMatchObject({ email: `${params.login_hint}@school.example`, givenName: 'Jane', familyName: 'Doe' });
      // Keyed by the registration: issuer and client id, each percent-encoded (docs/product.md "Who is who").
      const registration = `lti13|${encodeURIComponent(platform.issuer)}|${encodeURIComponent(platform.clientId)}`;
      expect(grant.user.externalIds).toEqual({ [registration]: params.login_hint });
      expect(grant.launch).toEqual({ version: '1.3', roles: [`${membership}Learner`], returnUrl: `${platform.url}/return` });
      // the used state's cookie is removed
      expect(result.launch!.setCookies.some((c) => c.startsWith(`${cookie.split('=')[0]}=;`) && c.includes('Max-Age=0'))).toBe(true);
    },
  );

  it('keeps two logins in two tabs apart: each has its own cookie', async () => {
    const first = await run('tab');
    const second = await run('tab');
    expect(first.cookies[0]!.split('=')[0]).not.toBe(second.cookies[0]!.split('=')[0]);
    await accepted(first);
    await accepted(second);
  });

  it.each(['iss', 'login_hint', 'target_link_uri'])('refuses a login without %s, naming it', async (name) => {
    const result = await run('missing', { login: { [name]: undefined } });
    await expectError(result.login, { status: 400, code: 'missing_parameter', field: name });
    expect(result.login.text).toContain(`The launch is missing the parameter ${name}.`);
    expect(result.login.setCookies).toEqual([]);
  });

  it('refuses an unknown issuer, an unknown client_id and a lti_deployment_id of another deployment', async () => {
    const issuer = await run('unknown-iss', { login: { iss: 'https://unknown.example' } });
    await expectError(issuer.login, { status: 400, code: 'unknown_platform', field: 'iss' });
    expect(issuer.login.text).toContain('No LTI 1.3 platform with issuer https://unknown.example is registered');
    const client = await run('unknown-client', { login: { client_id: 'nope' } });
    await expectError(client.login, { status: 400, code: 'unknown_platform', field: 'client_id' });
    expect(client.login.text).toContain('client_id nope');
    expect(
      await accepted(await run('known-client', { login: { client_id: platform.clientId, lti_deployment_id: platform.deploymentId } })),
    ).toBeDefined();
    const deployment = await run('bad-deployment', { login: { lti_deployment_id: 'another' } });
    await expectError(deployment.login, { status: 400, code: 'invalid_parameter', field: 'lti_deployment_id' });
    expect(deployment.login.text).toContain('lti_deployment_id');
  });

  it('refuses a target link of another environment, of an unknown activity, and of another host', async () => {
    const other = await run('other-env', { targetLinkUri: otherEnvResourceUrl });
    expect(other.login.status).toBe(400);
    expect(other.login.text).toContain('is not an LTI 1.3 resource URL, nor the deep linking URL, of this environment');
    const unknown = await run('unknown-activity', { targetLinkUri: resourceUrl.replace(activityId, 'no-such-activity') });
    expect(unknown.login.status).toBe(404);
    const host = await run('other-host', { targetLinkUri: resourceUrl.replace(server.baseUrl, 'https://evil.example') });
    expect(host.login.status).toBe(400);
  });

  it('answers 403 in an environment without LTI', async () => {
    await server.admin.request('PUT', '/admin/environments/nolti', { ...environment, ltiEnabled: false });
    const result = await launchFromPlatform(platform, {
      loginUrl: `${server.baseUrl}/nolti/lti13/login`,
      targetLinkUri: `${server.baseUrl}/nolti/lti13/activities/${activityId}`,
      loginHint: hint('nolti'),
    });
    await expectError(result.login, { status: 403, code: 'lti_disabled' });
    expect(result.login.text).toContain('LTI is not enabled in this environment.');
  });
});

describe('certification §6.1.1: known "bad" payloads are rejected', () => {
  it('No KID sent in JWT header', async () => {
    await refused(await run('no-kid', { scenario: { sign: (claims, p) => p.sign(claims, { kid: null }) } }), 401, 'kid');
  });

  it('Incorrect KID in JWT header (after fetching the key set once more)', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const before = platform.jwksRequests;
    await refused(
      await run('wrong-kid', { scenario: { sign: (claims, p) => p.sign(claims, { kid: 'not-a-key-of-this-platform' }) } }),
      401,
      'kid',
    );
    expect(platform.jwksRequests - before).toBe(1);
  });

  it('Wrong LTI Version', async () => {
    const result = await run('wrong-version', { scenario: withClaims((c) => void (c[`${lti}version`] = '1.2.0')) });
    await refused(result, 400, `${lti}version`);
    expect(result.launch!.text).toContain('it must be 1.3.0');
  });

  it('No LTI Version', async () => {
    await refused(
      await run('no-version', { scenario: withClaims((c) => void delete c[`${lti}version`]) }),
      400,
      `The launch is missing the claim ${lti}version`,
    );
  });

  it('Invalid LTI message: not a JWT at all', async () => {
    const result = await run('not-jwt', { scenario: { sign: (claims) => JSON.stringify(claims) } });
    await refused(result, 401, 'id_token');
    expect(result.launch!.text).toContain('is not a JSON Web Token');
  });

  it('Invalid LTI message: a signed JWT that is not an LTI 1.3 launch', async () => {
    const result = await run('not-lti', {
      scenario: withClaims((c) => ({ iss: c.iss, aud: c.aud, sub: c.sub, nonce: c.nonce, iat: c.iat, exp: c.exp, name: 'Not LTI' })),
    });
    await refused(result, 400, 'The launch is missing the claim');
  });

  it('Invalid LTI message: another message type', async () => {
    await refused(
      await run('deep-link', { scenario: withClaims((c) => void (c[`${lti}message_type`] = 'LtiDeepLinkingRequest')) }),
      400,
      `${lti}message_type`,
    );
  });

  it('Missing LTI Claims', async () => {
    const result = await run('missing-claims', {
      scenario: withClaims((c) => {
        delete c[`${lti}resource_link`];
        delete c[`${lti}target_link_uri`];
        delete c[`${lti}roles`];
      }),
    });
    await refused(result, 400, 'The launch is missing the claim');
  });

  it.each([
    ['exp in the past', (c: Record<string, unknown>) => void (c.exp = Math.floor(Date.now() / 1000) - 600), 'exp'],
    ['no exp', (c: Record<string, unknown>) => void delete c.exp, 'exp'],
    [
      'iat in the future',
      (c: Record<string, unknown>) => void ((c.iat = Math.floor(Date.now() / 1000) + 600), (c.exp = Math.floor(Date.now() / 1000) + 900)),
      'iat',
    ],
    ['iat long ago', (c: Record<string, unknown>) => void (c.iat = Math.floor(Date.now() / 1000) - 3600), 'iat'],
  ])('Timestamps Incorrect: %s', async (_label, change, claim) => {
    await refused(await run('timestamps', { scenario: withClaims(change) }), 401, claim);
  });

  it('Timestamps Incorrect: no iat', async () => {
    const result = await run('no-iat', { scenario: { claims: ({ iat: _iat, ...c }) => c, sign: (claims, p) => p.signRaw(claims) } });
    await refused(result, 401, 'The id_token has no &quot;iat&quot; claim.');
  });

  it('Timestamps Incorrect: iat and exp not numbers', async () => {
    const result = await run('timestamps-text', {
      scenario: { claims: (c) => ({ ...c, iat: 'yesterday', exp: 'tomorrow' }), sign: (claims, p) => p.signRaw(claims) },
    });
    await refused(result, 401, 'iat');
  });

  it('message_type Claim Missing', async () => {
    await refused(
      await run('no-type', { scenario: withClaims((c) => void delete c[`${lti}message_type`]) }),
      400,
      `The launch is missing the claim ${lti}message_type`,
    );
  });

  it('role Claim Missing', async () => {
    await refused(
      await run('no-roles', { scenario: withClaims((c) => void delete c[`${lti}roles`]) }),
      400,
      `The launch is missing the claim ${lti}roles`,
    );
  });

  it('deployment_id Claim Missing', async () => {
    await refused(
      await run('no-deployment', { scenario: withClaims((c) => void delete c[`${lti}deployment_id`]) }),
      400,
      `The launch is missing the claim ${lti}deployment_id`,
    );
  });

  it('resource_link_id Claim Missing', async () => {
    await refused(
      await run('no-link-id', { scenario: withClaims((c) => void (c[`${lti}resource_link`] = { title: 'no id' })) }),
      400,
      `${lti}resource_link claim has no id`,
    );
    await refused(
      await run('no-link', { scenario: withClaims((c) => void delete c[`${lti}resource_link`]) }),
      400,
      `The launch is missing the claim ${lti}resource_link`,
    );
  });

  it('user Claim Missing (no sub)', async () => {
    await refused(await run('no-sub', { scenario: withClaims((c) => void delete c.sub) }), 400, 'The launch is missing the claim sub');
    await refused(await run('empty-sub', { scenario: withClaims((c) => void (c.sub = '')) }), 400, 'sub claim must be a non-empty string');
  });
});

describe('certification §6.1.2-6.1.3: valid teacher and student launches are accepted', () => {
  const roleCases: [string, string[], string[]][] = [
    ['Instructor', [`${membership}Instructor`], [`${membership}Instructor`]],
    [
      'Instructor with roles',
      [`${membership}Instructor`, `${institution}Faculty`, 'http://purl.imsglobal.org/vocab/lis/v2/system/person#User'],
      [`${membership}Instructor`, `${institution}Faculty`, 'http://purl.imsglobal.org/vocab/lis/v2/system/person#User'],
    ],
    ['Instructor short role', ['Instructor'], [`${membership}Instructor`]],
    ['Instructor unknown role', ['http://example.edu/roles#Wizard'], ['http://example.edu/roles#Wizard']],
    ['Instructor no role', [], []],
    ['Student', [`${membership}Learner`], [`${membership}Learner`]],
    [
      'Student with roles',
      [`${membership}Learner`, `${institution}Student`, `${membership}Mentor`],
      [`${membership}Learner`, `${institution}Student`, `${membership}Mentor`],
    ],
    ['Student short role', ['Learner'], [`${membership}Learner`]],
    ['Student unknown role', ['Wizard'], ['Wizard']],
    ['Student no role', [], []],
    ['Student empty role', [''], []],
  ];

  it.each(roleCases)('%s', async (_label, roles, recorded) => {
    const grant = await accepted(await run('valid', { scenario: withClaims((c) => void (c[`${lti}roles`] = roles)) }));
    expect(grant.launch.roles).toEqual(recorded);
  });

  it.each(['Instructor', 'Student'])('%s email without context', async () => {
    const grant = await accepted(
      await run('no-context', {
        scenario: withClaims((c) => {
          delete c[`${lti}context`];
          delete c.name;
        }),
      }),
    );
    expect(grant.created).toBe(true);
  });

  it('a launch with only the required claims and the learner identity (Core §5.3)', async () => {
    await accepted(
      await run('minimal', {
        scenario: withClaims((c) => {
          for (const name of ['name', 'context', 'launch_presentation'])
            delete c[name.includes('_') || name === 'context' ? `${lti}${name}` : name];
        }),
      }),
    );
  });

  it('Email Only: accepted, the names derived from the email (docs/product.md "Who is who")', async () => {
    const result = await run('email-only', {
      scenario: withClaims((c) => ['given_name', 'family_name', 'name'].forEach((name) => delete c[name])),
    });
    const grant = await accepted(result);
    const local = grant.user.email.split('@')[0];
    expect(local).toMatch(/^email-only/);
    expect(grant.user).toMatchObject({ givenName: local, familyName: local });
  });

  /**
   * "Names Only" and "No PII" are valid LTI launches, but the academy needs an email to create (or
   * link) an account for a learner it does not know yet (docs/product.md "Who is who"): the launch
   * passes every LTI check, then gets the page that names the missing claim and what it is for.
   */
  it.each([
    ['Names Only', ['email'], 'email'],
    ['No PII', ['email', 'given_name', 'family_name', 'name'], 'email'],
  ])('%s: passes the LTI checks, then names the claim the academy needs', async (_label, removed, named) => {
    const result = await run('pii', { scenario: withClaims((c) => removed.forEach((name) => delete c[name])) });
    await refused(result, 400, `The launch is missing the claim ${named}`);
    expect(result.launch!.text).toContain('share the launcher&#39;s');
  });
});

describe('replays', () => {
  it('refuses the same launch posted twice (state used once)', async () => {
    const first = await run('replay');
    await accepted(first);
    const again = await postLaunch(first.form!, first.cookies);
    await expectError(again, { status: 401, code: 'invalid_launch', field: 'state' });
    expect(again.text).toContain('This launch was already used');
  });

  it("refuses an id_token replayed with another login's state (nonce of another login)", async () => {
    const first = await run('nonce-replay');
    await accepted(first);
    const second = await run('nonce-replay-2', { stopBeforeLaunch: true });
    // the second login's state and cookie, the first login's token: the nonce differs
    const replay = await postLaunch(
      { action: second.form!.action, fields: { ...second.form!.fields, id_token: first.form!.fields.id_token! } },
      [],
    );
    expect(replay.status).toBe(401);
    const fresh = await run('nonce-replay-3', { stopBeforeLaunch: true });
    const stolen = await postLaunch(
      { action: fresh.form!.action, fields: { state: fresh.form!.fields.state!, id_token: first.form!.fields.id_token! } },
      fresh.cookies,
    );
    expect(stolen.status).toBe(401);
    expect(stolen.text).toContain('nonce');
  });

  it('refuses a launch whose browser lost the state cookie, and one with the cookie of another login', async () => {
    const noCookie = await run('no-cookie', { withoutCookies: true });
    expect(noCookie.launch!.status).toBe(401);
    expect(noCookie.launch!.text).toContain('cookie did not come back');
    const a = await run('cookie-a', { withoutCookies: true });
    const b = await run('cookie-b', { withoutCookies: true });
    const swapped = await postLaunch(a.form!, b.cookies);
    expect(swapped.status).toBe(401);
    // the state was not consumed by the refused attempts: with its own cookie it still works once
    await accepted({ ...a, launch: await postLaunch(a.form!, a.cookies) });
  });

  it('refuses an unknown state, and reports an OIDC error answered by the platform', async () => {
    const forged = await postLaunch({ action: `${server.baseUrl}/demo/lti13/launch`, fields: { state: 'forged', id_token: 'x.y.z' } }, [
      'lti13_state_x=forged',
    ]);
    expect(forged.status).toBe(401);
    const error = await run('oidc-error', { scenario: { error: 'login_required' } });
    await expectError(error.launch!, { status: 401, code: 'platform_error', field: 'error' });
    expect(error.launch!.text).toContain('The platform refused the login: login_required');
    const missing = await postLaunch({ action: `${server.baseUrl}/demo/lti13/launch`, fields: { state: 's' } }, []);
    await expectError(missing, { status: 400, code: 'missing_parameter', field: 'id_token' });
    expect(missing.text).toContain('The launch is missing the parameter id_token.');
  });
});

describe('signatures and keys', () => {
  it('refuses alg none', async () => {
    const result = await run('alg-none', { scenario: { sign: (claims) => jwt.sign(claims, null, { algorithm: 'none' }) } });
    await refused(result, 401, 'only RS256 is accepted');
  });

  it("refuses HS256 signed with the platform's public key as the secret", async () => {
    const result = await run('alg-hs256', {
      scenario: {
        sign: (claims, p) =>
          jwt.sign(claims, p.signingKey.publicKey.export({ type: 'spki', format: 'pem' }) as string, {
            algorithm: 'HS256',
            keyid: p.signingKey.kid,
          }),
      },
    });
    await refused(result, 401, 'only RS256 is accepted');
  });

  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
  it.each([
    ['jwk', { jwk: { ...attacker.publicKey.export({ format: 'jwk' }), kid: 'attacker' } }],
    ['jku', { jku: 'https://evil.example/jwks' }],
    ['x5u', { x5u: 'https://evil.example/cert.pem' }],
    ['x5c', { x5c: ['MIIB'] }],
  ])('refuses an embedded or referenced key (%s header)', async (name, header) => {
    const result = await run(`header-${name}`, {
      scenario: {
        sign: (claims, p) =>
          jwt.sign(claims, attacker.privateKey, { algorithm: 'RS256', header: { alg: 'RS256', kid: p.signingKey.kid, ...header } }),
      },
    });
    await refused(result, 401, `carries &quot;${name}&quot;`);
  });

  it("refuses a token signed with another key under the platform's kid", async () => {
    const result = await run('forged-signature', {
      scenario: { sign: (claims, p) => jwt.sign(claims, attacker.privateKey, { algorithm: 'RS256', keyid: p.signingKey.kid }) },
    });
    await refused(result, 401, 'signature does not verify');
  });

  it('follows a key rotation at the platform: a new kid fetches the key set once more', async () => {
    await accepted(await run('before-rotation'));
    platform.rotateKey();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const before = platform.jwksRequests;
    await accepted(await run('after-rotation'));
    expect(platform.jwksRequests - before).toBe(1);
    await accepted(await run('after-rotation-cached'));
    expect(platform.jwksRequests - before).toBe(1);
    // the previous key is still published, and still accepted
    await accepted(await run('old-key', { scenario: { sign: (claims, p) => p.sign(claims, { key: p.keys[0] }) } }));
    expect(platform.jwksRequests - before).toBe(1);
  });
});

describe('issuer, audiences and authorized party (Security 1.0 §5.1.3)', () => {
  it('refuses another issuer', async () => {
    await refused(await run('wrong-iss', { scenario: withClaims((c) => void (c.iss = 'https://other-lms.example')) }), 401, 'iss');
  });

  it('refuses a token for another client', async () => {
    await refused(
      await run('wrong-aud', { scenario: withClaims((c) => void (c.aud = 'another-tool')) }),
      401,
      'does not include the academy&#39;s client id',
    );
    await refused(await run('wrong-aud-list', { scenario: withClaims((c) => void (c.aud = ['another-tool', 'third'])) }), 401, 'aud');
  });

  it('accepts several audiences with azp = client id; refuses them without azp or with another azp', async () => {
    await accepted(
      await run('multi-azp', {
        scenario: withClaims((c) => void ((c.aud = ['another-tool', platform.clientId]), (c.azp = platform.clientId))),
      }),
    );
    await refused(
      await run('multi-no-azp', { scenario: withClaims((c) => void (c.aud = [platform.clientId, 'another-tool'])) }),
      401,
      'no authorized party (azp)',
    );
    await refused(
      await run('multi-other-azp', {
        scenario: withClaims((c) => void ((c.aud = [platform.clientId, 'another-tool']), (c.azp = 'another-tool'))),
      }),
      401,
      'azp',
    );
  });

  it('accepts one audience as a list or with azp; refuses a single audience with another azp', async () => {
    await accepted(await run('aud-list', { scenario: withClaims((c) => void (c.aud = [platform.clientId])) }));
    await accepted(await run('aud-azp', { scenario: withClaims((c) => void (c.azp = platform.clientId)) }));
    await refused(await run('aud-bad-azp', { scenario: withClaims((c) => void (c.azp = 'someone-else')) }), 401, 'azp');
  });
});

describe('registration and target link', () => {
  it('refuses a deployment that is not registered', async () => {
    await refused(
      await run('wrong-deployment', { scenario: withClaims((c) => void (c[`${lti}deployment_id`] = 'other-deployment')) }),
      401,
      'other-deployment is not one of those registered',
    );
  });

  it("refuses a target_link_uri claim other than the login's (another environment's resource URL)", async () => {
    const result = await run('other-target', { scenario: withClaims((c) => void (c[`${lti}target_link_uri`] = otherEnvResourceUrl)) });
    await refused(result, 400, `${lti}target_link_uri`);
  });

  it('refuses logins and launches of a deactivated platform', async () => {
    const deactivate = (activated: boolean) =>
      server.admin.request('PATCH', `/admin/environments/demo/platforms/${platformId}`, { activated });
    // deactivated between the login and the launch
    const midway = await run('deactivated-midway', { beforeLaunch: async () => void expect((await deactivate(false)).status).toBe(200) });
    await refused(midway, 401, 'deactivated');
    const login = await run('deactivated');
    expect(login.login.status).toBe(401);
    expect(login.login.text).toContain('is deactivated in this environment');
    expect((await deactivate(true)).status).toBe(200);
    await accepted(await run('reactivated'));
  });
});

describe('the activity resource URL opened directly', () => {
  it('answers a page that explains it is launched from an LMS', async () => {
    const page = await fetch(resourceUrl);
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('Safety basics');
    expect(text).toContain('LTI 1.3 resource URL');
    expect(text).toContain(`${server.baseUrl}/demo/lti13/login`);
    expect(text).toContain(`<code>${resourceUrl}</code>`);
    expect((await fetch(resourceUrl.replace(activityId, 'nope'))).status).toBe(404);
    await server.admin.request('PUT', '/admin/environments/nolti', { ...environment, ltiEnabled: false });
    expect((await fetch(`${server.baseUrl}/nolti/lti13/activities/${activityId}`)).status).toBe(403);
  });
});

describe('what a launch costs', () => {
  let dynamo: string[] | undefined;
  let kms: string[] | undefined;

  beforeAll(() => {
    server.dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        dynamo?.push(String(context.commandName));
        return next(args);
      },
      { step: 'deserialize', name: 'lti13CountDynamo' },
    );
    (server.runtime.signer as unknown as { client: KMSClient }).client.middlewareStack.add(
      (next, context) => async (args) => {
        kms?.push(String(context.commandName));
        return next(args);
      },
      { step: 'deserialize', name: 'lti13CountKms' },
    );
  });

  /** DynamoDB requests of the login and of the launch, and KMS requests of both, for one launch. */
  async function measured(scenario: Scenario) {
    const counts = { login: [] as string[], launch: [] as string[], kms: [] as string[] };
    dynamo = counts.login;
    kms = counts.kms;
    const result = await run('cost', { scenario, beforeLaunch: () => void (dynamo = counts.launch) });
    dynamo = undefined;
    kms = undefined;
    await accepted(result);
    return counts;
  }

  it("costs a returning learner's launch 4 DynamoDB requests in 3 round trips, and no KMS request", async () => {
    const sub = `returning-${Date.now()}`;
    // With the NRPS claim: the context's memberships URL is remembered in the same one write.
    const nrps = platform.withNrps('cost-context');
    const learner = withClaims((c) => ({ ...nrps(c), sub, email: `${sub}@school.example` }));
    const first = await measured(learner);
    const again = await measured(learner);
    console.log(
      `LTI 1.3 launch cost: login ${again.login.length} DynamoDB requests (${again.login.join(', ')}); ` +
        `returning learner's launch ${again.launch.length} (${again.launch.join(', ')}); ` +
        `new learner's launch ${first.launch.length} (${first.launch.join(', ')}); KMS requests ${again.kms.length + first.kms.length}`,
    );
    // The environment (read first, so that LTI switched off answers before any check) and the state's
    // delete go out together; then the context, then the launch's one write.
    expect(again.launch.slice(0, 2).sort()).toEqual(['DeleteItemCommand', 'GetItemCommand']);
    expect(again.launch.slice(2)).toEqual(['BatchGetItemCommand', 'BatchWriteItemCommand']);
    expect(again.kms).toEqual([]);
    expect(first.kms).toEqual([]);
    expect(again.login).toEqual(expect.arrayContaining(['BatchGetItemCommand', 'PutItemCommand']));
  });
});
