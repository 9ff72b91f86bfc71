import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { join } from 'node:path';
import {
  checkUrl,
  createHttpClient,
  globalOnlyAgent,
  globalOnlyLookup,
  isGlobalUnicast,
  OutboundError,
  retryableStatus,
  type Resolver,
} from '../../../functions/http/outbound';

let server: Server;
let base: string;
const seen: { ua?: string | undefined; uas: (string | undefined)[] } = { uas: [] };

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.ua = req.headers['user-agent'];
    seen.uas.push(req.headers['user-agent']);
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000).unref();
    if (req.url === '/big') return void res.end('x'.repeat(5000));
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => res.writeHead(201, { 'x-echo': req.method }).end(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);

/** A resolver that answers `addresses` for every name and counts its calls. */
function fakeResolver(...addresses: string[]): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    calls.push(hostname);
    const entries = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (options.all) callback(null, entries);
    else callback(null, entries[0]?.address, entries[0]?.family);
  }) as unknown as Resolver & { calls: string[] };
  resolve.calls = calls;
  return resolve;
}

describe('outbound HTTP', () => {
  it('sends and answers status, headers and body (local mode)', async () => {
    const client = createHttpClient({ allowPrivate: true });
    const answer = await client.send({ method: 'POST', url: `${base}/echo`, body: 'hello' });
    expect(answer).toMatchObject({ status: 201, body: 'hello' });
    expect(answer.headers['x-echo']).toBe('POST');
  });

  it('gives up after the timeout and on a body over the limit', async () => {
    const client = createHttpClient({ allowPrivate: true, timeoutMs: 200, maxBytes: 1000 });
    await expect(client.send({ method: 'GET', url: `${base}/slow` })).rejects.toMatchObject({ code: 'timeout' });
    await expect(client.send({ method: 'GET', url: `${base}/big` })).rejects.toMatchObject({ code: 'too_large' });
  });
});

describe('User-Agent', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { name: string; version: string };

  it('names lti-bridge and its version from package.json on every request', async () => {
    const client = createHttpClient({ allowPrivate: true });
    seen.uas.length = 0;
    await client.send({ method: 'GET', url: `${base}/a` });
    await client.send({ method: 'POST', url: `${base}/b`, body: 'x', headers: { 'content-type': 'text/plain' } });
    expect(pkg.name).toBe('lti-bridge');
    expect(seen.uas).toEqual([`lti-bridge/${pkg.version}`, `lti-bridge/${pkg.version}`]);
  });

  it('cannot be replaced or dropped by a caller, whatever the header case', async () => {
    const client = createHttpClient({ allowPrivate: true });
    await client.send({ method: 'GET', url: `${base}/c`, headers: { 'User-Agent': 'curl/8', 'user-agent': '' } });
    expect(seen.ua).toBe(`lti-bridge/${pkg.version}`);
  });
});

