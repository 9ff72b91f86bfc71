/**
 * The academy as LTI 1.3 tool answers Deep Linking 2.0 requests, through the real local server, from
 * a test platform whose id_tokens are signed by `jsonwebtoken`: the request comes through the OIDC
 * login and launch URLs at the deep linking URL (§2.1), is checked (§4.4.1 settings, the roles that
 * may pick), opens the picker, and the choice goes back as an `LtiDeepLinkingResponse` verified here
 * with `jsonwebtoken` against the academy's key set (§4.5). Refusals: learners, tampered choices
 * (another environment's activity, one not available for LTI, two where one is accepted), a replayed
 * form, settings the academy cannot answer, and a message type other than the login's.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import jwt from 'jsonwebtoken';
import { expectError } from '../../../fixtures/expect-error';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import { launchFromPlatform, lti, TestPlatform, type LaunchRun, type Scenario } from '../../../fixtures/lti13-platform';
import { readFormPost, verifyIdToken } from '../../../fixtures/lti13-tool';

const dl = 'https://purl.imsglobal.org/spec/lti-dl/claim/';
const membership = 'http://purl.imsglobal.org/vocab/lis/v2/membership';
const institution = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#';
const instructor = `${membership}#Instructor`;

let server: TestServer;
let platform: TestPlatform;
let loginUrl: string;
let deepLinkingUrl: string;
const ids: Record<'fire' | 'knots' | 'hidden' | 'tricky' | 'elsewhere', string> = {
  fire: '',
  knots: '',
  hidden: '',
  tricky: '',
  elsewhere: '',
};
const environment = { name: 'Demo academy', ltiEnabled: true, academyUrl: 'https://academy.example/sso' };

async function activity(env: string, body: Record<string, unknown>): Promise<string> {
  const answer = await server.admin.request('POST', `/admin/environments/${env}/activities`, body);
  expect(answer.status).toBe(201);
  return answer.json.id;
}

beforeAll(async () => {
  server = await startTestServer();
  platform = await TestPlatform.start();
  platform.redirectUris = [`${server.baseUrl}/demo/lti13/launch`];
  for (const env of ['demo', 'other']) {
    expect((await server.admin.request('PUT', `/admin/environments/${env}`, environment)).status).toBe(201);
  }
  ids.fire = await activity('demo', {
    type: 'e-learning',
    title: 'Fire safety',
    description: 'Extinguishers & exits',
    durationMinutes: 30,
    availableForLti: true,
  });
  ids.knots = await activity('demo', { type: 'microlearning', title: 'Knots', description: 'Bowline and hitch', availableForLti: true });
  ids.hidden = await activity('demo', { type: 'e-learning', title: 'Internal only', availableForLti: false });
  ids.tricky = await activity('demo', { type: 'e-learning', title: '<script>alert("x")</script> & co', availableForLti: true });
  ids.elsewhere = await activity('other', { type: 'e-learning', title: 'Elsewhere', availableForLti: true });
  const registered = await server.admin.request('POST', '/admin/environments/demo/platforms', platform.registration());
  expect(registered.status).toBe(201);
  loginUrl = registered.json.toolConfiguration.loginUrl;
  deepLinkingUrl = registered.json.toolConfiguration.deepLinkingUrl;
});

afterAll(async () => {
  await platform?.close();
  await server?.close();
});

let hints = 0;

interface RequestOptions {
  readonly settings?: Record<string, unknown>;
  readonly roles?: unknown;
  readonly change?: (claims: Record<string, unknown>) => void;
  readonly targetLinkUri?: string;
}

/** A deep linking request of the test platform (DL 2.0 Appendix A, trimmed), with `options` applied. */
function deepLinkingRequest(options: RequestOptions = {}): Scenario {
  return {
    claims: (claims) => {
      delete claims[`${lti}resource_link`];
      claims[`${lti}message_type`] = 'LtiDeepLinkingRequest';
      claims[`${lti}roles`] = options.roles ?? [instructor];
      claims[`${dl}deep_linking_settings`] = {
        deep_link_return_url: `${platform.url}/deep_links?course=ECON1010`,
        accept_types: ['link', 'file', 'html', 'ltiResourceLink', 'image'],
        accept_presentation_document_targets: ['iframe', 'window', 'embed'],
        accept_multiple: true,
        auto_create: true,
        data: 'csrftoken:c7fbba78-7b75-46e3-9201-11e6d5f36f53',
        ...options.settings,
      };
      options.change?.(claims);
      return claims;
    },
  };
}

