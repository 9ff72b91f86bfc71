/**
 * The edge of every Lambda: dispatches on the API Gateway route key to the route's implementation,
 * and turns errors into responses, here and nowhere else, with the renderer the handler declares.
 * An `HttpError` is rendered as it is (a 5xx, or one whose message is hidden, is logged first);
 * anything else is logged and rendered as a generic 500. The log gets the error's name, code,
 * message, stack and causes, never the request (its body, tokens or cookies).
 */
import middy from '@middy/core';
import { randomUUID } from 'node:crypto';
import { HttpError, LaunchError } from '../errors';
import { count, log as logLine, withCorrelation } from '../observability';
import { errorContextOf } from './error-context';
import type { Renderer } from './renderers/renderer';
import type { ApiEvent, ApiResult, RouteHandler } from './types';

/** The error rendered for anything that is not an `HttpError`. */
const internalError = (cause: unknown) => new HttpError(500, 'internal_error', 'internal error', { cause });

/** The answer to `error` for the request `event`, in the format `renderer` writes. */
export function errorResponse(error: unknown, renderer: Renderer, event: ApiEvent): ApiResult {
  if (!(error instanceof HttpError)) log('unhandled error', error);
  else if (!error.expose || error.status >= 500) log(`answered ${error.status} ${error.code}`, error);
  else if (error instanceof LaunchError) refusedLaunch(error, event);
  const known = error instanceof HttpError ? error : internalError(error);
  const answer = renderer(known, errorContextOf(event));
  return known.headers ? { ...answer, headers: { ...answer.headers, ...known.headers } } : answer;
}

function log(message: string, error: unknown): void {
  logLine.error(message, { error: describe(error) });
}

/**
 * Which side a launch route is on: the academy as tool (an LMS launches it) or as platform (it
 * launches a tool), for the refused-launch metric.
 */
function sideOf(routeKey: string): 'tool' | 'platform' {
  const platformRoutes = ['/launch/{ticket}', '/lti13/authorize', '/lti13/deep-linking/return'];
  return platformRoutes.some((path) => routeKey.endsWith(path)) ? 'platform' : 'tool';
}

/** A refused launch: one log line with its stable code and the parameter at fault, and the metric the alarm watches. */
function refusedLaunch(error: LaunchError, event: ApiEvent): void {
  const side = sideOf(event.routeKey);
  logLine.warn('launch refused', { code: error.code, status: error.status, field: error.field, route: event.routeKey, side });
  count('LaunchRefused', { side, code: error.code });
}

/** Name, code, message and stack of an error and its causes (three deep), nothing else of it. */
function describe(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: error.message,
    stack: error.stack,
    ...(error.cause !== undefined && depth < 3 ? { cause: describe(error.cause, depth + 1) } : {}),
  };
}

const errorMiddleware = (renderer: Renderer): middy.MiddlewareObj<ApiEvent, ApiResult> => ({
  onError: async (request) => {
    request.response = errorResponse(request.error, renderer, request.event);
  },
});

/**
 * Builds a Lambda handler serving the given routes (keyed by route key, e.g.
 * `GET /admin/environments/{env}`, as in `functions/routes.ts`), whose errors `renderer` answers.
 * The function names its renderer (`./renderers/`) and imports only that one, so that no bundle
 * carries another format's code (the POX writer's XML builder, say).
 */
function routedHandler(routeHandlers: Readonly<Record<string, RouteHandler>>, renderer: Renderer) {
  return middy<ApiEvent, ApiResult>()
    .use(errorMiddleware(renderer))
    .handler(async (event) => {
      const route = routeHandlers[event.routeKey];
      if (!route) throw new HttpError(404, 'not_found', `no route for ${event.routeKey}`);
      return route(event);
    });
}

/**
 * The function as Lambda calls it: each request runs with its API Gateway request id as the
 * correlation id of what it logs (and of the passbacks it queues).
 */
export function lambda(routeHandlers: Readonly<Record<string, RouteHandler>>, renderer: Renderer) {
  const handler = routedHandler(routeHandlers, renderer);
  return (event: ApiEvent, context: Parameters<typeof handler>[1]) =>
    withCorrelation(event.requestContext?.requestId ?? randomUUID(), () => handler(event, context));
}
