/**
 * The platforms' key sets (`functions/lti13/core/key-sets.ts`): cache per key set URL with a TTL
 * (Cache-Control max-age, bounded), one refetch on an unknown kid with a cooldown, one request for
 * concurrent callers, and refusals of what is not a usable key set. The size limit and timeout are
 * the outbound client's, checked here against a real server.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpClient } from '../../../../functions/http/outbound';
import type { HttpClient, OutboundRequest, OutboundResponse } from '../../../../functions/ports';
import { RemoteKeySets } from '../../../../functions/lti13/core/key-sets';

const jwk = (kid: string, extra: Record<string, unknown> = {}) => ({
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }),
  kid,
  ...extra,
});
const k1 = jwk('k1');
const k2 = jwk('k2', { alg: 'RS256', use: 'sig' });

/** An HttpClient that answers from `answer` and records the URLs asked. */
function fakeHttp(answer: () => Partial<OutboundResponse> | Error): HttpClient & { requests: OutboundRequest[] } {
  const requests: OutboundRequest[] = [];
  return {
    requests,
    async send(request) {
      requests.push(request);
      const result = answer();
      if (result instanceof Error) throw result;
      return { status: 200, headers: {}, body: '', ...result };
    },
  };
}

let now = 1_000_000;
const clock = { now: () => now };
beforeEach(() => {
  now = 1_000_000;
});

const jwks = (...keys: unknown[]) => ({ body: JSON.stringify({ keys }) });

it('fetches a key set once and serves its keys from the cache until the TTL', async () => {
  const http = fakeHttp(() => jwks(k1, k2));
  const sets = new RemoteKeySets(http, clock);
  await sets.key('https://lms.example/jwks', 'k1');
  await sets.key('https://lms.example/jwks', 'k2');
  expect(http.requests).toHaveLength(1);
  expect(http.requests[0]).toMatchObject({ method: 'GET', url: 'https://lms.example/jwks', timeoutMs: 3000, maxBytes: 65536 });
  now += 10 * 60_000 - 1;
  await sets.key('https://lms.example/jwks', 'k1');
  expect(http.requests).toHaveLength(1);
  now += 1;
  await sets.key('https://lms.example/jwks', 'k1');
  expect(http.requests).toHaveLength(2);
  // another platform's URL has its own cache entry
  await sets.key('https://other.example/jwks', 'k1');
  expect(http.requests).toHaveLength(3);
});

it.each([
  ['max-age=120', 120_000],
  ['public, max-age=5', 60_000],
  ['max-age=86400', 3_600_000],
])('honours Cache-Control %s within 1 minute to 1 hour', async (cacheControl, ttl) => {
  const http = fakeHttp(() => ({ ...jwks(k1), headers: { 'cache-control': cacheControl } }));
  const sets = new RemoteKeySets(http, clock);
  await sets.key('https://lms.example/jwks', 'k1');
  now += ttl - 1;
  await sets.key('https://lms.example/jwks', 'k1');
  expect(http.requests).toHaveLength(1);
  now += 1;
  await sets.key('https://lms.example/jwks', 'k1');
  expect(http.requests).toHaveLength(2);
});

it('fetches once more for an unknown kid (a rotation), but not within the cooldown', async () => {
  let keys = [k1];
  const http = fakeHttp(() => jwks(...keys));
  const sets = new RemoteKeySets(http, clock);
  await sets.key('https://lms.example/jwks', 'k1');
  keys = [k1, k2];
  // within a second of the last fetch: no refetch
  await expect(sets.key('https://lms.example/jwks', 'k2')).rejects.toMatchObject({ code: 'unknown_kid' });
  expect(http.requests).toHaveLength(1);
  now += 1000;
  await sets.key('https://lms.example/jwks', 'k2');
  expect(http.requests).toHaveLength(2);
  // a kid that is nowhere: one refetch, then unknown
  now += 1000;
  await expect(sets.key('https://lms.example/jwks', 'k9')).rejects.toThrow('has no RS256 signing key with kid "k9"');
  expect(http.requests).toHaveLength(3);
});

