/**
 * The pages of LTI Platform Storage through the real local server, without a browser: what each
 * answers on the wire (no cookie where storage is used, a Content-Security-Policy that runs only its
 * script, by hash), what a tool registration switches, and the login that goes on by the cookie path.
 */
import { createHash } from 'node:crypto';
import { createEnvironment, createUser, ticketUrl } from '../../../fixtures/academy-platform';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import { TestPlatform } from '../../../fixtures/lti13-platform';

let server: TestServer;
let lms: TestPlatform;
let resourceUrl: string;
let loginUrl: string;
const env = 'storage-pages';

beforeAll(async () => {
  [server, lms] = await Promise.all([startTestServer(), TestPlatform.start()]);
  await createEnvironment(server, env, { name: 'Pages', ltiEnabled: true, academyUrl: 'https://academy.example/home' });
  const activity = await server.admin.request('POST', `/admin/environments/${env}/activities`, {
    type: 'e-learning',
    title: 'Pages',
    availableForLti: true,
  });
  resourceUrl = activity.json.ltiAccess.lti13.resourceUrl;
  loginUrl = (await server.admin.request('POST', `/admin/environments/${env}/platforms`, lms.registration())).json.toolConfiguration
    .loginUrl;
}, 60_000);
afterAll(async () => {
  await lms?.close();
  await server?.close();
});

