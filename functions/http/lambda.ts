/**
 * The edge of every Lambda: dispatches on the API Gateway route key to the route's implementation,
 * and turns errors into responses exactly once. `HttpError`s answer their status and message;
 * anything else answers a generic 500 and logs the detail (never request bodies, tokens or cookies).
 */
import middy from '@middy/core';
import { HttpError } from '../errors';
import { escapeHtml, html, json, page } from './responses';
import type { ApiEvent, ApiResult, RouteHandler } from './types';

/** How errors are rendered: JSON `{error, message}` for APIs, an HTML page for browsers. */
export type ErrorFormat = 'json' | 'html';

export function errorResponse(error: unknown, format: ErrorFormat): ApiResult {
  if (error instanceof HttpError) {
    if (format === 'json') {
      return json(error.status, {
        error: error.code,
        message: error.message,
        ...(error.field ? { field: error.field } : {}),
        ...(error.detail ?? {}),
      });
    }
    const title = error.status >= 500 ? 'Something went wrong' : 'This link cannot be opened';
    return html(error.status, page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(error.message)}</p>`));
  }
  console.error(JSON.stringify({ level: 'error', message: 'unhandled error', error: describe(error) }));
  if (format === 'json') return json(500, { error: 'internal_error', message: 'internal error' });
  return html(500, page('Something went wrong', '<h1>Something went wrong</h1><p>Please try again later.</p>'));
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}

const errorMiddleware = (format: ErrorFormat): middy.MiddlewareObj<ApiEvent, ApiResult> => ({
  onError: async (request) => {
    request.response = errorResponse(request.error, format);
  },
});

/**
 * Builds a Lambda handler serving the given routes (keyed by route key, e.g.
 * `GET /admin/environments/{env}`, as in `functions/routes.ts`).
 */
export function lambda(routeHandlers: Readonly<Record<string, RouteHandler>>, format: ErrorFormat) {
  return middy<ApiEvent, ApiResult>()
    .use(errorMiddleware(format))
    .handler(async (event) => {
      const route = routeHandlers[event.routeKey];
      if (!route) throw new HttpError(404, 'not_found', `no route for ${event.routeKey}`);
      return route(event);
    });
}
