/**
 * The per-LMS setup sheets and the Canvas developer key JSON, through the real local server: every
 * `lms` value answers `{lms, steps: [{label, value}], notes}` with the academy's own URLs under that
 * LMS's labels; an unknown or missing `lms` is a 400 naming `lms`; an activity's sheet never prints
 * its LTI 1.2 secret. And the platform configuration's rules on AWS (https only), checked directly.
 */
import { checkPlatformConfiguration } from '../../../../functions/lti13/dynamic-registration/tool-platform-configuration';
import { setupLmsValues } from '../../../../functions/lti13/dynamic-registration/tool-setup-sheets';
import { expectError } from '../../../fixtures/expect-error';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';

let server: TestServer;
let platformId: string;
let activityId: string;
let secret: string;
let key: string;

beforeAll(async () => {
  server = await startTestServer();
  const environment = { name: 'Demo academy', ltiEnabled: true, academyUrl: 'https://academy.example/sso' };
  expect((await server.admin.request('PUT', '/admin/environments/demo', environment)).status).toBe(201);
  expect((await server.admin.request('PUT', '/admin/environments/off', { ...environment, ltiEnabled: false })).status).toBe(201);
  const platform = await server.admin.request('POST', '/admin/environments/demo/platforms', {
    name: 'Moodle',
    issuer: 'https://moodle.school.example',
    clientId: 'client-7',
    deploymentId: '3',
    authUrl: 'https://moodle.school.example/mod/lti/auth.php',
    tokenUrl: 'https://moodle.school.example/mod/lti/token.php',
    jwksUrl: 'https://moodle.school.example/mod/lti/certs.php',
  });
  expect(platform.status).toBe(201);
  platformId = platform.json.id;
  const activity = await server.admin.request('POST', '/admin/environments/demo/activities', {
    type: 'e-learning',
    title: 'Fire safety',
    availableForLti: true,
  });
  expect(activity.status).toBe(201);
  activityId = activity.json.id;
  secret = activity.json.ltiAccess.lti12.secret;
  key = activity.json.ltiAccess.lti12.key;
  expect(secret).toEqual(expect.any(String));
});

afterAll(async () => {
  await server?.close();
});

const base = () => `${server.baseUrl}/demo/lti13`;

describe('GET …/platforms/{id}/setup?lms=', () => {
  it.each(setupLmsValues)(
    "%s: the academy as LTI 1.3 tool, in that LMS's field names, and what the academy has of the platform",
    async (lms) => {
      const answer = await server.admin.request('GET', `/admin/environments/demo/platforms/${platformId}/setup?lms=${lms}`);
      expect(answer.status).toBe(200);
      expect(answer.json.lms).toBe(lms);
      expect(answer.json.steps.length).toBeGreaterThan(2);
      for (const step of answer.json.steps) expect(step).toEqual({ label: expect.any(String), value: expect.any(String) });
      const text = JSON.stringify(answer.json);
      // Canvas takes the login and key set URLs from its JSON URL; every other sheet names them.
      if (lms === 'canvas') expect(text).toContain(`${base()}/canvas-config.json`);
      else {
        expect(text).toContain(`${base()}/login`);
        expect(text).toContain(`${server.baseUrl}/.well-known/jwks.json`);
      }
      expect(text).toContain(`${base()}/launch`);
      expect(answer.json.notes.join(' ')).toContain('client-7');
    },
  );

  it("uses each LMS's own labels", async () => {
    const labels = async (lms: string) =>
      (await server.admin.request('GET', `/admin/environments/demo/platforms/${platformId}/setup?lms=${lms}`)).json.steps.map(
        (step: { label: string }) => step.label,
      );
    expect(await labels('moodle')).toEqual(
      expect.arrayContaining(['Tool URL', 'Public keyset', 'Initiate login URL', 'Redirection URI(s)']),
    );
    expect(await labels('canvas')).toEqual(['Key Name', 'Redirect URIs', 'Method', 'JSON URL']);
    expect(await labels('brightspace')).toEqual(
      expect.arrayContaining(['Redirect URLs', 'OpenID Connect Login URL', 'Target Link URI', 'Keyset URL']),
    );
    expect(await labels('blackboard')).toEqual(expect.arrayContaining(['Login Initiation URL', 'Tool Redirect URL(s)', 'Tool JWKS URL']));
    expect(await labels('schoology')).toEqual(expect.arrayContaining(['OIDC Login Init URL', 'Redirect URLs', 'JWKS URL']));
  });

  it('an unknown or missing lms is a 400 naming lms; an unknown platform a 404', async () => {
    for (const query of ['?lms=blackboardx', '']) {
      await expectError(await server.admin.request('GET', `/admin/environments/demo/platforms/${platformId}/setup${query}`), {
        status: 400,
        code: 'invalid_request',
        field: 'lms',
      });
    }
    await expectError(await server.admin.request('GET', '/admin/environments/demo/platforms/nope/setup?lms=moodle'), {
      status: 404,
      code: 'not_found',
    });
  });
});