it('shares one request among concurrent callers', async () => {
  const http = fakeHttp(() => jwks(k1, k2));
  const sets = new RemoteKeySets(http, clock);
  await Promise.all([
    sets.key('https://lms.example/jwks', 'k1'),
    sets.key('https://lms.example/jwks', 'k2'),
    sets.key('https://lms.example/jwks', 'k1'),
  ]);
  expect(http.requests).toHaveLength(1);
});

it('ignores keys that cannot verify RS256: encryption keys, other algorithms, other key types, keys without kid', async () => {
  const http = fakeHttp(() =>
    jwks(
      jwk('enc', { use: 'enc' }),
      jwk('ps', { alg: 'PS256' }),
      { kty: 'EC', crv: 'P-256', x: 'a', y: 'b', kid: 'ec' },
      jwk('ops', { key_ops: ['encrypt'] }),
      { ...k1, kid: undefined },
    ),
  );
  const sets = new RemoteKeySets(http, clock);
  for (const kid of ['enc', 'ps', 'ec', 'ops']) {
    await expect(sets.key('https://lms.example/jwks', kid)).rejects.toMatchObject({ code: 'unknown_kid' });
  }
});

it.each([
  ['an HTTP error', () => ({ status: 404 }), 'unavailable', 'HTTP 404'],
  ['no answer', () => new Error('connect ECONNREFUSED'), 'unavailable', 'could not be fetched'],
  ['not JSON', () => ({ body: '<html>' }), 'invalid_key_set', 'not JSON'],
  ['no keys array', () => ({ body: '{"keys":{}}' }), 'invalid_key_set', '"keys"'],
])('refuses %s', async (_label, answer, code, message) => {
  const sets = new RemoteKeySets(fakeHttp(answer as () => Partial<OutboundResponse> | Error), clock);
  const attempt = sets.key('https://lms.example/jwks', 'k1');
  await expect(attempt).rejects.toMatchObject({ code });
  await expect(attempt).rejects.toThrow(message);
});

it('refuses a key that is not a valid RSA public key of 2048 bits or more', async () => {
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
  const sets = new RemoteKeySets(
    fakeHttp(() => jwks({ kty: 'RSA', n: k1.n, e: '!!', kid: 'bad' }, { ...small, kid: 'small' })),
    clock,
  );
  await expect(sets.key('https://lms.example/jwks', 'bad')).rejects.toMatchObject({ code: 'invalid_key_set' });
  await expect(sets.key('https://lms.example/jwks', 'small')).rejects.toThrow('is not a valid RSA public key of 2048 bits or more');
  await expect(sets.key('https://lms.example/jwks', 'small')).rejects.toMatchObject({ code: 'invalid_key_set' });
});

describe('through the outbound client', () => {
  let server: Server;
  let url: string;
  let body = '';
  let delayMs = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      }, delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });

  it('refuses a key set larger than the limit, and one that does not come within the timeout', async () => {
    const http = createHttpClient({ allowPrivate: true });
    body = JSON.stringify({ keys: [k1], padding: 'x'.repeat(70_000) });
    await expect(new RemoteKeySets(http, clock).key(url, 'k1')).rejects.toThrow(
      /could not be fetched: the response is larger than 65536 bytes/,
    );
    body = JSON.stringify({ keys: [k1] });
    delayMs = 300;
    await expect(new RemoteKeySets(http, clock, { timeoutMs: 100 }).key(url, 'k1')).rejects.toThrow(/no answer within 100 ms/);
    delayMs = 0;
    await expect(new RemoteKeySets(http, clock).key(url, 'k1')).resolves.toBeDefined();
  });

  it('refuses an http:// or loopback key set URL outside local mode', async () => {
    const http = createHttpClient({ allowPrivate: false });
    await expect(new RemoteKeySets(http, clock).key(url, 'k1')).rejects.toMatchObject({ code: 'unavailable' });
    await expect(new RemoteKeySets(http, clock).key('https://127.0.0.1/jwks', 'k1')).rejects.toThrow(/internal address/);
  });
});
