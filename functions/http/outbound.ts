/**
 * Outbound HTTP for every call lti-bridge makes to another system (platform JWKS, access tokens,
 * AGS scores, Basic Outcomes): a timeout, a response size limit and a `User-Agent` on every call.
 *
 * On AWS only `https://` is allowed and the resolved address must not be loopback, private,
 * link-local or otherwise internal: the check runs inside the socket's DNS lookup, so the address
 * checked is the address connected to (no DNS-rebinding window). Local mode allows `http://` and
 * loopback so that everything can run on one machine (docs/product.md "Local mode").
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import type { HttpClient, OutboundResponse } from '../ports';

export type OutboundErrorCode = 'blocked_url' | 'timeout' | 'too_large' | 'network';

export class OutboundError extends Error {
  override name = 'OutboundError';

  constructor(
    readonly code: OutboundErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Whether an HTTP status says the same request may succeed later, so a caller may send it again:
 * 408 Request Timeout (RFC 9110 §15.5.9), 425 Too Early (RFC 8470 §5.2: the client may retry),
 * 429 Too Many Requests (RFC 6585 §4) and every 5xx. Any other 4xx needs a change at one end.
 */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

export interface HttpClientOptions {
  /** Local mode: allow `http://` and loopback/private addresses. */
  readonly allowPrivate: boolean;
  readonly userAgent?: string;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

/** Addresses no deployed lti-bridge may call (RFC 6890 special-purpose ranges that matter here). */
const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internal.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  internal.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is loopback, private, link-local or otherwise not a public address. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return internal.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    // IPv4-mapped addresses are checked as IPv4 (a BlockList IPv6 rule for ::ffff:0:0/96 would match every IPv4 address).
    if (mapped) return internal.check(mapped[1]!, 'ipv4');
    return internal.check(address, 'ipv6');
  }
  return true;
}

/** A DNS lookup that refuses internal addresses, so the checked address is the one connected to. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const list = (addresses as unknown as LookupAddress[]).filter((entry) => !isInternalAddress(entry.address));
    if (list.length === 0) {
      return callback(new OutboundError('blocked_url', `${hostname} resolves to an internal address`), '', 0);
    }
    if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
};

/** Checks a URL before any connection: scheme, and a literal IP host. */
export function checkUrl(url: string, allowPrivate: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OutboundError('blocked_url', 'not an absolute URL');
  }
  if (parsed.protocol !== 'https:' && !(allowPrivate && parsed.protocol === 'http:')) {
    throw new OutboundError('blocked_url', `${parsed.protocol} URLs are not allowed: use https://`);
  }
  if (parsed.username || parsed.password) throw new OutboundError('blocked_url', 'URLs with credentials are not allowed');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && isInternalAddress(host)))) {
    throw new OutboundError('blocked_url', `${host} is an internal address`);
  }
  return parsed;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const userAgent = options.userAgent ?? 'lti-bridge/0.1 (+https://github.com/lti-bridge)';
  const defaultTimeout = options.timeoutMs ?? 5000;
  const defaultMax = options.maxBytes ?? 256 * 1024;
  return {
    async send(request) {
      const url = checkUrl(request.url, options.allowPrivate);
      const timeoutMs = request.timeoutMs ?? defaultTimeout;
      const maxBytes = request.maxBytes ?? defaultMax;
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise<OutboundResponse>((resolve, reject) => {
        let settled = false;
        const fail = (error: Error) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(error instanceof OutboundError ? error : new OutboundError('network', error.message));
          req.destroy();
        };
        const req = send(
          url,
          {
            method: request.method,
            headers: {
              'user-agent': userAgent,
              ...(request.body !== undefined ? { 'content-length': String(Buffer.byteLength(request.body)) } : {}),
              ...request.headers,
            },
            ...(options.allowPrivate ? {} : { lookup: publicOnlyLookup }),
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size > maxBytes) fail(new OutboundError('too_large', `the response is larger than ${maxBytes} bytes`));
              else chunks.push(chunk);
            });
            res.on('end', () => {
              if (settled) return;
              settled = true;
              clearTimeout(timer);
              const headers: Record<string, string> = {};
              for (const [name, value] of Object.entries(res.headers)) {
                if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
              }
              resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
            });
            res.on('error', fail);
          },
        );
        const timer = setTimeout(() => fail(new OutboundError('timeout', `no answer within ${timeoutMs} ms`)), timeoutMs);
        req.on('error', fail);
        if (request.body !== undefined) req.write(request.body);
        req.end();
      });
    },
  };
}