/** Every inline script of a page is allowed by the page's CSP hash, and nothing else runs. */
function expectScriptsByHash(csp: string, html: string): void {
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  expect(scripts).toHaveLength(1);
  const hash = createHash('sha256').update(scripts[0]!).digest('base64');
  expect(csp).toContain(`script-src 'sha256-${hash}'`);
  expect(csp).toMatch(/default-src 'none'/);
  expect(csp).not.toMatch(/unsafe-inline'[^;]*;?\s*$|script-src[^;]*unsafe/);
}

function login(params: Record<string, string>): string {
  const url = new URL(loginUrl);
  url.search = new URLSearchParams({ iss: lms.issuer, login_hint: 'pages', target_link_uri: resourceUrl, ...params }).toString();
  return url.toString();
}

describe('the academy as tool', () => {
  it('answers a login with lti_storage_target with a page and no cookie: it names the registered platform origin, not one of the request', async () => {
    const answer = await fetch(login({ lti_storage_target: 'post_message_forwarding' }), { redirect: 'manual' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('set-cookie')).toBeNull();
    const html = await answer.text();
    expectScriptsByHash(answer.headers.get('content-security-policy')!, html);
    const data = JSON.parse(/id="lti-data">(.*?)<\/script>/.exec(html)![1]!);
    expect(data.origin).toBe(lms.url);
    expect(data.target).toBe('post_message_forwarding');
    const next = new URL(data.next);
    expect(next.origin + next.pathname).toBe(lms.authUrl);
    expect(next.searchParams.get('state')).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(data.keys).toEqual({
      state: `lti_state_${next.searchParams.get('state')}`,
      nonce: `lti_nonce_${next.searchParams.get('state')}`,
    });
    expect(data.nonce).toBe(next.searchParams.get('nonce'));
    // The proof is never sent to the platform.
    expect(data.next).not.toContain(data.proof);
    // The fallback is the same login by the cookie path.
    const fallback = new URL(data.fallback);
    expect(fallback.searchParams.has('lti_storage_target')).toBe(false);
    expect(fallback.searchParams.get('login_hint')).toBe('pages');
    const cookiePath = await fetch(data.fallback, { redirect: 'manual' });
    expect(cookiePath.status).toBe(302);
    expect(cookiePath.headers.get('set-cookie')).toMatch(/^lti13_state_[\w-]+=[\w-]+; .*Partitioned/);
  });

  it('keeps the cookie path for a login without lti_storage_target, or with a frame name no platform sends', async () => {
    for (const params of [{}, { lti_storage_target: '<script>' }] as Record<string, string>[]) {
      const answer = await fetch(login(params), { redirect: 'manual' });
      expect(answer.status).toBe(302);
      expect(answer.headers.get('set-cookie')).toMatch(/^lti13_state_/);
    }
  });

  it('answers a launch of a storage login, without a cookie, with the check page: nothing read, nothing used', async () => {
    const data = JSON.parse(
      /id="lti-data">(.*?)<\/script>/.exec(
        await (await fetch(login({ lti_storage_target: '_parent' }), { redirect: 'manual' })).text(),
      )![1]!,
    );
    const state = new URL(data.next).searchParams.get('state')!;
    const answer = await fetch(`${server.baseUrl}/${env}/lti13/launch`, {
      method: 'POST',
      body: new URLSearchParams({ id_token: 'a.b.c', state }),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('set-cookie')).toBeNull();
    const html = await answer.text();
    const csp = answer.headers.get('content-security-policy')!;
    expectScriptsByHash(csp, html);
    expect(csp).toContain(`form-action ${server.baseUrl}`);
    expect(JSON.parse(/id="lti-data">(.*?)<\/script>/.exec(html)![1]!)).toMatchObject({
      origin: lms.url,
      target: '_parent',
      keys: { state: `lti_state_${state}`, nonce: `lti_nonce_${state}` },
    });
    expect(html).toContain(`name="state" value="${state}"`);
  });
});

describe('the academy as platform', () => {
  let activityId: string;
  let toolId: string;

  beforeAll(async () => {
    await createUser(server, env, 'ada');
    const tool = await server.admin.request('POST', `/admin/environments/${env}/tools`, {
      name: 'Storage tool',
      oidcUrl: 'https://tool.example/login',
      jwksUrl: 'https://tool.example/jwks',
      redirectUris: ['https://launch.tool.example/launch'],
    });
    toolId = tool.json.id;
    expect(tool.json.platformStorage).toBeUndefined();
    const activity = await server.admin.request('POST', `/admin/environments/${env}/activities`, {
      type: 'e-learning',
      title: 'Framed <tool>',
      lti: { version: '1.3', toolId, resourceUrl: 'https://content.tool.example/course' },
    });
    activityId = activity.json.id;
  });

  it('sends the browser to a tool without platformStorage directly, as before', async () => {
    const answer = await fetch(await ticketUrl(server, env, activityId, 'ada'), { redirect: 'manual' });
    expect(answer.status).toBe(302);
    expect(new URL(answer.headers.get('location')!).searchParams.has('lti_storage_target')).toBe(false);
  });

  it("holds a platformStorage tool's login in a frame of its launch page, with lti_storage_target=_parent and the tool's origins", async () => {
    const patched = await server.admin.request('PATCH', `/admin/environments/${env}/tools/${toolId}`, { platformStorage: true });
    expect(patched.json.platformStorage).toBe(true);
    const answer = await fetch(await ticketUrl(server, env, activityId, 'ada'), { redirect: 'manual' });
    expect(answer.status).toBe(200);
    // The browser binding of the pending login, as on the redirect.
    expect(answer.headers.get('set-cookie')).toMatch(/^lti13_login_[\w-]+=[\w-]+; .*Partitioned/);
    const html = await answer.text();
    const csp = answer.headers.get('content-security-policy')!;
    expectScriptsByHash(csp, html);
    expect(csp).toMatch(/frame-src https:\/\/tool\.example https:/);
    expect(html).toContain('<title>Framed &lt;tool&gt;</title>');
    const src = new URL(/<iframe id="lti-tool"[^>]* src="([^"]*)"/.exec(html)![1]!.replace(/&amp;/g, '&'));
    expect(src.origin + src.pathname).toBe('https://tool.example/login');
    expect(src.searchParams.get('lti_storage_target')).toBe('_parent');
    expect(src.searchParams.get('login_hint')).toBeTruthy();
    expect(JSON.parse(/id="lti-data">(.*?)<\/script>/.exec(html)![1]!).origins).toEqual([
      'https://tool.example',
      'https://launch.tool.example',
      'https://content.tool.example',
    ]);
  });

  it('refuses a platformStorage that is not a boolean, naming the field', async () => {
    const answer = await server.admin.request('PATCH', `/admin/environments/${env}/tools/${toolId}`, { platformStorage: 'yes' });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ field: 'platformStorage', message: 'platformStorage must be true or false' });
  });
});
