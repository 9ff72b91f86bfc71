/**
 * `POST /{env}/lti12/launch/{activityId}` through the real local server, with launches signed by
 * independent OAuth 1.0a implementations (npm `oauth-1.0a`, Debian python3-oauthlib): the former
 * 1EdTech LTI 1.1 tool-provider certification cases 1.1-1.9 and 4.1-4.6
 * (of the former 1EdTech LTI 1.1 certification), the OAuth checks (replay, timestamp window, keys,
 * secrets, signature methods, launch URL query, duplicate names) and the error pages and returns.
 */
import { expectError } from '../../fixtures/expect-error';
import { startTestServer, type TestServer } from '../../fixtures/local-server';
import {
  certificationFixture,
  closeSigners,
  launch,
  learnerParams,
  params,
  postLaunch,
  signLaunch,
  tamper,
  type Lti12Credentials,
  type Pair,
  createLti12Activity,
} from '../../fixtures/lti12-launch';

let server: TestServer;
let activity: Lti12Credentials & { id: string };
let otherActivity: Lti12Credentials & { id: string };
let disabledEnvActivity: Lti12Credentials & { id: string };
const academyUrl = 'https://academy.example/sso?from=lti';
const returnUrl = certificationFixture.launch_presentation_return_url!;

const createActivity = (env: string, title: string) => createLti12Activity(server.admin, env, title);

beforeAll(async () => {
  server = await startTestServer();
  const environment = { name: 'Launch academy', ltiEnabled: true, academyUrl };
  expect((await server.admin.request('PUT', '/admin/environments/cert', environment)).status).toBe(201);
  activity = await createActivity('cert', 'Design of Personal Environments');
  otherActivity = await createActivity('cert', 'Another course');
  expect((await server.admin.request('PUT', '/admin/environments/off', environment)).status).toBe(201);
  disabledEnvActivity = await createActivity('off', 'Switched off later');
  expect((await server.admin.request('PUT', '/admin/environments/off', { ...environment, ltiEnabled: false })).status).toBe(200);
});
afterAll(async () => {
  await closeSigners();
  await server?.close();
});

/** The certification base launch, with `changes` applied (`undefined` removes a parameter). */
const cert = (changes: Record<string, string | undefined> = {}): Pair[] => params({ ...certificationFixture, ...changes });

/** A successful launch: 303 to the academy URL with a one-time code. */
function expectSignOn(response: Response): string {
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe('https://academy.example/sso');
  expect(location.searchParams.get('from')).toBe('lti');
  const code = location.searchParams.get('code')!;
  expect(Buffer.from(code, 'base64url').length).toBeGreaterThanOrEqual(16);
  return code;
}

