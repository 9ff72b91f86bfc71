/**
 * The academy as LTI 1.3 platform's token endpoint, `POST /{env}/lti13/token` (Security 1.0 §4.1,
 * §4.1.1; RFC 6749 §4.4, §5; RFC 7523), through the real local server, with client assertions
 * signed by `jsonwebtoken` with the test tool's own key, whose key set the test tool serves.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../../functions/adapters/keys';
import { jwtBearer, startTestTool, type TestTool } from '../../../fixtures/lti13-tool';
import { expectError, type ExpectedError } from '../../../fixtures/expect-error';
import { startTestServer, type TestServer } from '../../../fixtures/local-server';
import { createEnvironment, tables } from '../../../fixtures/academy-platform';

let server: TestServer;
let tool: TestTool;
let clientId: string;
let tokenUrl: string;
const env = 'tk';
const academyUrl = 'https://academy.example/home';

const scope = (name: string) => `https://purl.imsglobal.org/spec/lti-ags/scope/${name}`;
const allScopes = [scope('lineitem'), scope('lineitem.readonly'), scope('result.readonly'), scope('score')];

async function registerTool(environment: string, body: Record<string, unknown> = {}): Promise<string> {
  const answer = await server.admin.request('POST', `/admin/environments/${environment}/tools`, {
    name: 'Token tool',
    oidcUrl: tool.oidcUrl,
    jwksUrl: tool.jwksUrl,
    redirectUris: [tool.redirectUri],
    ...body,
  });
  if (answer.status !== 201) throw new Error(`tool: ${answer.status} ${answer.text}`);
  return answer.json.clientId;
}

beforeAll(async () => {
  [server, tool] = await Promise.all([startTestServer(), startTestTool()]);
  await createEnvironment(server, env, { name: 'Token academy', ltiEnabled: true, academyUrl });
  clientId = await registerTool(env);
  tokenUrl = `${server.baseUrl}/${env}/lti13/token`;
});
afterAll(async () => {
  await Promise.all([server?.close(), tool?.close()]);
});

interface TokenAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: Record<string, unknown>;
}

async function post(body: string, headers: Record<string, string> = {}, url = tokenUrl): Promise<TokenAnswer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> };
}

/** A token request; `fields` override or (undefined) remove the standard ones. */
function requestToken(fields: Record<string, string | undefined> = {}, url = tokenUrl): Promise<TokenAnswer> {
  const all: Record<string, string | undefined> = {
    grant_type: 'client_credentials',
    client_assertion_type: jwtBearer,
    client_assertion: tool.clientAssertion(clientId, tokenUrl),
    scope: allScopes.join(' '),
    ...fields,
  };
  return post(new URLSearchParams(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined)).toString(), {}, url);
}

/** An RFC 6749 §5.2 error: `{status, code, field}` (the field named in its description), and only `error` and `error_description`. */
async function expectTokenError(answer: TokenAnswer, expected: ExpectedError, description?: string): Promise<void> {
  await expectError(answer, expected);
  expect(Object.keys(answer.json).sort()).toEqual(['error', 'error_description']);
  if (description) expect(answer.json.error_description).toContain(description);
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(answer.headers.get('pragma')).toBe('no-cache');
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
}

describe('a token', () => {
  it('is issued for a valid client assertion: opaque, an hour, the granted scopes, never cached', async () => {
    const answer = await requestToken();
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: allScopes.join(' ') });
    expect(answer.json.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('pragma')).toBe('no-cache');
    // Stored only by its hash, bound to the tool and the environment.
    const hash = createHash('sha256')
      .update(answer.json.access_token as string)
      .digest('base64url');
    const { db, ephemeral } = tables(server);
    const { Item } = await db.send(new GetCommand({ TableName: ephemeral, Key: keys.accessToken(hash) }));
    expect(Item?.grant).toMatchObject({ environmentId: env, toolId: clientId, clientId, scopes: allScopes });
  });

  it('grants the requested scopes that a tool may have, and only those', async () => {
    const some = await requestToken({ scope: `${scope('score')} https://example.org/admin ${scope('lineitem.readonly')} openid` });
    expect(some.status).toBe(200);
    expect(some.json.scope).toBe(`${scope('lineitem.readonly')} ${scope('score')}`);
    const scoreOnly = await requestToken({ scope: scope('score') });
    expect(scoreOnly.json.scope).toBe(scope('score'));
    // NRPS 2.0 §3.6.1: the memberships scope, alone or with AGS scopes.
    const nrps = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';
    expect((await requestToken({ scope: nrps })).json.scope).toBe(nrps);
    expect((await requestToken({ scope: `${nrps} ${scope('score')}` })).json.scope).toBe(`${scope('score')} ${nrps}`);
    await expectTokenError(
      await requestToken({ scope: 'https://example.org/admin openid' }),
      { status: 400, code: 'invalid_scope', field: 'scope' },
      'None of the requested scopes can be granted',
    );
    await expectTokenError(
      await requestToken({ scope: undefined }),
      { status: 400, code: 'invalid_scope', field: 'scope' },
      'scope is missing',
    );
  });

  it('costs no KMS request (opaque tokens), and fetches the key set once per instance', async () => {
    const send = jest.spyOn(KMSClient.prototype, 'send');
    try {
      const before = tool.jwksRequests();
      for (let i = 0; i < 3; i++) expect((await requestToken()).status).toBe(200);
      expect(send.mock.calls.filter(([command]) => command instanceof SignCommand)).toHaveLength(0);
      expect(send).not.toHaveBeenCalled();
      expect(tool.jwksRequests()).toBe(before);
    } finally {
      send.mockRestore();
    }
  });
});

