import { invalid, HttpError } from '../errors';
import type { ApiEvent } from './types';

/** The raw body as text (API Gateway base64-encodes form posts and binary bodies). */
export function bodyText(event: ApiEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

function header(event: ApiEvent, name: string): string | undefined {
  return event.headers?.[name];
}

/** Parses a JSON object body; a 415 names a media type that is not JSON, a 400 the problem. */
export function jsonBody(event: ApiEvent): Record<string, unknown> {
  const contentType = header(event, 'content-type') ?? '';
  if (contentType && !/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
    throw new HttpError(415, 'unsupported_media_type', 'the body must be application/json', { field: 'content-type' });
  }
  return jsonObjectBody(event);
}

/** The body as a JSON object, whatever media type the caller checked; a 400 names the problem. */
export function jsonObjectBody(event: ApiEvent): Record<string, unknown> {
  const text = bodyText(event);
  if (!text.trim()) throw invalid('body', 'a JSON object body is required');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('body', 'the body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('body', 'the body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/**
 * Parses an `application/x-www-form-urlencoded` body into ordered name/value pairs, keeping
 * duplicates (OAuth 1.0a signs every pair, RFC 5849 §3.4.1.3.1).
 */
export function formPairs(event: ApiEvent): [string, string][] {
  return [...new URLSearchParams(bodyText(event))];
}

/** The first value of each name in `pairs` (a form, OAuth header parameters). */
export function firstValues(pairs: Iterable<readonly [string, string]>): Record<string, string> {
  return singleValues(pairs).params;
}

/**
 * The first value of each name, and the names sent more than once (OAuth 2.0 parameters "MUST NOT
 * be included more than once", RFC 6749 §3.1). The map has no prototype, so names such as
 * `constructor` or `__proto__` are ordinary parameters.
 */
export function singleValues(pairs: Iterable<readonly [string, string]>): { params: Record<string, string>; repeated: string[] } {
  const params: Record<string, string> = Object.create(null);
  const repeated: string[] = [];
  for (const [name, value] of pairs) {
    if (!Object.hasOwn(params, name)) params[name] = value;
    else if (!repeated.includes(name)) repeated.push(name);
  }
  return { params, repeated };
}

/** The first value of each form field. */
export function formFields(event: ApiEvent): Record<string, string> {
  return firstValues(formPairs(event));
}

/** A path parameter that the route template guarantees. */
export function pathParam(event: ApiEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (value === undefined || value === '') throw invalid(name, `path parameter ${name} is required`);
  return value;
}

/** A cookie by name, from the payload 2.0 `cookies` array. */
export function cookie(event: ApiEvent, name: string): string | undefined {
  for (const entry of event.cookies ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0 && entry.slice(0, eq).trim() === name) return entry.slice(eq + 1).trim();
  }
  return undefined;
}

/** How many items an admin list answers per page unless `limit` says otherwise, and at most. */
export const defaultPageSize = 50;
export const maxPageSize = 200;

/** `?limit=&cursor=` of an admin list: a 400 names a limit that is not a whole number 1..200, or a cursor that cannot be one. */
export function pageRequest(event: ApiEvent): { limit: number; after?: string } {
  const query = event.queryStringParameters ?? {};
  let limit = defaultPageSize;
  if (query.limit !== undefined) {
    limit = /^\d{1,4}$/.test(query.limit) ? Number(query.limit) : 0;
    if (limit < 1 || limit > maxPageSize) throw invalid('limit', `limit must be a whole number from 1 to ${maxPageSize}`);
  }
  const cursor = query.cursor;
  if (cursor === undefined) return { limit };
  // A cursor is an id the previous page ended on (ids are at most 64 characters of [A-Za-z0-9_-], tools' a UUID).
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) throw invalid('cursor', "cursor must be the previous page's next");
  return { limit, after: cursor };
}