/** An HTML error page with `status` that contains every text (HTML-escaped as the page writes it). */
async function expectPage(response: Response, status: number, ...texts: string[]): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  const body = await response.text();
  for (const text of texts) expect(body).toContain(text.replace(/'/g, '&#39;'));
  return body;
}

/** A return to the LMS with `lti_errormsg` naming `parameter`, and an `lti_errorlog`. */
function expectReturnToLms(response: Response, parameter: string): URL {
  expect([302, 303]).toContain(response.status);
  const location = new URL(response.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(returnUrl);
  expect(location.searchParams.get('lti_errormsg')).toContain(parameter);
  expect(location.searchParams.get('lti_errorlog')).toContain(parameter);
  expect(location.searchParams.get('lti_msg')).toBeNull();
  return location;
}

async function exchange(env: string, code: string) {
  return server.admin.request('POST', `/admin/environments/${env}/sso/exchange`, { code });
}

describe('a valid launch', () => {
  it('signs the learner on at the academy with a one-time code that exchanges once for the launch', async () => {
    const learner = learnerParams({ roles: 'Learner,urn:lti:instrole:ims/lis/Alumni' });
    const code = expectSignOn(await launch(activity, learner));
    const exchanged = await exchange('cert', code);
    expect(exchanged.status).toBe(200);
    const email = learner.find(([n]) => n === 'lis_person_contact_email_primary')![1];
    expect(exchanged.json).toEqual({
      user: expect.objectContaining({
        email,
        givenName: 'Lea',
        // Keyed by the consumer key and the LMS instance's tool_consumer_instance_guid (docs/product.md "Who is who").
        externalIds: { [`lti12|${activity.key}|IMS%20Testing`]: learner.find(([n]) => n === 'user_id')![1] },
      }),
      activityId: activity.id,
      created: true,
      launch: { version: '1.2', roles: ['urn:lti:role:ims/lis/Learner', 'urn:lti:instrole:ims/lis/Alumni'], returnUrl },
    });
    const again = await exchange('cert', code);
    expect(again.status).toBe(400);
    expect(again.json).toMatchObject({ error: 'invalid_code', field: 'code' });
    // A code is bound to its environment.
    const code2 = expectSignOn(await launch(activity, learner));
    expect((await exchange('off', code2)).status).toBe(400);
    expect((await exchange('cert', code2)).json.created).toBe(false);
  });

  it.each(['oauth-1.0a', 'oauthlib'] as const)('accepts HMAC-SHA1 and HMAC-SHA256 signed by %s', async (signer) => {
    expectSignOn(await launch(activity, learnerParams(), { signer, signatureMethod: 'HMAC-SHA1' }));
    expectSignOn(await launch(activity, learnerParams(), { signer, signatureMethod: 'HMAC-SHA256' }));
  });

  it('accepts a launch without oauth_callback and oauth_version (both optional for the tool)', async () => {
    const signed = await signLaunch(activity, learnerParams(), { callback: null, withoutVersion: true, signer: 'oauthlib' });
    expect(signed.pairs.map(([name]) => name)).not.toContain('oauth_version');
    expect(signed.pairs.map(([name]) => name)).not.toContain('oauth_callback');
    expectSignOn(await postLaunch(signed));
  });

  it('verifies a launch URL with query parameters, which the LMS signs (TC cert 2.2, 2.3)', async () => {
    const url = `${activity.launchUrl}?x=With%20Space&lang=en&lang=fr`;
    expectSignOn(await launch(activity, learnerParams(), { url, signer: 'oauthlib' }));
    expectSignOn(await launch(activity, learnerParams(), { url: `${activity.launchUrl}?x=With%20Space`, signer: 'oauth-1.0a' }));
    // Signed for the URL without its query, posted to the URL with it: not the URL the LMS signed.
    const signed = await signLaunch(activity, learnerParams(), { signer: 'oauthlib' });
    await expectPage(await postLaunch({ url, body: signed.body }), 401, 'oauth_signature');
  });

  it('verifies duplicate parameter names (RFC 5849 §3.4.1.3.2), each value signed', async () => {
    const learner: Pair[] = [...learnerParams(), ['custom_tag', 'b'], ['custom_tag', 'a'], ['custom_tag', 'a']];
    const signed = await signLaunch(activity, learner, { signer: 'oauthlib' });
    expect(signed.pairs.filter(([name]) => name === 'custom_tag')).toHaveLength(3);
    expectSignOn(await postLaunch(signed));
    // Dropping one of the duplicates breaks the signature.
    const again = await signLaunch(activity, learner, { signer: 'oauthlib' });
    let dropped = false;
    const fewer = again.pairs.filter(([name, value]) => dropped || !(name === 'custom_tag' && value === 'a' && (dropped = true)));
    await expectPage(await postLaunch({ url: again.url, body: new URLSearchParams(fewer).toString() }), 401, 'oauth_signature');
  });

  it('reads a form body whose spaces are encoded as + or %20', async () => {
    const signed = await signLaunch(activity, learnerParams({ resource_link_title: 'A title with spaces' }), { signer: 'oauthlib' });
    expect(signed.body).toContain('A+title+with+spaces');
    expectSignOn(await postLaunch(signed));
    const again = await signLaunch(activity, learnerParams({ resource_link_title: 'A title with spaces' }), { signer: 'oauthlib' });
    expectSignOn(await postLaunch({ url: again.url, body: again.body.replace(/\+/g, '%20') }));
  });
});

describe('LTI 1.1 tool-provider certification, section 1 (launch validation)', () => {
  it('1.1 No resource_link_id: returns to the LMS with lti_errormsg naming resource_link_id', async () => {
    const response = await launch(activity, cert({ resource_link_id: undefined }));
    expectReturnToLms(response, 'resource_link_id');
    await expectError(response, { status: 302, code: 'missing_parameter', field: 'resource_link_id' });
  });

  it('1.2 No resource_link_id and no return URL: a user-friendly error page', async () => {
    const response = await launch(activity, [
      ...cert({ resource_link_id: undefined, launch_presentation_return_url: undefined }),
      ['resourcelinkid', 'rli-3000'],
    ]);
    const page = await expectPage(
      response,
      400,
      '<code>resource_link_id</code>',
      'identifies the link in the LMS that the learner clicked',
    );
    await expectError({ status: 400, text: page }, { status: 400, code: 'missing_parameter', field: 'resource_link_id' });
  });

  it('1.3 Invalid OAuth consumer key: an error page, never a return to the LMS', async () => {
    const response = await launch(activity, cert(), { key: 'lb-000000000000000000000000' });
    await expectPage(response, 401, 'oauth_consumer_key');
  });

  it('1.4 Invalid OAuth signature: an error page, never a return to the LMS', async () => {
    const signed = await signLaunch(activity, cert());
    const response = await postLaunch(tamper(signed, 'oauth_signature', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='));
    await expectPage(response, 401, '<code>oauth_signature</code>', 'is not valid', 'proves the launch comes from the LMS');
  });

  it.each([
    ['1.5 Invalid LTI version', 'LTI-1'],
    ['1.6 Wrong LTI version', 'LTI-2p0'],
    ['1.7 Missing LTI version', undefined],
  ])('%s: returns to the LMS with a message about lti_version', async (_name, version) => {
    expectReturnToLms(await launch(activity, cert({ lti_version: version })), 'lti_version');
  });

  it.each([
    ['1.8 Invalid message type', 'a-basic-lti-launch-request'],
    ['1.9 Missing message type', undefined],
  ])('%s: returns to the LMS with a message about lti_message_type', async (_name, type) => {
    expectReturnToLms(await launch(activity, cert({ lti_message_type: type })), 'lti_message_type');
  });

  it('accepts lti_version LTI-1p1 and LTI-1p2 too', async () => {
    expectSignOn(await launch(activity, cert({ lti_version: 'LTI-1p1' })));
    expectSignOn(await launch(activity, cert({ lti_version: 'LTI-1p2' })));
  });
});

describe('LTI 1.1 tool-provider certification, section 4 (user and context information)', () => {
  // docs/product.md "Who is who": names fall back (the suite's "launch succeeds and the name is
  // derived"); an email and user_id are needed to create an account, and a launch without them
  // returns to the LMS with a message that names the missing parameter.
  it('4.1 Email but no name: launch succeeds, the names derived from the email', async () => {
    const response = await launch(
      activity,
      cert({
        user_id: 'cert-4-1',
        lis_person_contact_email_primary: 'june@school.edu',
        lis_person_name_given: undefined,
        lis_person_name_family: undefined,
        lis_person_name_full: undefined,
      }),
    );
    const { user } = (await exchange('cert', expectSignOn(response))).json;
    expect(user).toMatchObject({ givenName: 'june', familyName: 'june', email: 'june@school.edu' });
  });

  it('4.2 Given and family name but no full name: launch succeeds', async () => {
    const code = expectSignOn(await launch(activity, cert({ lis_person_name_full: undefined })));
    expect((await exchange('cert', code)).json.user).toMatchObject({ givenName: 'Jane', familyName: 'Lastname', email: 'jane@school.edu' });
  });

  it('4.3 Full name only: launch succeeds, the names derived from the full name', async () => {
    const response = await launch(
      activity,
      cert({
        user_id: 'cert-4-3',
        lis_person_contact_email_primary: 'jane.q@school.edu',
        lis_person_name_given: undefined,
        lis_person_name_family: undefined,
      }),
    );
    const { user } = (await exchange('cert', expectSignOn(response))).json;
    expect(user).toMatchObject({ givenName: 'Jane Q.', familyName: 'Lastname' });
  });

  it('4.4 Instructor with no personal information, known by user_id: launch succeeds', async () => {
    expectSignOn(await launch(activity, cert({ user_id: 'cert-4-4', lis_person_contact_email_primary: 'joan@school.edu' })));
    const response = await launch(
      activity,
      cert({
        user_id: 'cert-4-4',
        lis_person_contact_email_primary: undefined,
        lis_person_name_given: undefined,
        lis_person_name_family: undefined,
        lis_person_name_full: undefined,
        lis_person_sourcedid: undefined,
      }),
    );
    expect((await exchange('cert', expectSignOn(response))).json.user.email).toBe('joan@school.edu');
  });

  it('4.4 Instructor with no personal information, not known yet: returns to the LMS naming lis_person_contact_email_primary', async () => {
    const response = await launch(
      activity,
      cert({
        user_id: 'cert-4-4-new',
        lis_person_contact_email_primary: undefined,
        lis_person_name_given: undefined,
        lis_person_name_family: undefined,
        lis_person_name_full: undefined,
        lis_person_sourcedid: undefined,
      }),
    );
    expectReturnToLms(response, 'lis_person_contact_email_primary');
  });

  it('4.5 No context information except context_id: launch succeeds', async () => {
    const code = expectSignOn(
      await launch(
        activity,
        cert({ context_label: undefined, context_title: undefined, context_type: undefined, lis_course_section_sourcedid: undefined }),
      ),
    );
    expect((await exchange('cert', code)).json.launch.roles).toEqual(['urn:lti:role:ims/lis/Instructor']);
  });

  it('4.6 No context information: launch succeeds', async () => {
    expectSignOn(
      await launch(
        activity,
        cert({
          context_id: undefined,
          context_label: undefined,
          context_title: undefined,
          context_type: undefined,
          lis_course_section_sourcedid: undefined,
        }),
      ),
    );
  });
});

describe('OAuth checks', () => {
  it('refuses a replayed launch (same nonce twice): 401, no return to the LMS', async () => {
    const signed = await signLaunch(activity, cert());
    expectSignOn(await postLaunch(signed));
    await expectError(await postLaunch(signed), { status: 401, code: 'unauthorized', field: 'oauth_nonce' });
    // The same nonce signed afresh (another timestamp) is still a replay for this key.
    const nonce = new URLSearchParams(signed.body).get('oauth_nonce')!;
    await expectError(await launch(activity, cert(), { nonce, timestamp: Math.floor(Date.now() / 1000) - 10 }), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_nonce',
    });
    // Nonces are per consumer key: another activity's key may use it.
    expectSignOn(await launch(otherActivity, cert(), { nonce }));
  });

  it('refuses a timestamp more than 5 minutes off, either way, and accepts one within', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectError(await launch(activity, cert(), { timestamp: now - 330 }), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_timestamp',
    });
    await expectError(await launch(activity, cert(), { timestamp: now + 330 }), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_timestamp',
    });
    expectSignOn(await launch(activity, cert(), { timestamp: now - 240 }));
    expectSignOn(await launch(activity, cert(), { timestamp: now + 240 }));
  });

  it('refuses a timestamp that is not a number', async () => {
    await expectError(await launch(activity, cert(), { timestamp: 'soon', signer: 'oauthlib' }), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_timestamp',
    });
    await expectError(await launch(activity, cert(), { timestamp: `${Math.floor(Date.now() / 1000)}.5` }), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_timestamp',
    });
    // Tampering with it after signing breaks the signature, which is checked first.
    const signed = await signLaunch(activity, cert());
    await expectError(await postLaunch(tamper(signed, 'oauth_timestamp', 'soon')), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_signature',
    });
  });

  it('refuses a wrong key and a wrong secret', async () => {
    await expectError(await launch(activity, cert(), { key: 'wrong-key' }), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_consumer_key',
    });
    await expectError(await launch(activity, cert(), { secret: 'wrong-secret' }), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_signature',
    });
    await expectError(await launch(activity, cert(), { secret: `${activity.secret}x` }), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_signature',
    });
  });

  it("refuses another activity's key and secret (both available for LTI)", async () => {
    const withOtherKey = { ...otherActivity, launchUrl: activity.launchUrl };
    await expectError(await launch(withOtherKey, cert()), { status: 401, code: 'unauthorized', field: 'oauth_consumer_key' });
    // The other activity's key with this activity's secret: still the wrong key.
    await expectError(await launch({ ...activity, key: otherActivity.key }, cert()), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_consumer_key',
    });
    // This activity's key with the other's secret: a bad signature.
    await expectError(await launch({ ...activity, secret: otherActivity.secret }, cert()), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_signature',
    });
    expectSignOn(await launch(otherActivity, cert()));
  });

  it('refuses a tampered parameter: the signature covers the whole form', async () => {
    const signed = await signLaunch(activity, cert());
    await expectError(await postLaunch(tamper(signed, 'user_id', 'someone-else')), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_signature',
    });
    await expectError(await postLaunch(tamper(signed, 'lis_person_contact_email_primary', 'admin@academy.example')), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_signature',
    });
  });

  it('refuses an unsupported signature method and an oauth_version other than 1.0 (400)', async () => {
    const signed = await signLaunch(activity, cert());
    await expectPage(await postLaunch(tamper(signed, 'oauth_signature_method', 'PLAINTEXT')), 400, 'HMAC-SHA1 or HMAC-SHA256');
    await expectError(await postLaunch(tamper(signed, 'oauth_signature_method', 'PLAINTEXT')), {
      status: 400,
      code: 'invalid_parameter',
      field: 'oauth_signature_method',
    });
    await expectError(await postLaunch(tamper(signed, 'oauth_version', '2.0')), {
      status: 400,
      code: 'invalid_parameter',
      field: 'oauth_version',
    });
  });

  it.each(['oauth_consumer_key', 'oauth_signature', 'oauth_signature_method', 'oauth_timestamp', 'oauth_nonce'])(
    'an unsigned or incomplete request without %s gets a 400 page, never a return to the LMS',
    async (name) => {
      const signed = await signLaunch(activity, cert());
      const pairs = signed.pairs.filter(([n]) => n !== name);
      await expectError(await postLaunch({ url: signed.url, body: new URLSearchParams(pairs).toString() }), {
        status: 400,
        code: 'missing_parameter',
        field: name,
      });
    },
  );

  it('a plain form post with no OAuth at all gets a 400 page', async () => {
    await expectError(await postLaunch({ url: activity.launchUrl, body: new URLSearchParams(cert()).toString() }), {
      status: 400,
      code: 'missing_parameter',
      field: 'oauth_consumer_key',
    });
  });
});

