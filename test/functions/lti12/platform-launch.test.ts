/**
 * The academy as LTI 1.2 platform, launch side, through the real local server: launch tickets
 * (`POST /admin/environments/{env}/launches`), the one-time launch page (`GET /{env}/launch/{ticket}`)
 * and its signed form, accepted by `ims-lti`'s Provider (an external tool nobody here wrote) and
 * checked against Debian's python3-oauthlib. Consumer certification cases 1.x–8.1
 * (of the former 1EdTech LTI 1.1 consumer certification).
 */
import { createHash } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { singleUseItem } from '../../../functions/adapters/dynamo-single-use';
import { keys } from '../../../functions/adapters/keys';
import { expectError } from '../../fixtures/expect-error';
import { startTestServer, type TestServer } from '../../fixtures/local-server';
import {
  createEnvironment,
  createExternalActivity,
  createUser,
  environmentBody,
  imsLti,
  oauthlibSignature,
  openLaunch,
  providerRequest,
  putEphemeral,
  readForm,
  settle,
  tables,
  ticketUrl,
  type Tool,
} from '../../fixtures/academy-platform';

let server: TestServer;
const env = 'plat';
const tool: Tool = { key: 'tool-key', secret: 'tool-secret', launchUrl: 'https://tool.example/lti/launch' };
let activityId: string;

beforeAll(async () => {
  server = await startTestServer();
  await createEnvironment(server, env);
  await createEnvironment(server, 'other');
  await createEnvironment(server, 'off', { ...environmentBody, ltiEnabled: false });
  await createUser(server, env, 'grace', { email: 'grace@learners.example', givenName: '  Grace ', familyName: 'Hopper & <Co> "quoted"' });
  await createUser(server, env, 'alan', { givenName: 'Alan', familyName: 'Turing' });
  activityId = await createExternalActivity(
    server,
    env,
    tool,
    { title: 'Navigation <101> & "more"' },
    {
      resourceLinkId: 'rli-1234',
      customParameters: { simple_key: 'custom_simple_value', 'Complex!@#$^*(){}[]KEY': 'Complex!@#$^*(){}[]Value' },
    },
  );
});
afterAll(() => server?.close());

const admin = () => server.admin;
const launches = (environment = env) => `/admin/environments/${environment}/launches`;

describe('POST /admin/environments/{env}/launches', () => {
  it('answers a one-time launch URL with 256 random bits, valid for 5 minutes', async () => {
    const before = Date.now();
    const answer = await admin().request('POST', launches(), { activityId, userId: 'grace' });
    expect(answer.status).toBe(201);
    const match = new RegExp(`^${server.baseUrl}/${env}/launch/([A-Za-z0-9_-]{43})$`).exec(answer.json.launchUrl);
    expect(match).not.toBeNull();
    expect(Buffer.from(match![1]!, 'base64url')).toHaveLength(32);
    const expiresAt = Date.parse(answer.json.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 300_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 300_000);
    const second = await admin().request('POST', launches(), { activityId, userId: 'grace' });
    expect(second.json.launchUrl).not.toBe(answer.json.launchUrl);
  });

  it.each([
    [{ userId: 'grace' }, 400, 'activityId', 'activityId is required'],
    [{ activityId: 'a', userId: 'grace' }, 400, 'activityId', 'no activity a in this environment'],
    [{ activityId: '__', userId: 'grace' }, 400, 'activityId', 'no activity __ in this environment'],
    [{ activityId: 'ACT', userId: 'nobody' }, 400, 'userId', 'no user nobody in this environment'],
    [{ activityId: 'ACT' }, 400, 'userId', 'userId is required'],
    [
      { activityId: 'ACT', userId: 'grace', returnUrl: 'javascript:alert(1)' },
      400,
      'returnUrl',
      'returnUrl must be an absolute http(s) URL',
    ],
    [{ activityId: 'ACT', userId: 'grace', returnUrl: '/relative' }, 400, 'returnUrl', 'returnUrl must be an absolute http(s) URL'],
    [{ activityId: 'ACT', userId: 'grace', extra: 1 }, 400, 'extra', 'unknown field extra'],
  ])('refuses %j naming the field', async (body, status, field, message) => {
    const answer = await admin().request('POST', launches(), JSON.parse(JSON.stringify(body).replace('"ACT"', JSON.stringify(activityId))));
    expect(answer.status).toBe(status);
    expect(answer.json).toEqual({ error: 'invalid_request', field, message: expect.stringContaining(message) });
  });

  it('refuses an academy-made activity, another environment, and an environment without LTI', async () => {
    const own = await admin().request('POST', `/admin/environments/${env}/activities`, { type: 'e-learning', title: 'Own' });
    const answer = await admin().request('POST', launches(), { activityId: own.json.id, userId: 'grace' });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ field: 'activityId', message: expect.stringContaining('is not an external LTI activity') });

    const elsewhere = await admin().request('POST', launches('other'), { activityId, userId: 'grace' });
    expect(elsewhere.json).toMatchObject({ error: 'invalid_request', field: 'activityId' });

    const off = await admin().request('POST', launches('off'), { activityId, userId: 'grace' });
    expect(off.status).toBe(409);
    expect(off.json).toMatchObject({ error: 'conflict', message: 'LTI is not enabled in this environment' });

    const missing = await admin().request('POST', launches('missing-env'), { activityId, userId: 'grace' });
    expect(missing.status).toBe(404);
    expect((await admin().unsigned('POST', launches(), { activityId, userId: 'grace' })).status).toBe(403);
  });
});

