/**
 * The local server end to end: the real handlers behind route matching, payload 2.0 events and
 * SigV4 verification, on the embedded store and the local KMS endpoint.
 */
import { startTestServer, type TestServer } from '../../fixtures/local-server';

let server: TestServer;
const environment = { name: 'Demo', ltiEnabled: true, academyUrl: 'https://academy.example/sso' };

beforeAll(async () => {
  server = await startTestServer({ maxBodyBytes: 64 * 1024 });
});
afterAll(() => server?.close());

describe('public routes', () => {
  it('serves the JWKS without a signature', async () => {
    const response = await fetch(`${server.baseUrl}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('apigw-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const jwks = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'RSA', kid: expect.any(String) });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('answers 404 JSON for an unknown path or method', async () => {
    for (const [method, path] of [
      ['GET', '/nowhere'],
      ['DELETE', '/.well-known/jwks.json'],
      ['GET', '/admin/environments/'],
    ]) {
      const response = await fetch(`${server.baseUrl}${path}`, { method });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: 'not_found' });
    }
  });
});

describe('admin routes (IAM)', () => {
  it('passes a signed request to the handler', async () => {
    const put = await server.admin.request('PUT', '/admin/environments/demo', environment);
    expect([200, 201]).toContain(put.status);
    const get = await server.admin.request('GET', '/admin/environments/demo');
    expect(get.status).toBe(200);
    expect(get.json).toMatchObject({ id: 'demo', ...environment });
  });

  it('answers 403 JSON to an unsigned request', async () => {
    const response = await server.admin.unsigned('PUT', '/admin/environments/demo', environment);
    expect(response.status).toBe(403);
    expect(response.json).toMatchObject({ error: 'forbidden', message: expect.stringContaining('missing Authorization header') });
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });

  it('answers 403 to a request signed with the wrong secret, key id or region', async () => {
    const wrong = [
      server.admin.with({ credentials: { ...server.credentials, secretAccessKey: 'wrong-secret' } }),
      server.admin.with({ credentials: { ...server.credentials, accessKeyId: 'AKIAWRONGWRONGWRONG0' } }),
      server.admin.with({ region: 'us-west-2' }),
    ];
    for (const client of wrong) {
      const response = await client.request('GET', '/admin/environments/demo');
      expect(response.status).toBe(403);
      expect(response.json.error).toBe('forbidden');
      expect(response.text).not.toContain(server.credentials.secretAccessKey);
    }
  });

  it('answers 403 when a signed request is replayed with another body', async () => {
    // Sign through a recording fetch, then send the same headers with another body.
    const realFetch = globalThis.fetch;
    let captured: { url: string; init: RequestInit } | undefined;
    globalThis.fetch = (async (url: string, init: RequestInit) => {
      captured = { url: String(url), init };
      return new Response('{}', { headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    try {
      await server.admin.request('PUT', '/admin/environments/demo', environment);
    } finally {
      globalThis.fetch = realFetch;
    }
    const replay = await fetch(captured!.url, { ...captured!.init, body: JSON.stringify({ ...environment, name: 'Hijacked' }) });
    expect(replay.status).toBe(403);
    expect((await server.admin.request('GET', '/admin/environments/demo')).json.name).toBe('Demo');
  });

  it('answers 413 to a body over the limit', async () => {
    const response = await server.admin.request('PUT', '/admin/environments/demo', { ...environment, name: 'x'.repeat(70 * 1024) });
    expect(response.status).toBe(413);
    expect(response.json).toMatchObject({ error: 'payload_too_large' });
  });
});

describe('request log', () => {
  it('logs method, path, status and duration, never the query string or headers', async () => {
    await fetch(`${server.baseUrl}/.well-known/jwks.json?token=sekrit-query`, { headers: { cookie: 'session=sekrit-cookie' } });
    await server.admin.request('GET', '/admin/environments/demo/users?email=sekrit%40example.org');
    const lines = server.logLines.join('\n');
    expect(lines).toMatch(/^GET \/\.well-known\/jwks\.json 200 \d+ms$/m);
    expect(lines).toMatch(/^GET \/admin\/environments\/demo\/users \d{3} \d+ms$/m);
    expect(lines).not.toMatch(/sekrit|\?|AWS4-HMAC|Credential/);
  });
});

describe('two servers in one process', () => {
  it('each serves its own data directory (store and signing key), side by side, and neither touches process.env', async () => {
    const environmentBefore = { ...process.env };
    const [first, second] = await Promise.all([startTestServer(), startTestServer()]);
    try {
      expect(first.dataDir).not.toBe(second.dataDir);
      expect(first.baseUrl).not.toBe(second.baseUrl);
      expect(process.env).toEqual(environmentBefore);

      const put = await first.admin.request('PUT', '/admin/environments/only-first', { ...environment, name: 'First' });
      expect(put.status).toBe(201);
      expect((await first.admin.request('GET', '/admin/environments/only-first')).json).toMatchObject({ id: 'only-first', name: 'First' });
      expect((await second.admin.request('GET', '/admin/environments/only-first')).status).toBe(404);
      expect(await second.runtime.environments.get('only-first')).toBeUndefined();

      // The same id on the second server is another environment; the first keeps its own.
      expect((await second.admin.request('PUT', '/admin/environments/only-first', { ...environment, name: 'Second' })).status).toBe(201);
      expect((await first.admin.request('GET', '/admin/environments/only-first')).json.name).toBe('First');
      expect((await second.admin.request('GET', '/admin/environments/only-first')).json.name).toBe('Second');

      // Each server's admin keys are its own, and so is its signing key.
      expect((await first.admin.with({ credentials: second.credentials }).request('GET', '/admin/environments/only-first')).status).toBe(
        403,
      );
      const kids = async (s: TestServer) =>
        ((await (await fetch(`${s.baseUrl}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
      const [firstKids, secondKids] = await Promise.all([kids(first), kids(second)]);
      expect(firstKids).toHaveLength(1);
      expect(secondKids).toHaveLength(1);
      expect(firstKids).not.toEqual(secondKids);

      expect(process.env).toEqual(environmentBefore);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
    expect(process.env).toEqual(environmentBefore);
    // The server of the other tests still serves.
    expect((await server.admin.request('GET', '/admin/environments/only-first')).status).toBe(404);
  });
});