describe('required launch parameters', () => {
  const required: [string, string][] = [
    ['lis_person_contact_email_primary', "the learner's email address"],
    ['user_id', "the LMS's id of the learner"],
    ['resource_link_id', 'identifies the link in the LMS'],
    ['lti_message_type', 'the kind of LTI message'],
    ['lti_version', 'the LTI version'],
  ];

  it.each(required)('without %s and without a return URL: a 400 page naming it and what it is for', async (name, purpose) => {
    const body = await expectPage(
      await launch(activity, learnerParams({ [name]: undefined, launch_presentation_return_url: undefined })),
      400,
      `<code>${name}</code>`,
      purpose,
    );
    expect(body).toContain(`missing the parameter ${name}`);
  });

  it.each(required)('with %s blank: the same 400 page', async (name) => {
    await expectPage(
      await launch(activity, learnerParams({ [name]: '  ', launch_presentation_return_url: undefined })),
      400,
      `<code>${name}</code>`,
    );
  });

  it.each(required)('without %s on a validly signed launch with a return URL: back to the LMS with lti_errormsg', async (name) => {
    expectReturnToLms(await launch(activity, learnerParams({ [name]: undefined })), name);
  });

  it("keeps the return URL's own query parameters", async () => {
    const response = await launch(
      activity,
      learnerParams({ user_id: undefined, launch_presentation_return_url: 'https://lms.example/return?course=7&x=1' }),
    );
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.get('course')).toBe('7');
    expect(location.searchParams.get('x')).toBe('1');
    expect(location.searchParams.get('lti_errormsg')).toContain('user_id');
  });

  it('refuses an email that is not an email address', async () => {
    expectReturnToLms(
      await launch(activity, learnerParams({ lis_person_contact_email_primary: 'not-an-email' })),
      'lis_person_contact_email_primary',
    );
  });

  it('never redirects a badly signed launch, even when its content is also wrong', async () => {
    const signed = await signLaunch(activity, learnerParams({ user_id: undefined, lti_version: 'LTI-2p0' }), { secret: 'not-the-secret' });
    await expectPage(await postLaunch(signed), 401, 'oauth_signature');
    // Nor a replayed one.
    const valid = await signLaunch(activity, learnerParams({ user_id: undefined }));
    expectReturnToLms(await postLaunch(valid), 'user_id');
    await expectPage(await postLaunch(valid), 401, 'oauth_nonce');
  });

  it('does not redirect to a return URL that is not http(s)', async () => {
    await expectPage(
      await launch(activity, learnerParams({ user_id: undefined, launch_presentation_return_url: 'javascript:alert(1)' })),
      400,
      '<code>user_id</code>',
    );
  });
});

