import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkUrl, createHttpClient, isInternalAddress, OutboundError, retryableStatus } from '../../../functions/http/outbound';

let server: Server;
let base: string;
const seen: { ua?: string } = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.ua = req.headers['user-agent'];
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

describe('outbound HTTP', () => {
  it('sends with a User-Agent and answers status, headers and body (local mode)', async () => {
    const client = createHttpClient({ allowPrivate: true });
    const answer = await client.send({ method: 'POST', url: `${base}/echo`, body: 'hello' });
    expect(answer).toMatchObject({ status: 201, body: 'hello' });
    expect(answer.headers['x-echo']).toBe('POST');
    expect(seen.ua).toMatch(/^lti-bridge\//);
  });

  it('gives up after the timeout and on a body over the limit', async () => {
    const client = createHttpClient({ allowPrivate: true, timeoutMs: 200, maxBytes: 1000 });
    await expect(client.send({ method: 'GET', url: `${base}/slow` })).rejects.toMatchObject({ code: 'timeout' });
    await expect(client.send({ method: 'GET', url: `${base}/big` })).rejects.toMatchObject({ code: 'too_large' });
  });

  it('refuses http, loopback, private and link-local targets on AWS', async () => {
    const client = createHttpClient({ allowPrivate: false });
    await expect(client.send({ method: 'GET', url: `${base}/echo` })).rejects.toBeInstanceOf(OutboundError);
    for (const url of [
      'https://127.0.0.1/',
      'https://localhost/',
      'https://10.1.2.3/',
      'https://169.254.169.254/latest',
      'https://[::1]/',
      'https://192.168.0.1/',
      'https://[::ffff:127.0.0.1]/',
    ]) {
      expect(() => checkUrl(url, false)).toThrow(OutboundError);
    }
    expect(checkUrl('https://lms.example.edu/x', false).hostname).toBe('lms.example.edu');
    expect(() => checkUrl('ftp://lms.example.edu/', false)).toThrow('ftp: URLs are not allowed');
  });

  it('tells internal addresses from public ones', () => {
    expect(isInternalAddress('172.16.5.4')).toBe(true);
    expect(isInternalAddress('fd00::1')).toBe(true);
    expect(isInternalAddress('fe80::1')).toBe(true);
    expect(isInternalAddress('93.184.216.34')).toBe(false);
    expect(isInternalAddress('2606:2800:220:1::1')).toBe(false);
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
