/**
 * Matches a request against the route table as API Gateway HTTP APIs do: `{name}` matches exactly
 * one non-empty path segment, `{name+}` the non-empty rest of the path, and when several routes
 * match, the most specific one wins (a literal segment beats a variable, compared left to right).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
 */
import type { Route } from '../routes';

export interface RouteMatch<R extends Pick<Route, 'method' | 'path'> = Route> {
  readonly route: R;
  /** Path parameters, each percent-decoded (a segment that does not decode is kept as sent). */
  readonly pathParameters: Readonly<Record<string, string>>;
}

type Segment = { kind: 'literal'; value: string } | { kind: 'param'; name: string } | { kind: 'greedy'; name: string };

/** Higher is more specific. */
const rank: Record<Segment['kind'], number> = { literal: 2, param: 1, greedy: 0 };

function parseTemplate(path: string): Segment[] {
  return path
    .split('/')
    .slice(1)
    .map((part): Segment => {
      const variable = /^\{([^{}]+?)(\+?)\}$/.exec(part);
      if (!variable) return { kind: 'literal', value: part };
      return variable[2] ? { kind: 'greedy', name: variable[1] as string } : { kind: 'param', name: variable[1] as string };
    });
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchSegments(template: readonly Segment[], parts: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const segment = template[i] as Segment;
    if (segment.kind === 'greedy') {
      const rest = parts.slice(i);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      params[segment.name] = rest.map(decode).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (part !== segment.value && decode(part) !== segment.value) return undefined;
    } else {
      if (part === '') return undefined;
      params[segment.name] = decode(part);
    }
  }
  return parts.length === template.length ? params : undefined;
}

/** Compares two templates segment by segment; negative when `a` is more specific. */
function bySpecificity(a: readonly Segment[], b: readonly Segment[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const sa = a[i];
    const sb = b[i];
    if (!sa || !sb) return sa ? -1 : sb ? 1 : 0;
    const diff = rank[sb.kind] - rank[sa.kind];
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * Builds a matcher over the given routes. `rawPath` is the path as sent (percent-encoded); the
 * method is compared exactly (API Gateway has no implicit HEAD or OPTIONS for these routes).
 */
export function routeMatcher<R extends Pick<Route, 'method' | 'path'>>(routes: readonly R[]) {
  const compiled = routes.map((route) => ({ route, template: parseTemplate(route.path) }));
  return (method: string, rawPath: string): RouteMatch<R> | undefined => {
    const parts = rawPath.split('/').slice(1);
    const candidates = compiled
      .filter((entry) => entry.route.method === method)
      .map((entry) => ({ ...entry, params: matchSegments(entry.template, parts) }))
      .filter((entry) => entry.params !== undefined)
      .sort((a, b) => bySpecificity(a.template, b.template));
    const best = candidates[0];
    return best ? { route: best.route, pathParameters: best.params ?? {} } : undefined;
  };
}
