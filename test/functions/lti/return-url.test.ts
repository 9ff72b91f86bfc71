/**
 * docs/security.md "Return URLs": the LMS's return URL reaches the academy (SSO exchange) and the
 * browser (LTI 1.x errors) only when it is an absolute https URL (http in local mode) without
 * credentials. Measured on main: `javascript:alert(1)` came out of the SSO exchange as `returnUrl`.
 */
import { captureLogs, logLines, type CapturedLogs } from '../../fixtures/log-capture';
import { checkedReturnUrl } from '../../../functions/lti/return-url';
import { startTestServer, type TestServer } from '../../fixtures/local-server';
import { closeSigners, createLti12Activity, launch, learnerParams, type Lti12Credentials } from '../../fixtures/lti12-launch';
import { launchFromPlatform, lti, TestPlatform } from '../../fixtures/lti13-platform';

describe('checkedReturnUrl', () => {
  let captured: CapturedLogs;
  beforeEach(() => (captured = captureLogs()));
  afterEach(() => captured.mockRestore());
  const warnings = () => logLines(captured, 'return URL dropped');

  it.each([
    ['javascript:alert(document.cookie)', 'scheme'],
    ['JavaScript:alert(1)', 'scheme'],
    ['data:text/html,<script>alert(1)</script>', 'scheme'],
    ['vbscript:msgbox(1)', 'scheme'],
    ['/relative/return', 'not-a-url'],
    ['//evil.example/return', 'not-a-url'],
    ['https://user:secret@lms.example/return', 'credentials'],
    ['https://user@lms.example/return', 'credentials'],
    ['http://lms.example/return', 'scheme'],
    ['ftp://lms.example/return', 'scheme'],
  ])('drops %s on AWS (%s), logging the reason and scheme but not the URL', (value, reason) => {
    expect(checkedReturnUrl(value, false)).toBeUndefined();
    const [line] = warnings();
    expect(line).toMatchObject({ code: 'return_url_dropped', reason });
    expect(JSON.stringify(line)).not.toContain('secret');
    expect(JSON.stringify(line)).not.toContain('lms.example');
  });

  it('passes an https URL on, query and all; http only in local mode', () => {
    expect(checkedReturnUrl('https://lms.example/return?course=7&x=1', false)).toBe('https://lms.example/return?course=7&x=1');
    expect(checkedReturnUrl('http://localhost:8080/return', true)).toBe('http://localhost:8080/return');
    expect(checkedReturnUrl(undefined, false)).toBeUndefined();
    expect(warnings()).toEqual([]);
  });
});

describe('through the real local server', () => {
  let server: TestServer;
  let activity: Lti12Credentials & { id: string };
  let platform: TestPlatform;
  let resourceUrl: string;
  const env = 'ret';

  beforeAll(async () => {
    server = await startTestServer();
    await server.admin.request('PUT', `/admin/environments/${env}`, {
      name: 'Ret',
      ltiEnabled: true,
      academyUrl: 'https://academy.example/sso',
    });
    activity = await createLti12Activity(server.admin, env, 'Course');
    resourceUrl = (await server.admin.request('GET', `/admin/environments/${env}/activities/${activity.id}`)).json.ltiAccess.lti13
      .resourceUrl;
    platform = await TestPlatform.start();
    platform.redirectUris = [`${server.baseUrl}/${env}/lti13/launch`];
    expect((await server.admin.request('POST', `/admin/environments/${env}/platforms`, platform.registration())).status).toBe(201);
  });
  afterAll(async () => {
    await closeSigners();
    await platform?.close();
    await server?.close();
  });

  const grantOf = async (location: string | null) => {
    const code = new URL(location!).searchParams.get('code');
    const answer = await server.admin.request('POST', `/admin/environments/${env}/sso/exchange`, { code });
    expect(answer.status).toBe(200);
    return answer.json.launch as { returnUrl?: string };
  };

  it('LTI 1.2: a javascript: or credentialed return URL never reaches the academy, nor an error redirect', async () => {
    for (const bad of ['javascript:alert(document.cookie)', 'https://admin:pw@lms.example/return']) {
      const accepted = await launch(activity, learnerParams({ launch_presentation_return_url: bad }));
      expect(accepted.status).toBe(303);
      expect(await grantOf(accepted.headers.get('location'))).not.toHaveProperty('returnUrl');
      // An error after a verified signature is shown as a page, not sent to the dropped URL.
      const refused = await launch(activity, learnerParams({ user_id: undefined, launch_presentation_return_url: bad }));
      expect(refused.status).toBe(400);
      expect(refused.headers.get('location')).toBeNull();
    }
    const good = await launch(activity, learnerParams({ launch_presentation_return_url: 'https://lms.example/return' }));
    expect(await grantOf(good.headers.get('location'))).toEqual(expect.objectContaining({ returnUrl: 'https://lms.example/return' }));
  });

  it('LTI 1.3: a javascript: return_url claim never reaches the academy', async () => {
    const run = await launchFromPlatform(platform, {
      loginUrl: `${server.baseUrl}/${env}/lti13/login`,
      targetLinkUri: resourceUrl,
      loginHint: `ret-${Date.now()}`,
      scenario: {
        claims: (claims) => ({
          ...claims,
          [`${lti}launch_presentation`]: { document_target: 'iframe', return_url: 'javascript:alert(1)' },
        }),
      },
    });
    expect(run.launch!.status).toBe(303);
    expect(await grantOf(run.launch!.location)).not.toHaveProperty('returnUrl');
  });
});