describe('environment and activity', () => {
  it('answers 403 when the environment has LTI disabled, even with a valid signature', async () => {
    await expectPage(await launch(disabledEnvActivity, cert()), 403, 'LTI is not enabled');
  });

  it('answers for the environment before any other check: 403 or 404 even without OAuth parameters', async () => {
    const unsigned = new URLSearchParams(cert()).toString();
    const off = await postLaunch({ url: disabledEnvActivity.launchUrl, body: unsigned });
    await expectError(off.clone(), { status: 403, code: 'lti_disabled' });
    await expectPage(off, 403, 'LTI is not enabled in this environment.');
    await expectError(await postLaunch({ url: `${server.baseUrl}/nowhere/lti12/launch/${activity.id}`, body: unsigned }), {
      status: 404,
      code: 'not_found',
    });
    await expectError(await postLaunch({ url: activity.launchUrl, body: unsigned }), {
      status: 400,
      code: 'missing_parameter',
      field: 'oauth_consumer_key',
    });
  });

  it('answers 404 for an unknown environment or activity, or one not available for LTI', async () => {
    await expectPage(await launch({ ...activity, launchUrl: `${server.baseUrl}/nowhere/lti12/launch/${activity.id}` }, cert()), 404);
    await expectPage(await launch({ ...activity, launchUrl: `${server.baseUrl}/cert/lti12/launch/no-such-activity` }, cert()), 404);
    const hidden = await createActivity('cert', 'Hidden later');
    expect(
      (await server.admin.request('PATCH', `/admin/environments/cert/activities/${hidden.id}`, { availableForLti: false })).status,
    ).toBe(200);
    await expectPage(await launch(hidden, cert()), 404);
  });
});