function request(label: string, options: RequestOptions = {}): Promise<LaunchRun> {
  return launchFromPlatform(platform, {
    loginUrl,
    targetLinkUri: options.targetLinkUri ?? deepLinkingUrl,
    loginHint: `${label}-${++hints}`,
    scenario: deepLinkingRequest(options),
  });
}

interface Picker {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly action: string;
  readonly token: string;
  /** The choices offered: input type, activity id, label. */
  readonly choices: { type: string; value: string; label: string; checked: boolean }[];
}

const unescape = (value: string) =>
  value
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

function readPicker(status: number, headers: Headers, text: string): Picker {
  const form = readFormPost(text);
  const choices = [
    ...text.matchAll(
      /<input type="(checkbox|radio)" name="activity" id="([^"]+)" value="([^"]*)" aria-describedby="[^"]+"( checked)?> <label for="\2">([^<]*)<\/label>/g,
    ),
  ].map((match) => ({ type: match[1]!, value: unescape(match[3]!), label: unescape(match[5]!), checked: match[4] !== undefined }));
  return { status, headers, text, action: form.action, token: form.fields.picker ?? '', choices };
}

/** The picker page a deep linking request opened. */
function pickerOf(run: LaunchRun): Picker {
  const launch = run.launch!;
  expect({ status: launch.status, page: launch.status === 200 ? '' : launch.text }).toEqual({ status: 200, page: '' });
  return readPicker(launch.status, new Headers({}), launch.text);
}

/** Posts the picker's form as a browser would: the token, the ticked activities, the button pressed. */
async function submit(picker: Pick<Picker, 'action' | 'token'>, fields: [string, string][]): Promise<Response> {
  return fetch(picker.action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([['picker', picker.token], ...fields]).toString(),
  });
}