describe('refused token requests', () => {
  it('a replayed client assertion (jti used once)', async () => {
    const assertion = tool.clientAssertion(clientId, tokenUrl);
    expect((await requestToken({ client_assertion: assertion })).status).toBe(200);
    await expectTokenError(
      await requestToken({ client_assertion: assertion }),
      { status: 401, code: 'invalid_client', field: 'client_assertion' },
      'already used',
    );
    // The same jti in a new assertion is a replay too.
    const jti = 'fixed-jti-1';
    expect((await requestToken({ client_assertion: tool.clientAssertion(clientId, tokenUrl, { jti }) })).status).toBe(200);
    await expectTokenError(
      await requestToken({ client_assertion: tool.clientAssertion(clientId, tokenUrl, { jti }) }),
      { status: 401, code: 'invalid_client', field: 'client_assertion' },
      'jti',
    );
  });

  it('a wrong audience', async () => {
    const other = `${server.baseUrl}/other/lti13/token`;
    await expectTokenError(
      await requestToken({ client_assertion: tool.clientAssertion(clientId, other) }),
      { status: 401, code: 'invalid_client', field: 'client_assertion' },
      `aud must contain the token URL ${tokenUrl}`,
    );
    // Another environment's issuer (its authorization_server) is refused; this one's is accepted
    // (test/functions/lti13/dynamic-registration/platform-openid-configuration.test.ts).
    await expectTokenError(
      await requestToken({ client_assertion: tool.clientAssertion(clientId, `${server.baseUrl}/other`) }),
      { status: 401, code: 'invalid_client', field: 'client_assertion' },
      `or the authorization server ${server.baseUrl}/${env}`,
    );
    // An audience list that holds the token URL is fine.
    expect((await requestToken({ client_assertion: tool.clientAssertion(clientId, [other, tokenUrl]) })).status).toBe(200);
  });

  it('a deactivated tool', async () => {
    const off = await registerTool(env, { activated: false });
    await expectTokenError(
      await requestToken({ client_assertion: tool.clientAssertion(off, tokenUrl) }),
      { status: 400, code: 'unauthorized_client' },
      'deactivated',
    );
    await server.admin.request('PATCH', `/admin/environments/${env}/tools/${off}`, { activated: true });
    expect((await requestToken({ client_assertion: tool.clientAssertion(off, tokenUrl) })).status).toBe(200);
  });

  it("another environment's tool, and an environment without LTI", async () => {
    await createEnvironment(server, 'tk-other', { name: 'Other', ltiEnabled: true, academyUrl });
    const elsewhere = await registerTool('tk-other');
    await expectTokenError(
      await requestToken({ client_assertion: tool.clientAssertion(elsewhere, tokenUrl) }),
      { status: 401, code: 'invalid_client', field: 'client_assertion' },
      'not the client id of an LTI 1.3 tool of this environment',
    );
    await createEnvironment(server, 'tk-off', { name: 'Off', ltiEnabled: false, academyUrl });
    const offUrl = `${server.baseUrl}/tk-off/lti13/token`;
    const offTool = await registerTool('tk-off');
    await expectTokenError(
      await requestToken({ client_assertion: tool.clientAssertion(offTool, offUrl) }, offUrl),
      { status: 403, code: 'unauthorized_client' },
      'LTI is not enabled',
    );
    // The environment is checked first: LTI off answers 403 whatever the request carries, an unknown environment 404.
    await expectTokenError(
      await post('{}', { 'content-type': 'application/json' }, offUrl),
      { status: 403, code: 'unauthorized_client' },
      'LTI is not enabled',
    );
    await expectTokenError(
      await post('', {}, `${server.baseUrl}/tk-nowhere/lti13/token`),
      { status: 404, code: 'invalid_request' },
      'There is no such environment',
    );
  });

  it.each<[string, Record<string, string | undefined>, ExpectedError, string]>([
    ['grant_type missing', { grant_type: undefined }, { status: 400, code: 'invalid_request', field: 'grant_type' }, 'grant_type'],
    [
      'grant_type authorization_code',
      { grant_type: 'authorization_code' },
      { status: 400, code: 'unsupported_grant_type', field: 'grant_type' },
      'client_credentials',
    ],
    [
      'client_assertion_type missing',
      { client_assertion_type: undefined },
      { status: 401, code: 'invalid_client', field: 'client_assertion_type' },
      'client_assertion_type',
    ],
    [
      'client_assertion_type saml',
      { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' },
      { status: 401, code: 'invalid_client', field: 'client_assertion_type' },
      'client_assertion_type',
    ],
    [
      'client_assertion missing',
      { client_assertion: undefined },
      { status: 401, code: 'invalid_client', field: 'client_assertion' },
      'client_assertion is missing',
    ],
    ['a client secret', { client_secret: 's3cret' }, { status: 401, code: 'invalid_client' }, 'not a secret'],
    [
      'a client_assertion that is not a JWT',
      { client_assertion: 'not-a-jwt' },
      { status: 401, code: 'invalid_client', field: 'client_assertion' },
      'not a signed JSON Web Token',
    ],
  ])('%s', async (_name, fields, expected, description) => {
    await expectTokenError(await requestToken(fields), expected, description);
  });

  it('a body that is not a form, a parameter sent twice, HTTP Basic client authentication', async () => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: jwtBearer,
      client_assertion: tool.clientAssertion(clientId, tokenUrl),
      scope: scope('score'),
    });
    await expectTokenError(
      await post(JSON.stringify(Object.fromEntries(form)), { 'content-type': 'application/json' }),
      { status: 400, code: 'invalid_request' },
      'x-www-form-urlencoded',
    );
    await expectTokenError(
      await post(`${form}&scope=${encodeURIComponent(scope('lineitem'))}`),
      { status: 400, code: 'invalid_request', field: 'scope' },
      'scope is sent more than once',
    );
    await expectTokenError(
      await post(form.toString(), { authorization: `Basic ${Buffer.from(`${clientId}:x`).toString('base64')}` }),
      { status: 401, code: 'invalid_client' },
      'JWT client assertion',
    );
  });

  it.each<[string, () => string, string]>([
    ['signed with HS256', () => tool.clientAssertion(clientId, tokenUrl, {}, { algorithm: 'HS256' }), 'only RS256'],
    [
      'signed with a key the tool does not publish',
      () => tool.clientAssertion(clientId, tokenUrl, {}, { privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }),
      'signature does not verify',
    ],
    ['naming an unknown kid', () => tool.clientAssertion(clientId, tokenUrl, {}, { kid: 'no-such-key' }), 'no RS256 key with'],
    ['without kid', () => tool.clientAssertion(clientId, tokenUrl, {}, { kid: null }), 'no kid'],
    ['iss other than sub', () => tool.clientAssertion(clientId, tokenUrl, { iss: 'someone-else' }), 'iss must equal its sub'],
    ['without sub', () => tool.clientAssertion(clientId, tokenUrl, { sub: undefined }), 'no sub'],
    ['an unknown client id', () => tool.clientAssertion('00000000-0000-4000-8000-000000000000', tokenUrl), 'not the client id'],
    ['without exp', () => tool.clientAssertion(clientId, tokenUrl, { exp: undefined }), 'no exp'],
    [
      'expired',
      () =>
        tool.clientAssertion(clientId, tokenUrl, { iat: Math.floor(Date.now() / 1000) - 900, exp: Math.floor(Date.now() / 1000) - 600 }),
      'expired',
    ],
    [
      'exp two hours ahead',
      () => tool.clientAssertion(clientId, tokenUrl, { exp: Math.floor(Date.now() / 1000) + 7200 }),
      'too far in the future',
    ],
    ['without iat', () => tool.clientAssertion(clientId, tokenUrl, { iat: undefined }), 'no iat'],
    [
      'iat ten minutes ahead',
      () =>
        tool.clientAssertion(clientId, tokenUrl, { iat: Math.floor(Date.now() / 1000) + 600, exp: Math.floor(Date.now() / 1000) + 900 }),
      'iat',
    ],
    ['without jti', () => tool.clientAssertion(clientId, tokenUrl, { jti: undefined }), 'no jti'],
  ])('a client assertion %s', async (_name, assertion, description) => {
    await expectTokenError(
      await requestToken({ client_assertion: assertion() }),
      { status: 401, code: 'invalid_client', field: 'client_assertion' },
      description,
    );
  });
});