describe('GET /{env}/launch/{ticket}', () => {
  it('answers an auto-submitting, signed launch form that ims-lti accepts (cert 1.1–4.2, 7, 8.1)', async () => {
    const url = await ticketUrl(server, env, activityId, 'grace', 'https://academy.example/courses/7?tab=1&x=y');
    const { response, html, form } = await openLaunch(url);

    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    // The tool's origin, and https: for the redirects after the post (see launchFormPage).
    expect(csp.split('; ')).toContain('form-action https://tool.example https:');
    const script = /<script>([^<]*)<\/script>/.exec(html)![1]!;
    expect(csp).toContain(`script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    expect(csp).not.toContain("'unsafe-inline' 'unsafe-eval'");
    expect(script).toBe("document.getElementById('lti-launch').submit();");
    expect(html).toMatch(/<button type="submit">Continue to Navigation &lt;101&gt; &amp; &quot;more&quot;<\/button>/);
    expect(html).not.toContain('<101>');

    expect(form.action).toBe(tool.launchUrl);
    const sourcedId = form.fields.lis_result_sourcedid!;
    expect(form.fields).toEqual({
      lti_message_type: 'basic-lti-launch-request',
      lti_version: 'LTI-1p0',
      resource_link_id: 'rli-1234',
      resource_link_title: 'Navigation <101> & "more"',
      user_id: 'grace',
      roles: 'Learner',
      lis_person_name_given: 'Grace',
      lis_person_name_family: 'Hopper & <Co> "quoted"',
      lis_person_name_full: 'Grace Hopper & <Co> "quoted"',
      lis_person_contact_email_primary: 'grace@learners.example',
      context_id: env,
      context_title: environmentBody.name,
      context_label: env,
      tool_consumer_info_product_family_code: 'lti-bridge',
      tool_consumer_instance_guid: `${env}.${new URL(server.baseUrl).host}`,
      launch_presentation_return_url: 'https://academy.example/courses/7?tab=1&x=y',
      launch_presentation_document_target: 'window',
      lis_outcome_service_url: `${server.baseUrl}/${env}/lti12/outcomes`,
      lis_result_sourcedid: sourcedId,
      custom_simple_key: 'custom_simple_value',
      custom_complex____________key: 'Complex!@#$^*(){}[]Value',
      oauth_callback: 'about:blank',
      oauth_consumer_key: tool.key,
      oauth_nonce: expect.stringMatching(/^[0-9a-f]{32}$/),
      oauth_signature_method: 'HMAC-SHA1',
      oauth_timestamp: expect.stringMatching(/^\d+$/),
      oauth_version: '1.0',
      oauth_signature: expect.any(String),
    });
    expect(Math.abs(Number(form.fields.oauth_timestamp) - Date.now() / 1000)).toBeLessThan(10);
    for (const [name, value] of form.pairs) expect([name, value.trim()]).toEqual([name, value]);
    expect(sourcedId).toMatch(new RegExp(`^${activityId}:grace:[A-Za-z0-9_-]{22}$`));

    const provider = new imsLti.Provider(tool.key, tool.secret);
    const [error, valid] = await settle<boolean>((cb) => provider.valid_request(providerRequest(form), form.fields, cb));
    expect(error).toBeNull();
    expect(valid).toBe(true);
    expect(provider.student).toBe(true);
    expect(provider.outcome_service).not.toBe(false);

    expect(oauthlibSignature(form.action, form.pairs, tool.secret).signature).toBe(form.fields.oauth_signature);
  });

  it('is refused by ims-lti with another secret or a tampered field', async () => {
    const { form } = await openLaunch(await ticketUrl(server, env, activityId, 'alan'));
    const wrongSecret = new imsLti.Provider(tool.key, 'not-the-secret');
    expect((await settle<boolean>((cb) => wrongSecret.valid_request(providerRequest(form), form.fields, cb)))[1]).toBe(false);
    const tampered = { ...form, fields: { ...form.fields, user_id: 'grace' } };
    const provider = new imsLti.Provider(tool.key, tool.secret);
    const [error, valid] = await settle<boolean>((cb) => provider.valid_request(providerRequest(tampered), tampered.fields, cb));
    expect(valid).toBe(false);
    expect(error?.message).toBe('Invalid Signature');
  });

  it('defaults the return URL to the academy URL and keeps one sourcedId per learner and activity', async () => {
    const first = (await openLaunch(await ticketUrl(server, env, activityId, 'alan'))).form.fields;
    const second = (await openLaunch(await ticketUrl(server, env, activityId, 'alan'))).form.fields;
    expect(first.launch_presentation_return_url).toBe(environmentBody.academyUrl);
    expect(second.lis_result_sourcedid).toBe(first.lis_result_sourcedid);
    expect(second.oauth_nonce).not.toBe(first.oauth_nonce);
    const grace = (await openLaunch(await ticketUrl(server, env, activityId, 'grace'))).form.fields;
    expect(grace.lis_result_sourcedid).not.toBe(first.lis_result_sourcedid);
  });

  it.each([
    ['a query string with a space (cert 2.3)', 'https://tool.example/lti/launch?x=With%20Space'],
    ['a literal space, a plus and duplicates (cert 2.2)', 'https://tool.example:8443/lti/launch?x=With Space&y=a+b&y=c&empty='],
  ])('signs a launch URL with %s over its query, which stays in the URL', async (_, launchUrl) => {
    const id = await createExternalActivity(server, env, { ...tool, launchUrl }, { title: 'Query' });
    const { response, form } = await openLaunch(await ticketUrl(server, env, id, 'grace'));
    const action = new URL(launchUrl).href;
    expect(form.action).toBe(action);
    expect(action).toContain('?x=With%20Space');
    expect(response.headers.get('content-security-policy')!.split('; ')).toContain(`form-action ${new URL(launchUrl).origin} https:`);
    // The body carries only the launch's own parameters: the query's are in the action URL.
    expect(form.fields).not.toHaveProperty('x');
    expect(form.fields).not.toHaveProperty('y');

    const independent = oauthlibSignature(action, form.pairs, tool.secret);
    expect(independent.base).toContain('x%3DWith%2520Space');
    expect(independent.signature).toBe(form.fields.oauth_signature);

    const provider = new imsLti.Provider(tool.key, tool.secret);
    const request = providerRequest(form);
    const [error, valid] = await settle<boolean>((cb) => provider.valid_request(request, form.fields, cb));
    expect(error).toBeNull();
    expect(valid).toBe(true);
  });

  it('works once: a reused ticket gets a 404 page', async () => {
    const url = await ticketUrl(server, env, activityId, 'grace');
    expect((await fetch(url)).status).toBe(200);
    const again = await fetch(url);
    await expectError(again.clone(), { status: 404, code: 'ticket_unavailable' });
    expect(again.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await again.text();
    expect(html).toContain('This launch link is unknown, was already used, or has expired');
    expect(html).not.toContain('lti-launch');
  });

  it('refuses an expired ticket, an unknown one and one of another environment', async () => {
    const expired = 'e'.repeat(43);
    const expiresAt = Math.floor(Date.now() / 1000) - 1;
    const ticket = { environmentId: env, activityId, userId: 'grace', expiresAt };
    await putEphemeral(
      server,
      singleUseItem('launch-ticket', env, createHash('sha256').update(expired).digest('base64url'), ticket, expiresAt),
    );
    const answer = await fetch(`${server.baseUrl}/${env}/launch/${expired}`);
    expect(answer.status).toBe(404);
    expect(await answer.text()).toContain('a link works once, for 5 minutes');

    expect((await fetch(`${server.baseUrl}/${env}/launch/${'u'.repeat(43)}`)).status).toBe(404);
    await expectError(await fetch(`${server.baseUrl}/${env}/launch/short`), { status: 404, code: 'ticket_unavailable' });

    const url = await ticketUrl(server, env, activityId, 'grace');
    const elsewhere = url.replace(`/${env}/launch/`, '/other/launch/');
    expect((await fetch(elsewhere)).status).toBe(404);
    expect((await fetch(url)).status).toBe(200);
  });

  it('answers 403 when LTI is not enabled in the environment, ticket or not', async () => {
    const url = await ticketUrl(server, env, activityId, 'grace');
    await createEnvironment(server, env, { ...environmentBody, ltiEnabled: false });
    try {
      const answer = await fetch(url);
      await expectError(answer.clone(), { status: 403, code: 'lti_disabled' });
      expect(await answer.text()).toContain('LTI is not enabled in this environment.');
      expect((await fetch(`${server.baseUrl}/off/launch/${'u'.repeat(43)}`)).status).toBe(403);
    } finally {
      await createEnvironment(server, env);
    }
  });

  it('never launches an LTI 1.3 activity with the LTI 1.2 form (the version branches in launch.ts)', async () => {
    // LTI 1.3 activities need a registered tool; write one straight into the table.
    const { db, data } = tables(server);
    const now = new Date().toISOString();
    await db.send(
      new PutCommand({
        TableName: data,
        Item: {
          ...keys.activity(env, 'lti13-activity'),
          kind: 'activity',
          id: 'lti13-activity',
          environmentId: env,
          type: 'e-learning',
          title: 'LTI 1.3',
          availableForLti: false,
          lti: { version: '1.3', toolId: 'unregistered', resourceUrl: 'https://tool13.example/launch' },
          createdAt: now,
          updatedAt: now,
        },
      }),
    );
    const answer = await fetch(await ticketUrl(server, env, 'lti13-activity', 'grace'), { redirect: 'manual' });
    const body = await answer.text();
    expect(body).not.toContain('lti_message_type');
    expect(body).not.toContain('oauth_signature');
    const { Item } = await db.send(new GetCommand({ TableName: data, Key: keys.learner(env, 'lti13-activity', 'grace', 'SOURCEDID') }));
    expect(Item).toBeUndefined();
  });

  it('reads forms with escaped values exactly (the parser the other tests rely on)', () => {
    const form = readForm(
      '<form id="lti-launch" method="post" action="https://t.example/?a=1&amp;b=2" x><input type="hidden" name="n" value="&lt;&amp;&quot;&#39;&gt;"></form>',
    );
    expect(form).toEqual({ action: 'https://t.example/?a=1&b=2', pairs: [['n', `<&"'>`]], fields: { n: `<&"'>` } });
  });
});