/** The deep linking response a page posts to the platform, verified as the platform would with `jsonwebtoken`. */
async function responseOf(
  answer: Response,
): Promise<{ action: string; fields: Record<string, string>; claims: jwt.JwtPayload; header: jwt.JwtHeader }> {
  const text = await answer.text();
  expect([answer.status, answer.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
  const form = readFormPost(text);
  const { header, payload } = await verifyIdToken(form.fields.JWT!, `${server.baseUrl}/.well-known/jwks.json`, {
    issuer: platform.clientId,
    audience: platform.issuer,
  });
  return { action: form.action, fields: form.fields, claims: payload, header };
}

describe('the deep linking request (DL 2.0 §2.1, §4.4)', () => {
  it('names the deep linking URL in the tool configuration', () => {
    expect(deepLinkingUrl).toBe(`${server.baseUrl}/demo/lti13/deep-linking`);
  });

  it("opens the picker for an instructor: the environment's activities available for LTI, a search, add and cancel, one token", async () => {
    const run = await request('picker');
    expect(run.login.status).toBe(302);
    const picker = pickerOf(run);
    expect(picker.action).toBe(deepLinkingUrl);
    // One hidden field: the token. None of the request's claims travel in the page.
    expect(Object.keys(readFormPost(run.launch!.text).fields)).toEqual(['picker']);
    expect(picker.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(run.launch!.text).not.toContain('csrftoken');
    expect(picker.choices).toEqual([
      { type: 'checkbox', value: ids.tricky, label: '<script>alert("x")</script> & co', checked: false },
      { type: 'checkbox', value: ids.fire, label: 'Fire safety', checked: false },
      { type: 'checkbox', value: ids.knots, label: 'Knots', checked: false },
    ]);
    const page = run.launch!.text;
    expect(page).not.toContain('<script>');
    expect(page).toContain('E-learning · 30 min<br>Extinguishers &amp; exits');
    expect(page).toContain('<label for="q">Search activities</label>');
    expect(page).toMatch(/<button type="submit" name="search" value="1">Search<\/button>.*name="add".*name="cancel"/s);
    expect(page).not.toContain('Internal only');
    expect(page).not.toContain('Elsewhere');
  });

  it('answers the picker with a strict Content-Security-Policy: no script, posts to the academy only', async () => {
    const run = await request('csp');
    const picker = pickerOf(run);
    const again = await submit(picker, [
      ['q', ''],
      ['search', '1'],
    ]);
    const csp = again.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
    expect(csp).toContain(`form-action ${new URL(server.baseUrl).origin}`);
  });

  it('searches without using the token, and keeps what was ticked', async () => {
    const picker = pickerOf(await request('search'));
    const searched = await submit(picker, [
      ['activity', ids.fire],
      ['q', 'BOWLINE'],
      ['search', '1'],
    ]);
    const again = readPicker(searched.status, searched.headers, await searched.text());
    expect(again.status).toBe(200);
    expect(again.token).toBe(picker.token);
    expect(again.choices.map((choice) => [choice.value, choice.checked])).toEqual([
      [ids.fire, true],
      [ids.knots, false],
    ]);
    const none = await submit(picker, [
      ['q', 'nothing like this'],
      ['search', '1'],
    ]);
    expect(await none.text()).toContain('No activity matches “nothing like this”.');
    // Add with nothing ticked shows the picker again, token unused.
    const empty = await submit(picker, [['add', '1']]);
    const text = await empty.text();
    expect([empty.status, text.includes('Nothing was ticked')]).toEqual([200, true]);
    const sent = await responseOf(await submit(picker, [['activity', ids.knots]]));
    expect(sent.claims[`${dl}content_items`]).toHaveLength(1);
  });

  it('answers the chosen activities as a signed LtiDeepLinkingResponse posted to deep_link_return_url (§4.5)', async () => {
    const picker = pickerOf(await request('choose'));
    const answer = await submit(picker, [
      ['activity', ids.fire],
      ['activity', ids.knots],
      ['add', '1'],
    ]);
    const csp = answer.headers.get('content-security-policy') ?? '';
    const { action, fields, claims, header } = await responseOf(answer);
    expect(action).toBe(`${platform.url}/deep_links?course=ECON1010`);
    expect(Object.keys(fields)).toEqual(['JWT']);
    expect(csp).toMatch(/script-src 'sha256-/);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) });
    expect(claims).toMatchObject({
      iss: platform.clientId,
      aud: platform.issuer,
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      [`${lti}message_type`]: 'LtiDeepLinkingResponse',
      [`${lti}version`]: '1.3.0',
      [`${lti}deployment_id`]: platform.deploymentId,
      [`${dl}data`]: 'csrftoken:c7fbba78-7b75-46e3-9201-11e6d5f36f53',
    });
    expect(Number.isInteger(claims.iat) && Number.isInteger(claims.exp) && claims.exp! - claims.iat! === 300).toBe(true);
    expect(claims[`${dl}content_items`]).toEqual([
      {
        type: 'ltiResourceLink',
        url: `${server.baseUrl}/demo/lti13/activities/${ids.fire}`,
        title: 'Fire safety',
        text: 'Extinguishers & exits',
        lineItem: { scoreMaximum: 100, label: 'Fire safety', resourceId: ids.fire },
      },
      {
        type: 'ltiResourceLink',
        url: `${server.baseUrl}/demo/lti13/activities/${ids.knots}`,
        title: 'Knots',
        text: 'Bowline and hitch',
        lineItem: { scoreMaximum: 100, label: 'Knots', resourceId: ids.knots },
      },
    ]);
    // The item's URL is the activity's resource URL: what the admin API shows and a launch opens.
    const shown = await server.admin.request('GET', `/admin/environments/demo/activities/${ids.fire}`);
    expect(shown.json.ltiAccess.lti13.resourceUrl).toBe(`${server.baseUrl}/demo/lti13/activities/${ids.fire}`);

    // The form is used once: posting it again sends nothing.
    await expectError(
      await submit(picker, [
        ['activity', ids.fire],
        ['add', '1'],
      ]),
      { status: 400, code: 'picker_expired', field: 'picker' },
    );
  });

  it('answers Cancel with an empty response that still echoes data (§2.3, §4.5.5)', async () => {
    const picker = pickerOf(await request('cancel'));
    const { claims } = await responseOf(await submit(picker, [['cancel', '1']]));
    expect(claims[`${dl}content_items`]).toEqual([]);
    expect(claims[`${dl}data`]).toBe('csrftoken:c7fbba78-7b75-46e3-9201-11e6d5f36f53');
    expect(claims[`${dl}msg`]).toBeUndefined();
  });

  it('offers radio buttons when one item is accepted, sends no line item when accept_lineitem is false, and echoes data as sent', async () => {
    const data = { opaque: ['any', 1, true] };
    const picker = pickerOf(await request('single', { settings: { accept_multiple: false, accept_lineitem: false, data } }));
    expect(picker.choices.map((choice) => choice.type)).toEqual(['radio', 'radio', 'radio']);
    const { claims } = await responseOf(await submit(picker, [['activity', ids.knots]]));
    expect(claims[`${dl}content_items`]).toEqual([
      { type: 'ltiResourceLink', url: `${server.baseUrl}/demo/lti13/activities/${ids.knots}`, title: 'Knots', text: 'Bowline and hitch' },
    ]);
    expect(claims[`${dl}data`]).toEqual(data);
    // Without data in the request there is none in the response.
    const plain = pickerOf(await request('no-data', { settings: { data: undefined } }));
    expect((await responseOf(await submit(plain, [['cancel', '1']]))).claims).not.toHaveProperty(`${dl}data`);
  });

  it('treats a missing accept_multiple as one item', async () => {
    const picker = pickerOf(await request('no-multiple', { settings: { accept_multiple: undefined } }));
    expect(new Set(picker.choices.map((choice) => choice.type))).toEqual(new Set(['radio']));
  });
});

describe('who may pick (docs/product.md "Deep Linking 2.0")', () => {
  it.each([
    ['an instructor by simple name', ['Instructor']],
    ['a content developer', [`${membership}#ContentDeveloper`]],
    ['a course administrator', [`${membership}#Administrator`]],
    ['a teaching assistant (an Instructor sub-role)', [`${membership}/Instructor#TeachingAssistant`]],
    ['an institution administrator', [`${institution}Administrator`]],
    ['faculty', [`${institution}Faculty`]],
  ])('opens the picker for %s', async (_who, roles) => {
    expect(pickerOf(await request('allowed', { roles })).choices).toHaveLength(3);
  });

  it.each([
    ['a learner', [`${membership}#Learner`]],
    ['a mentor', [`${membership}#Mentor`]],
    ['a learner whose sub-role is named Instructor', [`${membership}/Learner#Instructor`]],
    ['a user without roles', []],
    ['roles that are not a list', 'Instructor'],
  ])('refuses %s with a page that says who may, and stores no picker', async (_who, roles) => {
    const run = await request('refused', { roles });
    await expectError(run.launch!, { status: 403, code: 'picker_not_allowed', field: `${lti}roles` });
    expect(run.launch!.text).toContain('Only instructors, content developers and administrators');
    expect(run.launch!.text).not.toContain('<form');
  });
});

describe('requests the academy cannot answer (DL 2.0 §4.4.1)', () => {
  it('refuses a request without deep_linking_settings', async () => {
    const run = await request('no-settings', { change: (claims) => void delete claims[`${dl}deep_linking_settings`] });
    await expectError(run.launch!, { status: 400, code: 'missing_claim', field: `${dl}deep_linking_settings` });
  });

  it.each([
    ['no return URL', { deep_link_return_url: undefined }],
    ['a javascript: return URL', { deep_link_return_url: 'javascript:alert(1)' }],
    ['a return URL with credentials', { deep_link_return_url: 'https://user:pass@lms.example/return' }],
    ['accept_types that is not a list', { accept_types: 'ltiResourceLink' }],
    ['accept_presentation_document_targets that is not a list', { accept_presentation_document_targets: 'iframe' }],
  ])('refuses settings with %s', async (_what, settings) => {
    const run = await request('bad-settings', { settings });
    await expectError(run.launch!, { status: 400, code: 'invalid_claim', field: `${dl}deep_linking_settings` });
  });

  it('refuses a platform that accepts no ltiResourceLink items, naming what it accepts', async () => {
    const run = await request('links-only', { settings: { accept_types: ['link', 'html'] } });
    await expectError(run.launch!, { status: 400, code: 'unsupported_accept_types', field: `${dl}deep_linking_settings` });
    expect(run.launch!.text).toContain('link, html');
  });

  it('refuses a resource link launch sent to the deep linking URL, and a deep linking request sent to a resource URL', async () => {
    const resourceLink = await launchFromPlatform(platform, { loginUrl, targetLinkUri: deepLinkingUrl, loginHint: `rl-at-dl-${++hints}` });
    await expectError(resourceLink.launch!, { status: 400, code: 'invalid_claim', field: `${lti}message_type` });
    const resourceUrl = `${server.baseUrl}/demo/lti13/activities/${ids.fire}`;
    const atResource = await request('dl-at-rl', { targetLinkUri: resourceUrl });
    await expectError(atResource.launch!, { status: 400, code: 'invalid_claim', field: `${lti}message_type` });
  });

  it("refuses a target_link_uri claim other than the login's", async () => {
    const run = await request('other-target', {
      change: (claims) => void (claims[`${lti}target_link_uri`] = `${server.baseUrl}/other/lti13/deep-linking`),
    });
    await expectError(run.launch!, { status: 400, code: 'invalid_claim', field: `${lti}target_link_uri` });
  });
});

describe('tampered choices send nothing', () => {
  let signs = 0;
  beforeAll(() => {
    (server.runtime.signer as unknown as { client: KMSClient }).client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'SignCommand') signs++;
        return next(args);
      },
      { step: 'deserialize', name: 'deepLinkingCountSigns' },
    );
  });

  it.each([
    ["another environment's activity", () => ids.elsewhere],
    ['an activity not available for LTI', () => ids.hidden],
    ['an id that names nothing', () => 'no-such-activity'],
  ])('refuses %s, signing nothing', async (_what, id) => {
    const picker = pickerOf(await request('tampered'));
    const before = signs;
    const answer = await submit(picker, [
      ['activity', ids.fire],
      ['activity', id()],
      ['add', '1'],
    ]);
    await expectError(answer, { status: 400, code: 'invalid_choice', field: 'activity' });
    expect(signs).toBe(before);
  });

  it('refuses two activities where the platform accepts one', async () => {
    const picker = pickerOf(await request('two-for-one', { settings: { accept_multiple: false } }));
    const answer = await submit(picker, [
      ['activity', ids.fire],
      ['activity', ids.knots],
    ]);
    await expectError(answer, { status: 400, code: 'invalid_choice', field: 'activity' });
  });

  it('refuses a form without a token, or with a made-up one', async () => {
    await expectError(await submit({ action: deepLinkingUrl, token: '' }, [['cancel', '1']]), {
      status: 400,
      code: 'missing_parameter',
      field: 'picker',
    });
    const forged = { action: deepLinkingUrl, token: 'A'.repeat(43) };
    await expectError(await submit(forged, [['cancel', '1']]), { status: 400, code: 'picker_expired', field: 'picker' });
    await expectError(await submit(forged, [['search', '1']]), { status: 400, code: 'picker_expired', field: 'picker' });
  });

  it('signs one response per choice: one KMS Sign', async () => {
    const picker = pickerOf(await request('one-sign'));
    const before = signs;
    await responseOf(await submit(picker, [['activity', ids.fire]]));
    expect(signs - before).toBe(1);
  });

  it('answers 403 once LTI is switched off, whatever the form carries', async () => {
    const picker = pickerOf(await request('lti-off'));
    expect((await server.admin.request('PUT', '/admin/environments/demo', { ...environment, ltiEnabled: false })).status).toBe(200);
    try {
      await expectError(await submit(picker, [['cancel', '1']]), { status: 403, code: 'lti_disabled' });
    } finally {
      expect((await server.admin.request('PUT', '/admin/environments/demo', environment)).status).toBe(200);
    }
  });
});

describe('the deep linking URL opened directly', () => {
  it('answers a page that says what it is and what to enter in the LMS', async () => {
    const page = await fetch(deepLinkingUrl);
    const text = await page.text();
    expect(page.status).toBe(200);
    expect(text).toContain('LTI 1.3 deep linking URL');
    expect(text).toContain(`<code>${deepLinkingUrl}</code>`);
    expect(text).toContain(`<code>${loginUrl}</code>`);
    expect((await fetch(`${server.baseUrl}/no-such-env/lti13/deep-linking`)).status).toBe(404);
  });
});