describe('which addresses a deployment may call', () => {
  it.each([
    ['0.0.0.0', 'this network'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local: instance metadata'],
    ['172.16.5.4', 'private'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['192.0.2.1', 'documentation'],
    ['192.88.99.1', '6to4 relay anycast'],
    ['192.168.0.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::a9fe:a9fe', 'IPv4-compatible, embedding 169.254.169.254'],
    ['::8.8.8.8', 'IPv4-compatible, even of a public address (deprecated, RFC 4291 §2.5.5.1)'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata address, in hex'],
    ['0:0:0:0:0:ffff:10.0.0.1', 'IPv4-mapped private, spelled out'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of the metadata address'],
    ['64:ff9b::10.0.0.1', 'NAT64 of a private address'],
    ['64:ff9b:1::808:808', 'local-use NAT64 (RFC 8215)'],
    ['100::1', 'discard-only'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['2001:2::1', 'benchmarking'],
    ['2001:db8::1', 'documentation'],
    ['2002:a9fe:a9fe::1', '6to4 of the metadata address'],
    ['2002:808:808::1', '6to4 of a public address'],
    ['3fff::1', 'documentation (RFC 9637)'],
    ['fc00::1', 'unique local'],
    ['fd00::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local with a zone index'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['lms.example.edu', 'a name is no address'],
  ])('%s is refused (%s)', (address) => {
    expect(isGlobalUnicast(address)).toBe(false);
  });

  it.each([
    ['93.184.216.34', 'IPv4'],
    ['8.8.8.8', 'IPv4'],
    ['2606:2800:220:1::1', 'IPv6 global unicast'],
    ['2a00:1450:4001:82b::200e', 'IPv6 global unicast'],
    ['::ffff:93.184.216.34', 'IPv4-mapped public address'],
    ['64:ff9b::5db8:d822', 'NAT64 of a public address'],
  ])('%s is allowed (%s)', (address) => {
    expect(isGlobalUnicast(address)).toBe(true);
  });
});

describe('on AWS', () => {
  it('refuses http, names of this machine, and IP literals that are not global unicast before connecting', async () => {
    const resolve = fakeResolver('93.184.216.34');
    const client = createHttpClient({ allowPrivate: false, resolve });
    await expect(client.send({ method: 'GET', url: `${base}/echo` })).rejects.toMatchObject({ code: 'blocked_url' });
    for (const url of [
      'https://127.0.0.1/',
      'https://localhost/',
      'https://api.localhost/',
      'https://10.1.2.3/',
      'https://169.254.169.254/latest',
      'https://0xa9.0xfe.0xa9.0xfe/latest',
      'https://2852039166/latest',
      'https://[::1]/',
      'https://192.168.0.1/',
      'https://[::ffff:127.0.0.1]/',
      'https://[::a9fe:a9fe]/latest',
      'https://[::169.254.169.254]/latest',
      'https://[2002:a9fe:a9fe::]/',
      'https://[64:ff9b::169.254.169.254]/',
      'https://[64:ff9b:1::a9fe:a9fe]/',
      'https://[fec0::1]/',
      'https://[2001:0:4136:e378:8000:63bf:5601:5601]/',
    ]) {
      expect(() => checkUrl(url, false)).toThrow(OutboundError);
      await expect(client.send({ method: 'GET', url })).rejects.toMatchObject({ code: 'blocked_url', message: /internal address/ });
    }
    expect(resolve.calls).toEqual([]);
    expect(checkUrl('https://lms.example.edu/x', false).hostname).toBe('lms.example.edu');
    expect(() => checkUrl('ftp://lms.example.edu/', false)).toThrow('ftp: URLs are not allowed');
    expect(() => checkUrl('https://user:pw@lms.example.edu/', false)).toThrow('URLs with credentials are not allowed');
  });

  it('checks the address a name resolves to when the socket connects (DNS rebinding)', async () => {
    // The URL passes every check made before connecting: only the connection finds the address.
    expect(checkUrl('https://rebind.example.edu/latest/meta-data', false).hostname).toBe('rebind.example.edu');
    for (const address of ['169.254.169.254', '127.0.0.1', '::ffff:a9fe:a9fe', 'fd00:ec2::254', '64:ff9b::a9fe:a9fe']) {
      const resolve = fakeResolver(address);
      const client = createHttpClient({ allowPrivate: false, resolve, timeoutMs: 2000 });
      await expect(client.send({ method: 'GET', url: 'https://rebind.example.edu/latest/meta-data' })).rejects.toMatchObject({
        code: 'blocked_url',
        message: 'rebind.example.edu resolves to an internal address only',
      });
      expect(resolve.calls).toEqual(['rebind.example.edu']);
    }
  });

  it('connects only to the global unicast addresses of a name', () => {
    const lookup = globalOnlyLookup(fakeResolver('10.0.0.7', '93.184.216.34', '::1', '2606:2800:220:1::1'));
    const answers: unknown[] = [];
    lookup('lms.example.edu', { all: true }, (error, addresses) => answers.push(error, addresses));
    lookup('lms.example.edu', {}, (error, address, family) => answers.push(error, address, family));
    expect(answers).toEqual([
      null,
      [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
      ],
      null,
      '93.184.216.34',
      4,
    ]);
  });

  it('checks an IP literal again when the socket connects, where Node does no lookup', async () => {
    // Straight to the agent, past checkUrl: what any request through the client's agents gets.
    const resolve = fakeResolver('93.184.216.34');
    const agent = globalOnlyAgent(new HttpAgent(), resolve);
    const port = (server.address() as AddressInfo).port;
    for (const host of ['127.0.0.1', '::ffff:7f00:1', '::a9fe:a9fe', '[::1]']) {
      const error = await new Promise<Error>((resolve, reject) => {
        const req = httpRequest({ host, port, path: '/echo', agent }, () => reject(new Error(`${host} answered`)));
        req.on('error', resolve);
        req.end();
      });
      expect(error).toBeInstanceOf(OutboundError);
      expect(error).toMatchObject({ code: 'blocked_url' });
    }
    expect(resolve.calls).toEqual([]);
  });

  it('checks a name at connect time through the agent too', async () => {
    const resolve = fakeResolver('127.0.0.1') as LookupFunction & { calls: string[] };
    const agent = globalOnlyAgent(new HttpAgent(), resolve);
    const port = (server.address() as AddressInfo).port;
    const error = await new Promise<Error>((done, reject) => {
      const req = httpRequest({ host: 'lms.example.edu', port, path: '/echo', agent }, () => reject(new Error('answered')));
      req.on('error', done);
      req.end();
    });
    expect(error).toMatchObject({ code: 'blocked_url' });
    expect(resolve.calls).toEqual(['lms.example.edu']);
  });
});

describe('in local mode', () => {
  it('calls http:// and loopback, as docs/product.md "Local mode" says', async () => {
    const client = createHttpClient({ allowPrivate: true });
    await expect(client.send({ method: 'GET', url: `${base}/echo` })).resolves.toMatchObject({ status: 201 });
    expect(checkUrl('http://127.0.0.1:3000/x', true).hostname).toBe('127.0.0.1');
    expect(checkUrl('http://[::1]:3000/x', true).hostname).toBe('[::1]');
    expect(() => checkUrl('ftp://127.0.0.1/', true)).toThrow('ftp: URLs are not allowed');
  });
});

describe('retryableStatus', () => {
  it.each([408, 425, 429, 500, 502, 503, 504])('HTTP %i may succeed later', (status) => {
    expect(retryableStatus(status)).toBe(true);
  });

  it.each([200, 400, 401, 403, 404, 409, 413, 422])('HTTP %i is not retried', (status) => {
    expect(retryableStatus(status)).toBe(false);
  });
});
