/**
 * The academy as tool registered by an LMS with LTI Dynamic Registration 1.0, through the real
 * local server: a one-time link from the admin API (`POST …/registrations`), opened as an LMS opens
 * it (§3.3) against a test LMS that serves its OpenID configuration and registration endpoint
 * (`test/fixtures/dynamic-registration-platform.ts`). What the academy sends (§3.5.2), what it
 * stores (client and deployment ids, inactive unless the link said `activate`), that a launch works
 * once activated, and every refusal (a reused, expired or forged link; a configuration whose issuer
 * does not match, with a field missing, without private_key_jwt; the LMS refusing the registration)
 * stores nothing and names the problem on a page that can close the LMS's window (§3.7).
 */
import { createHash, randomBytes } from 'node:crypto';
import { sha256Base64url } from '../../../../functions/crypto';
import { expectError } from '../../../fixtures/expect-error';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import { launchFromPlatform, TestPlatform } from '../../../fixtures/lti13-platform';
import {
  DynamicRegistrationPlatform,
  platformConfigurationClaim,
  toolConfigurationClaim,
} from '../../../fixtures/dynamic-registration-platform';

let server: TestServer;
let resourceUrl: string;
const platforms: TestPlatform[] = [];
const environment = { name: 'Demo academy', ltiEnabled: true, academyUrl: 'https://academy.example/sso' };

beforeAll(async () => {
  server = await startTestServer();
  expect((await server.admin.request('PUT', '/admin/environments/demo', environment)).status).toBe(201);
  const activity = await server.admin.request('POST', '/admin/environments/demo/activities', {
    type: 'e-learning',
    title: 'Fire safety',
    availableForLti: true,
  });
  expect(activity.status).toBe(201);
  resourceUrl = activity.json.ltiAccess.lti13.resourceUrl;
});

afterAll(async () => {
  await Promise.all(platforms.map((platform) => platform.close()));
  await server?.close();
});

async function lms(): Promise<DynamicRegistrationPlatform> {
  const platform = await TestPlatform.start();
  platforms.push(platform);
  return new DynamicRegistrationPlatform(platform);
}

async function link(body?: Record<string, unknown>): Promise<string> {
  const answer = await server.admin.request('POST', '/admin/environments/demo/registrations', body);
  expect(answer.status).toBe(201);
  return answer.json.registrationUrl;
}

async function storedPlatforms(): Promise<Record<string, any>[]> {
  const answer = await server.admin.request('GET', '/admin/environments/demo/platforms?limit=200');
  expect(answer.status).toBe(200);
  return answer.json.platforms;
}

async function open(url: string): Promise<{ status: number; text: string; csp: string }> {
  const response = await fetch(url, { redirect: 'manual' });
  return { status: response.status, text: await response.text(), csp: response.headers.get('content-security-policy') ?? '' };
}

/** The page's one script is allowed by its hash, posts the close message to the opener or the parent, and nothing else runs. */
function expectClosePage(page: { text: string; csp: string }): void {
  const script = /<script>([^<]*)<\/script>/.exec(page.text)?.[1];
  expect(script).toContain("(window.opener||window.parent).postMessage({subject:'org.imsglobal.lti.close'},'*')");
  const hash = `'sha256-${createHash('sha256').update(script!).digest('base64')}'`;
  expect(page.csp).toContain(`script-src ${hash}`);
  expect(page.csp).toContain("default-src 'none'");
  expect(page.text).toContain('<button type="button" id="lti-close">Close</button>');
}

describe('POST /admin/environments/{env}/registrations', () => {
  it('gives a one-time registration URL under /lti13/registrations/, valid 7 days, inactive by default', async () => {
    const before = Date.now();
    const answer = await server.admin.request('POST', '/admin/environments/demo/registrations');
    expect(answer.status).toBe(201);
    expect(answer.json.registrationUrl).toMatch(new RegExp(`^${server.baseUrl}/demo/lti13/registrations/[0-9a-z]+\\.[A-Za-z0-9_-]{43}$`));
    expect(answer.json.activate).toBe(false);
    const days = (Date.parse(answer.json.expiresAt) - before) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThan(7.01);
  });

  it('names the field of a wrong body, and answers 404 for an unknown environment', async () => {
    await expectError(await server.admin.request('POST', '/admin/environments/demo/registrations', { activate: 'yes' }), {
      status: 400,
      code: 'invalid_request',
      field: 'activate',
    });
    await expectError(await server.admin.request('POST', '/admin/environments/demo/registrations', { other: 1 }), {
      status: 400,
      code: 'invalid_request',
      field: 'other',
    });
    await expectError(await server.admin.request('POST', '/admin/environments/nowhere/registrations', {}), {
      status: 404,
      code: 'not_found',
    });
  });
});

