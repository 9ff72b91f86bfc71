import type { ApiResult } from './types';

const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
} as const;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { ...securityHeaders, 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

export function noContent(): ApiResult {
  return { statusCode: 204, headers: { ...securityHeaders } };
}

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A small, self-contained HTML page; `bodyHtml` must already be escaped. */
export function page(title: string, bodyHtml: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title>` +
    '<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}' +
    'code{background:#f3f3f3;padding:0 .2em}</style></head>' +
    `<body>${bodyHtml}</body></html>`
  );
}

/** An HTML answer with a restrictive Content-Security-Policy; `extraCsp` adds directives. */
export function html(statusCode: number, body: string, headers: Record<string, string> = {}, extraCsp = ''): ApiResult {
  return {
    statusCode,
    headers: {
      ...securityHeaders,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors *${extraCsp}`,
      'referrer-policy': 'no-referrer',
      ...headers,
    },
    body,
  };
}

/** A redirect; 303 so that a POST (e.g. an LTI launch) continues as a GET. */
export function redirect(location: string, statusCode = 303, headers: Record<string, string> = {}, cookies?: string[]): ApiResult {
  return { statusCode, headers: { ...securityHeaders, location, ...headers }, body: '', ...(cookies ? { cookies } : {}) };
}
