/**
 * Turns a Node HTTP request into the event API Gateway HTTP APIs deliver to Lambda (payload format
 * 2.0), so that the local server runs the handlers on exactly what they get on AWS.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayEventRequestContextV2 } from 'aws-lambda';
import type { ApiEvent } from '../http/types';
import { routeKey, type Route } from '../routes';

/** The parts of an `IncomingMessage` the conversion reads (so tests can pass plain objects). */
export type RequestHead = Pick<IncomingMessage, 'method' | 'url' | 'rawHeaders' | 'httpVersion'> & {
  readonly socket: { readonly remoteAddress?: string | undefined; readonly localPort?: number | undefined };
};

/** What API Gateway's IAM authorizer puts in `requestContext.authorizer.iam` for a verified caller. */
export interface IamIdentity {
  readonly accessKey: string;
  readonly accountId: string;
  readonly callerId: string;
  readonly userArn: string;
  readonly userId: string;
}

export interface ApiEventOptions {
  readonly route: Pick<Route, 'method' | 'path'>;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly accountId?: string;
  readonly apiId?: string;
  readonly requestId?: string;
  readonly now?: Date;
  /** Set for `iam` routes once the signature is verified. */
  readonly iam?: IamIdentity;
}

/** Splits a request target into the raw (still percent-encoded) path and query string. */
export function splitTarget(url: string): { rawPath: string; rawQueryString: string } {
  const hash = url.indexOf('#');
  const target = hash >= 0 ? url.slice(0, hash) : url;
  const question = target.indexOf('?');
  return question >= 0
    ? { rawPath: target.slice(0, question) || '/', rawQueryString: target.slice(question + 1) }
    : { rawPath: target || '/', rawQueryString: '' };
}

/**
 * Every request header with a lower-cased name; a header sent several times has its values joined
 * with commas, as API Gateway does (Node's own `headers` drops some duplicates and joins with ', ').
 */
export function joinedHeaders(rawHeaders: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return headers;
}

/** Every cookie of every `Cookie` header, as `name=value` strings. */
export function cookieList(rawHeaders: readonly string[]): string[] {
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() !== 'cookie') continue;
    for (const cookie of (rawHeaders[i + 1] as string).split(';')) if (cookie.trim()) cookies.push(cookie.trim());
  }
  return cookies;
}

/** Query parameters, decoded; a name sent several times has its values joined with commas. */
export function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (!rawQueryString) return undefined;
  const params: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    params[name] = Object.hasOwn(params, name) ? `${params[name]},${value}` : value;
  }
  return Object.keys(params).length > 0 ? params : undefined;
}

/** Content types API Gateway passes as text; every other body (forms included) arrives base64-encoded. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    /^application\/(json|xml|javascript|x-javascript|ecmascript|graphql)$/.test(type) ||
    /^[a-z]+\/[^;]*\+(json|xml)$/.test(type)
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestContext.time`: `12/Mar/2020:19:03:58 +0000`. */
export function formatRequestTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

function sourceIp(remoteAddress: string | undefined): string {
  if (!remoteAddress) return '127.0.0.1';
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice('::ffff:'.length) : remoteAddress;
}

/** Builds the payload 2.0 event of a request that matched `options.route`. */
export function toApiEvent(request: RequestHead, options: ApiEventOptions): ApiEvent {
  const now = options.now ?? new Date();
  const { rawPath, rawQueryString } = splitTarget(request.url ?? '/');
  const headers = joinedHeaders(request.rawHeaders);
  const ip = sourceIp(request.socket.remoteAddress);

  // Payload 2.0 moves cookies out of the headers into their own array, one entry per cookie.
  delete headers.cookie;
  const cookies = cookieList(request.rawHeaders);

  // What API Gateway adds in front of the integration.
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${ip}` : ip;
  headers['x-forwarded-proto'] ??= 'http';
  if (request.socket.localPort) headers['x-forwarded-port'] ??= String(request.socket.localPort);

  const domainName = (headers.host ?? 'localhost').replace(/:\d+$/, '');
  const key = routeKey(options.route);
  const requestContext: APIGatewayEventRequestContextV2 & { authorizer?: { iam: Record<string, unknown> } } = {
    accountId: options.accountId ?? '000000000000',
    apiId: options.apiId ?? 'local',
    domainName,
    domainPrefix: domainName.split('.')[0] ?? domainName,
    http: {
      method: request.method ?? 'GET',
      path: rawPath,
      protocol: `HTTP/${request.httpVersion}`,
      sourceIp: ip,
      userAgent: headers['user-agent'] ?? '',
    },
    requestId: options.requestId ?? randomUUID(),
    routeKey: key,
    stage: '$default',
    time: formatRequestTime(now),
    timeEpoch: now.getTime(),
  };
  if (options.iam) {
    requestContext.authorizer = { iam: { ...options.iam, cognitoIdentity: null, principalOrgId: null } };
  }

  const event: ApiEvent = {
    version: '2.0',
    routeKey: key,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    requestContext,
    isBase64Encoded: false,
  };
  const query = queryParameters(rawQueryString);
  if (query) event.queryStringParameters = query;
  if (Object.keys(options.pathParameters).length > 0) event.pathParameters = { ...options.pathParameters };
  if (options.body.length > 0) {
    const text = isTextContentType(headers['content-type']);
    event.body = text ? options.body.toString('utf8') : options.body.toString('base64');
    event.isBase64Encoded = !text;
  }
  return event;
}
