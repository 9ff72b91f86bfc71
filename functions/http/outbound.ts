/**
 * Outbound HTTP for every call lti-bridge makes to another system (platform JWKS, access tokens,
 * AGS scores, Basic Outcomes): a timeout, a response size limit and lti-bridge's `User-Agent` on
 * every call.
 *
 * On AWS only `https://` is allowed, and only global unicast addresses may be connected to: every
 * socket the client opens goes through one agent that checks an IP literal before connecting and
 * resolves a name with a lookup that drops every address that is not global unicast, so the address
 * checked is the address connected to (no DNS-rebinding window between a check and the connection).
 * Local mode allows `http://` and loopback so that everything can run on one machine
 * (docs/product.md "Local mode"). docs/security.md "Outbound address checks" says what this defends
 * against and where it stops.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { BlockList, isIP, isIPv4, isIPv6, type LookupFunction } from 'node:net';
import { name as packageName, version as packageVersion } from '../../package.json';
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

/**
 * The `User-Agent` of every outbound request (RFC 9110 §10.1.5: product and version), from
 * package.json. Some LMSs (Canvas among them) refuse API calls that carry none.
 */
export const USER_AGENT = `${packageName}/${packageVersion}`;

/** The DNS lookup the client resolves names with; Node's `dns.lookup` unless a test injects one. */
export type Resolver = LookupFunction;

export interface HttpClientOptions {
  /** Local mode: allow `http://` and loopback/private addresses. */
  readonly allowPrivate: boolean;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  /** Resolves host names (AWS mode); what it answers is checked before any connection. */
  readonly resolve?: Resolver;
}

/**
 * IPv4 blocks that are not global unicast: the IANA IPv4 Special-Purpose Address Registry
 * (RFC 6890 §2.2.2 and its updates), multicast (RFC 5771) and the reserved 240.0.0.0/4 with the
 * limited broadcast address (RFC 1112 §4, RFC 919).
 */
const NOT_GLOBAL_IPV4: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this network" (RFC 791)
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // shared address space, carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback (RFC 1122)
  ['169.254.0.0', 16], // link-local (RFC 3927): the instance metadata service lives here
  ['172.16.0.0', 12], // private (RFC 1918)
  ['192.0.0.0', 24], // IETF protocol assignments (RFC 6890)
  ['192.0.2.0', 24], // documentation TEST-NET-1 (RFC 5737)
  ['192.88.99.0', 24], // 6to4 relay anycast, deprecated (RFC 7526)
  ['192.168.0.0', 16], // private (RFC 1918)
  ['198.18.0.0', 15], // benchmarking (RFC 2544)
  ['198.51.100.0', 24], // documentation TEST-NET-2 (RFC 5737)
  ['203.0.113.0', 24], // documentation TEST-NET-3 (RFC 5737)
  ['224.0.0.0', 4], // multicast (RFC 5771)
  ['240.0.0.0', 4], // reserved (RFC 1112), 255.255.255.255 included
];

/**
 * IPv6 global unicast is 2000::/3 (RFC 4291 §2.4); everything outside it is refused (loopback,
 * unspecified, IPv4-compatible `::a.b.c.d`, discard-only, ULA fc00::/7, link-local fe80::/10,
 * site-local fec0::/10, multicast, the local-use NAT64 prefix 64:ff9b:1::/48 of RFC 8215) but for
 * {@link IPV4_EMBEDDING}.
 */
const GLOBAL_UNICAST_IPV6: readonly (readonly [string, number])[] = [['2000::', 3]];

/** Blocks inside 2000::/3 that are not global unicast, or that tunnel to an IPv4 address. */
const NOT_GLOBAL_IPV6: readonly (readonly [string, number])[] = [
  // IETF protocol assignments (RFC 2928): Teredo 2001::/32 (RFC 4380, the client's IPv4 address
  // XORed in the low bits), benchmarking 2001:2::/48, ORCHID, AMT, AS112. None is an LMS's address.
  ['2001::', 23],
  ['2001:db8::', 32], // documentation (RFC 3849)
  // 6to4 (RFC 3056): an IPv4 address in bits 16-47, reached through relays that RFC 7526 deprecates.
  ['2002::', 16],
  ['3fff::', 20], // documentation (RFC 9637)
];

/**
 * Prefixes whose low 32 bits are the IPv4 address a connection reaches: the address is checked as
 * that IPv4 address. IPv4-mapped (RFC 4291 §2.5.5.2: a dual-stack socket connects over IPv4) and
 * the NAT64 well-known prefix (RFC 6052 §2.1: a translator forwards to the embedded address).
 */