describe('GET /{env}/lti13/registrations/{registrationId} (Dynamic Registration 1.0)', () => {
  it('registers with everything the academy supports, stores the platform inactive, and launches once an admin activates it', async () => {
    const dr = await lms();
    const url = await link();
    const page = await open(dr.initiation(url));
    expect(page.status).toBe(200);
    expectClosePage(page);
    expect(page.text).toContain(dr.platform.clientId);
    expect(page.text).toContain(dr.platform.deploymentId);
    expect(page.text).toContain('not active yet');

    // §3.4: the configuration was read with the registration token (Canvas wants it).
    expect(dr.configurationRequests).toEqual([{ authorization: `Bearer ${dr.token}` }]);
    // §3.5.2: the registration.
    expect(dr.registrations).toHaveLength(1);
    const [registration] = dr.registrations;
    expect(registration!.authorization).toBe(`Bearer ${dr.token}`);
    expect(registration!.contentType).toBe('application/json');
    const body = registration!.body;
    const base = `${server.baseUrl}/demo/lti13`;
    expect(body).toMatchObject({
      application_type: 'web',
      response_types: ['id_token'],
      grant_types: ['implicit', 'client_credentials'],
      initiate_login_uri: `${base}/login`,
      redirect_uris: [`${base}/launch`],
      client_name: 'Demo academy',
      jwks_uri: `${server.baseUrl}/.well-known/jwks.json`,
      token_endpoint_auth_method: 'private_key_jwt',
    });
    expect((body.scope as string).split(' ').sort()).toEqual([
      'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
      'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
      'https://purl.imsglobal.org/spec/lti-ags/scope/score',
      'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
    ]);
    const lti = body[toolConfigurationClaim] as Record<string, any>;
    expect(lti.domain).toBe(new URL(server.baseUrl).host);
    expect(lti.target_link_uri).toBe(`${base}/deep-linking`);
    expect(lti.claims).toEqual(['iss', 'sub', 'name', 'given_name', 'family_name', 'email']);
    expect(lti.messages.map((message: { type: string }) => message.type)).toEqual(['LtiResourceLinkRequest', 'LtiDeepLinkingRequest']);
    expect(lti.messages[1].target_link_uri).toBe(`${base}/deep-linking`);

    const stored = (await storedPlatforms()).filter((platform) => platform.clientId === dr.platform.clientId);
    expect(stored).toHaveLength(1);
    const platform = stored[0]!;
    expect(platform).toMatchObject({
      issuer: dr.platform.issuer,
      clientId: dr.platform.clientId,
      deploymentIds: [dr.platform.deploymentId],
      authUrl: dr.platform.authUrl,
      tokenUrl: dr.platform.tokenUrl,
      jwksUrl: dr.platform.jwksUrl,
      tokenAudience: dr.platform.tokenUrl,
      activated: false,
      name: `moodle at ${new URL(dr.platform.issuer).host}`,
    });

    const refused = await launchFromPlatform(dr.platform, { loginUrl: `${base}/login`, targetLinkUri: resourceUrl, loginHint: 'dr-1' });
    await expectError(
      { status: refused.login.status, text: refused.login.text },
      { status: 401, code: 'platform_deactivated', field: 'iss' },
    );

    const activated = await server.admin.request('PATCH', `/admin/environments/demo/platforms/${platform.id}`, { activated: true });
    expect(activated.status).toBe(200);
    const run = await launchFromPlatform(dr.platform, { loginUrl: `${base}/login`, targetLinkUri: resourceUrl, loginHint: 'dr-2' });
    expect(run.launch?.status).toBe(303);
  });

  it('activates at once when the link said so; without a deployment id it accepts the first launch', async () => {
    const dr = await lms();
    dr.returnDeployment = false;
    const page = await open(dr.initiation(await link({ activate: true })));
    expect(page.status).toBe(200);
    expect(page.text).toContain('is <strong>active</strong>');
    const [platform] = (await storedPlatforms()).filter((candidate) => candidate.clientId === dr.platform.clientId);
    expect(platform).toMatchObject({ activated: true, deploymentIds: [] });
    const run = await launchFromPlatform(dr.platform, {
      loginUrl: `${server.baseUrl}/demo/lti13/login`,
      targetLinkUri: resourceUrl,
      loginHint: 'dr-3',
    });
    expect(run.launch?.status).toBe(303);
    const read = await server.admin.request('GET', `/admin/environments/demo/platforms/${platform!.id}`);
    expect(read.json.deployments.map((deployment: { id: string }) => deployment.id)).toEqual([dr.platform.deploymentId]);
  });

  it('asks only for the scopes and message types the platform offers, and Canvas placements where Canvas offers them', async () => {
    const dr = await lms();
    dr.configure = (config) => ({
      ...config,
      scopes_supported: ['openid', 'https://purl.imsglobal.org/spec/lti-ags/scope/score'],
      [platformConfigurationClaim]: {
        product_family_code: 'canvas',
        version: 'cloud',
        messages_supported: [
          { type: 'LtiDeepLinkingRequest', placements: ['link_selection', 'course_navigation', 'assignment_selection'] },
        ],
      },
    });
    expect((await open(dr.initiation(await link()))).status).toBe(200);
    const body = dr.registrations[0]!.body;
    expect(body.scope).toBe('https://purl.imsglobal.org/spec/lti-ags/scope/score');
    const lti = body[toolConfigurationClaim] as Record<string, any>;
    expect(lti.messages).toHaveLength(1);
    expect(lti.messages[0]).toMatchObject({ type: 'LtiDeepLinkingRequest', placements: ['link_selection', 'assignment_selection'] });
    expect(lti['https://canvas.instructure.com/lti/privacy_level']).toBe('public');
  });

  describe('refusals store nothing and name the problem on a page that closes the window', () => {
    /** Opens `url` and checks the page's error, that no platform was added, and that the page can close the window. */
    async function refused(url: string, expected: { status: number; code: string; field?: string }): Promise<string> {
      const before = (await storedPlatforms()).length;
      const page = await open(url);
      await expectError({ status: page.status, text: page.text }, expected);
      expectClosePage(page);
      expect(page.text).toContain('Nothing was registered in the academy.');
      expect(await storedPlatforms()).toHaveLength(before);
      return page.text;
    }

    it('a reused link: the second registration is refused before the LMS is called', async () => {
      const dr = await lms();
      const url = await link();
      expect((await open(dr.initiation(url))).status).toBe(200);
      const second = await lms();
      await refused(second.initiation(url), { status: 404, code: 'registration_link_unknown', field: 'registrationId' });
      expect(second.configurationRequests).toHaveLength(0);
      expect(second.registrations).toHaveLength(0);
    });

    it('an expired link says when it expired', async () => {
      const dr = await lms();
      const now = Date.now();
      const expiresAt = Math.floor(now / 1000) - 60;
      const registrationId = `${expiresAt.toString(36)}.${randomBytes(32).toString('base64url')}`;
      await server.runtime.singleUse.create(
        'registration-link',
        'demo',
        sha256Base64url(registrationId),
        { environmentId: 'demo', activate: true, createdAt: new Date(now - 7 * 86_400_000).toISOString(), expiresAt },
        expiresAt,
        now - 7 * 86_400_000,
      );
      const text = await refused(dr.initiation(`${server.baseUrl}/demo/lti13/registrations/${registrationId}`), {
        status: 410,
        code: 'registration_link_expired',
        field: 'registrationId',
      });
      expect(text).toContain(new Date(expiresAt * 1000).toISOString());
      expect(dr.registrations).toHaveLength(0);
    });

    it('a forged link, and a link of another environment', async () => {
      const dr = await lms();
      const forged = `${Math.floor(Date.now() / 1000 + 3600).toString(36)}.${randomBytes(32).toString('base64url')}`;
      await refused(dr.initiation(`${server.baseUrl}/demo/lti13/registrations/${forged}`), {
        status: 404,
        code: 'registration_link_unknown',
        field: 'registrationId',
      });
      await refused(dr.initiation(`${server.baseUrl}/demo/lti13/registrations/not-a-link`), {
        status: 404,
        code: 'registration_link_unknown',
        field: 'registrationId',
      });
      expect((await server.admin.request('PUT', '/admin/environments/other', environment)).status).toBe(201);
      const url = await link();
      await refused(dr.initiation(url.replace('/demo/', '/other/')), {
        status: 404,
        code: 'registration_link_unknown',
        field: 'registrationId',
      });
      expect(dr.registrations).toHaveLength(0);
    });

    it('no openid_configuration', async () => {
      const dr = await lms();
      await refused(dr.initiation(await link(), { openid_configuration: undefined }), {
        status: 400,
        code: 'missing_parameter',
        field: 'openid_configuration',
      });
    });

    it('an issuer that does not match the configuration URL (§3.5.1); the link stays usable', async () => {
      const dr = await lms();
      const url = await link();
      dr.configure = (config) => ({ ...config, issuer: `${dr.platform.url}/elsewhere` });
      await refused(dr.initiation(url), { status: 400, code: 'invalid_platform_configuration', field: 'issuer' });
      dr.configure = (config) => ({ ...config, issuer: 'http://127.0.0.1:9/' });
      await refused(dr.initiation(url), { status: 400, code: 'invalid_platform_configuration', field: 'issuer' });
      expect(dr.registrations).toHaveLength(0);
      dr.configure = (config) => config;
      expect((await open(dr.initiation(url))).status).toBe(200);
    });

    it('a configuration with a required field missing', async () => {
      const dr = await lms();
      const url = await link();
      dr.configure = ({ registration_endpoint: _endpoint, ...config }) => config;
      await refused(dr.initiation(url), { status: 400, code: 'invalid_platform_configuration', field: 'registration_endpoint' });
      dr.configure = ({ [platformConfigurationClaim]: _lti, ...config }) => config;
      await refused(dr.initiation(url), { status: 400, code: 'invalid_platform_configuration', field: platformConfigurationClaim });
      dr.configure = ({ id_token_signing_alg_values_supported: _algs, ...config }) => config;
      await refused(dr.initiation(url), {
        status: 400,
        code: 'invalid_platform_configuration',
        field: 'id_token_signing_alg_values_supported',
      });
      expect(dr.registrations).toHaveLength(0);
    });

    it('a platform without private_key_jwt, RS256 or id_token', async () => {
      const dr = await lms();
      const url = await link();
      dr.configure = (config) => ({ ...config, token_endpoint_auth_methods_supported: ['client_secret_basic'] });
      const text = await refused(dr.initiation(url), {
        status: 400,
        code: 'invalid_platform_configuration',
        field: 'token_endpoint_auth_methods_supported',
      });
      expect(text).toContain('must include private_key_jwt');
      dr.configure = (config) => ({ ...config, token_endpoint_auth_signing_alg_values_supported: ['HS256'] });
      await refused(dr.initiation(url), {
        status: 400,
        code: 'invalid_platform_configuration',
        field: 'token_endpoint_auth_signing_alg_values_supported',
      });
      dr.configure = (config) => ({ ...config, response_types_supported: ['code'] });
      await refused(dr.initiation(url), { status: 400, code: 'invalid_platform_configuration', field: 'response_types_supported' });
      expect(dr.registrations).toHaveLength(0);
    });

    it("the registration endpoint's error answer (OIDC Registration §3.3), and an answer without a client_id", async () => {
      const dr = await lms();
      const url = await link();
      dr.nextAnswer = { status: 400, body: { error: 'invalid_client_metadata', error_description: 'no <deep linking> here' } };
      const text = await refused(dr.initiation(url), { status: 502, code: 'registration_refused', field: 'registration_endpoint' });
      expect(text).toContain('invalid_client_metadata: no &lt;deep linking&gt; here');
      dr.nextAnswer = { status: 401, body: 'token_already_used' };
      expect(await refused(dr.initiation(url), { status: 502, code: 'registration_refused', field: 'registration_endpoint' })).toContain(
        'token_already_used',
      );
      dr.nextAnswer = { status: 200, body: { application_type: 'web' } };
      await refused(dr.initiation(url), { status: 502, code: 'registration_refused', field: 'client_id' });
      expect(dr.registrations).toHaveLength(3);
    });

    it('an LMS already registered with the same issuer and client id', async () => {
      const dr = await lms();
      expect((await open(dr.initiation(await link()))).status).toBe(200);
      await refused(dr.initiation(await link()), { status: 409, code: 'platform_already_registered', field: 'client_id' });
    });
  });
});
