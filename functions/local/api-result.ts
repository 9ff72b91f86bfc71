/**
 * Turns what a handler returns into the HTTP response API Gateway HTTP APIs would send (payload
 * format 2.0): a result with a `statusCode` is used as given, anything else is sent as a 200 JSON
 * body; every `cookies` entry becomes its own `Set-Cookie` header; base64 bodies are decoded.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.response
 */

export interface HttpResponse {
  readonly statusCode: number;
  /** Lower-cased names; `set-cookie` is the only header with several values. */
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Buffer;
}

/** What API Gateway answers when an integration fails or returns something unusable. */
export const internalServerError: HttpResponse = {
  statusCode: 500,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from('{"message":"Internal Server Error"}'),
};

function isStructured(value: unknown): value is Record<string, unknown> & { statusCode: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'statusCode' in value;
}

/**
 * Converts a handler's result. The result first goes through JSON, as it does between Lambda and
 * API Gateway, so that what works locally (say, a `Date` or an `undefined` header) works on AWS.
 */
export function fromApiResult(result: unknown): HttpResponse {
  const wire: unknown = JSON.parse(JSON.stringify(result ?? null));
  if (!isStructured(wire)) {
    const body = typeof wire === 'string' ? wire : JSON.stringify(wire);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body, 'utf8') };
  }

  const statusCode = wire.statusCode;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    return internalServerError;
  }

  const headers: Record<string, string | string[]> = {};
  const rawHeaders = typeof wire.headers === 'object' && wire.headers !== null ? (wire.headers as Record<string, unknown>) : {};
  for (const [name, value] of Object.entries(rawHeaders)) {
    if (value === null || value === undefined) continue;
    headers[name.toLowerCase()] = String(value);
  }
  const cookies = Array.isArray(wire.cookies) ? wire.cookies.map(String) : [];
  const existing = headers['set-cookie'];
  if (cookies.length > 0) headers['set-cookie'] = [...(existing === undefined ? [] : [existing].flat()), ...cookies];

  const rawBody = wire.body === undefined || wire.body === null ? '' : String(wire.body);
  const body = wire.isBase64Encoded === true ? Buffer.from(rawBody, 'base64') : Buffer.from(rawBody, 'utf8');
  return { statusCode, headers, body };
}