const IPV4_EMBEDDING: readonly (readonly [string, number])[] = [
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
];

function blockList(family: 'ipv4' | 'ipv6', blocks: readonly (readonly [string, number])[]): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of blocks) list.addSubnet(network, prefix, family);
  return list;
}

const notGlobal4 = blockList('ipv4', NOT_GLOBAL_IPV4);
const globalUnicast6 = blockList('ipv6', GLOBAL_UNICAST_IPV6);
const notGlobal6 = blockList('ipv6', NOT_GLOBAL_IPV6);
const embedding6 = blockList('ipv6', IPV4_EMBEDDING);

/** The eight 16-bit groups of an IPv6 address, from its canonical form (the URL parser's). */
function hextets(address: string): number[] {
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [left = '', right] = canonical.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':').map((group) => Number.parseInt(group, 16)) : []);
  const head = groups(left);
  const tail = groups(right);
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** The IPv4 address in the low 32 bits of an IPv6 address. */
function lowIpv4(address: string): string {
  const [, , , , , , high = 0, low = 0] = hextets(address);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/**
 * Whether an IP address is global unicast, the only kind a deployed lti-bridge may connect to:
 * IPv4 outside the special-purpose blocks; IPv6 inside 2000::/3 but for the blocks of
 * {@link NOT_GLOBAL_IPV6}; an IPv4-mapped or NAT64 address when the IPv4 address it embeds is.
 * Anything else (a name, an address with a zone index) is not.
 */
export function isGlobalUnicast(address: string): boolean {
  if (isIPv4(address)) return !notGlobal4.check(address, 'ipv4');
  if (!isIPv6(address) || address.includes('%')) return false;
  if (embedding6.check(address, 'ipv6')) return !notGlobal4.check(lowIpv4(address), 'ipv4');
  return globalUnicast6.check(address, 'ipv6') && !notGlobal6.check(address, 'ipv6');
}

function internalAddress(host: string): OutboundError {
  return new OutboundError('blocked_url', `${host} is an internal address`);
}

/** Checks a URL before any connection: the scheme, credentials, a `localhost` name and an IP literal. */
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
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && !isGlobalUnicast(host)))) {
    throw internalAddress(host);
  }
  return parsed;
}

/**
 * A lookup that answers only the global unicast addresses `resolve` finds for a name, and fails
 * when there is none: the socket connects to what it answers, so nothing resolved later (DNS
 * rebinding) can reach an internal address.
 */
export function globalOnlyLookup(resolve: Resolver = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const found = addresses as unknown as LookupAddress[];
      const allowed = found.filter((entry) => isGlobalUnicast(entry.address));
      if (allowed.length === 0) {
        return callback(new OutboundError('blocked_url', `${hostname} resolves to an internal address only`), '', 0);
      }
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, allowed);
      const [first] = allowed as [LookupAddress];
      callback(null, first.address, first.family);
    });
  };
}

/**
 * An agent every socket of which is checked when it connects: an IP literal before connecting (Node
 * skips the lookup for one), a name through {@link globalOnlyLookup}.
 */
export function globalOnlyAgent<A extends HttpAgent>(agent: A, resolve: Resolver = dnsLookup): A {
  const lookup = globalOnlyLookup(resolve);
  const connect = agent.createConnection.bind(agent) as HttpAgent['createConnection'];
  agent.createConnection = (options, callback) => {
    const host = (options.host ?? options.hostname ?? 'localhost').replace(/^\[|\]$/g, '');
    if (isIP(host) && !isGlobalUnicast(host)) {
      // The agent turns a callback error into the request's 'error' event.
      callback?.(internalAddress(host), undefined as never);
      return undefined;
    }
    return connect({ ...options, lookup }, callback);
  };
  return agent;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const defaultTimeout = options.timeoutMs ?? 5000;
  const defaultMax = options.maxBytes ?? 256 * 1024;
  // Local mode connects anywhere, through Node's global agents.
  const agents = options.allowPrivate
    ? undefined
    : {
        'http:': globalOnlyAgent(new HttpAgent({ keepAlive: true }), options.resolve),
        'https:': globalOnlyAgent(new HttpsAgent({ keepAlive: true }), options.resolve),
      };
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
              ...(request.body !== undefined ? { 'content-length': String(Buffer.byteLength(request.body)) } : {}),
              ...withoutUserAgent(request.headers),
              'user-agent': USER_AGENT,
            },
            ...(agents ? { agent: agents[url.protocol as keyof typeof agents] } : {}),
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

/** A caller's headers without a `User-Agent` of its own, in any case: every request names lti-bridge. */
function withoutUserAgent(headers: Readonly<Record<string, string>> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'user-agent'));
}