describe('GET …/activities/{id}/setup?lms=', () => {
  it.each(setupLmsValues)('%s: the LTI 1.3 link and the LTI 1.1 launch URL and key, never the secret', async (lms) => {
    const answer = await server.admin.request('GET', `/admin/environments/demo/activities/${activityId}/setup?lms=${lms}`);
    expect(answer.status).toBe(200);
    expect(answer.json.lms).toBe(lms);
    const text = JSON.stringify(answer.json);
    expect(text).toContain(`${base()}/activities/${activityId}`);
    expect(text).toContain(key);
    expect(text).toContain(`/demo/lti12/launch/${activityId}`.replace(/^/, lms === 'brightspace' ? '' : server.baseUrl));
    expect(text).not.toContain(secret);
    expect(answer.json.notes.join(' ')).toContain(`/lti12-credentials/${key}/rotate`);
  });

  it('an unknown lms is a 400 naming lms; an activity not offered over LTI a 409', async () => {
    await expectError(await server.admin.request('GET', `/admin/environments/demo/activities/${activityId}/setup?lms=d2l`), {
      status: 400,
      code: 'invalid_request',
      field: 'lms',
    });
    const hidden = await server.admin.request('POST', '/admin/environments/demo/activities', { type: 'e-learning', title: 'Internal' });
    await expectError(await server.admin.request('GET', `/admin/environments/demo/activities/${hidden.json.id}/setup?lms=moodle`), {
      status: 409,
      code: 'conflict',
      field: 'availableForLti',
    });
  });
});

describe('GET /{env}/lti13/canvas-config.json', () => {
  it("is Canvas's developer key JSON: login, deep linking target, key set URL, scopes, placements, privacy", async () => {
    const response = await fetch(`${base()}/canvas-config.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const config = (await response.json()) as Record<string, any>;
    expect(Object.keys(config).sort()).toEqual(
      ['custom_fields', 'description', 'extensions', 'oidc_initiation_url', 'public_jwk_url', 'scopes', 'target_link_uri', 'title'].sort(),
    );
    expect(config).toMatchObject({
      title: 'Demo academy',
      oidc_initiation_url: `${base()}/login`,
      target_link_uri: `${base()}/deep-linking`,
      public_jwk_url: `${server.baseUrl}/.well-known/jwks.json`,
      custom_fields: {},
    });
    expect(config.scopes).toEqual(
      expect.arrayContaining([
        'https://purl.imsglobal.org/spec/lti-ags/scope/score',
        'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
      ]),
    );
    const [extension] = config.extensions;
    expect(extension).toMatchObject({ platform: 'canvas.instructure.com', privacy_level: 'public', domain: new URL(server.baseUrl).host });
    expect(extension.settings.placements).toEqual([
      expect.objectContaining({
        placement: 'link_selection',
        message_type: 'LtiDeepLinkingRequest',
        target_link_uri: `${base()}/deep-linking`,
      }),
      expect.objectContaining({
        placement: 'assignment_selection',
        message_type: 'LtiDeepLinkingRequest',
        target_link_uri: `${base()}/deep-linking`,
      }),
    ]);
  });

  it('answers JSON errors: an unknown environment 404, LTI switched off 403', async () => {
    await expectError(await fetch(`${server.baseUrl}/nowhere/lti13/canvas-config.json`), { status: 404, code: 'not_found' });
    await expectError(await fetch(`${server.baseUrl}/off/lti13/canvas-config.json`), { status: 403, code: 'lti_disabled' });
  });
});

describe('the platform configuration on AWS (https only, Dynamic Registration 1.0 §3.4)', () => {
  const config = (origin: string) => ({
    issuer: origin,
    authorization_endpoint: `${origin}/auth`,
    registration_endpoint: `${origin}/register`,
    jwks_uri: `${origin}/jwks`,
    token_endpoint: `${origin}/token`,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['id_token'],
    id_token_signing_alg_values_supported: ['RS256'],
    authorization_server: 'lms.example',
    'https://purl.imsglobal.org/spec/lti-platform-configuration': {
      product_family_code: 'moodle',
      messages_supported: ['LtiResourceLinkRequest'],
    },
  });

  it('accepts an https configuration under its issuer, with messages_supported as plain strings (older Moodle)', () => {
    const checked = checkPlatformConfiguration(
      config('https://lms.example/moodle'),
      'https://lms.example/moodle/mod/lti/openid-configuration.php',
      false,
    );
    expect(checked).toMatchObject({
      issuer: 'https://lms.example/moodle',
      authorizationServer: 'lms.example',
      messagesSupported: [{ type: 'LtiResourceLinkRequest' }],
    });
  });

  it('refuses http:// and internal addresses on AWS, naming the field', async () => {
    await expectError(
      Promise.reject(catching(() => checkPlatformConfiguration(config('http://lms.example'), 'http://lms.example/config', false))),
      { status: 400, code: 'invalid_platform_configuration', field: 'issuer' },
    );
    const mixed = { ...config('https://lms.example'), token_endpoint: 'https://169.254.169.254/token' };
    await expectError(Promise.reject(catching(() => checkPlatformConfiguration(mixed, 'https://lms.example/config', false))), {
      status: 400,
      code: 'invalid_platform_configuration',
      field: 'token_endpoint',
    });
  });

  it('matches the issuer on a path segment boundary (§3.5.1)', async () => {
    await expectError(
      Promise.reject(
        catching(() => checkPlatformConfiguration(config('https://lms.example/moodle'), 'https://lms.example/moodle2/config', false)),
      ),
      { status: 400, code: 'invalid_platform_configuration', field: 'issuer' },
    );
  });
});

function catching(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
