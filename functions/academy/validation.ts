/**
 * Request validation with zod: one schema per admin body, and one place that turns the first
 * problem into a 400 that names the field (`lti.launchUrl`, `minScore`, ...).
 *
 * Schemas are written with `zod/mini`, zod's functional form: it shares zod's core, and the admin
 * bundle carries only the checks it uses (about 15 KB minified against zod's 98 KB), which keeps
 * the admin function's initialisation within budget (docs/benchmarks.md).
 */
import * as z from 'zod/mini';
import { invalid } from '../errors';

/** An id that appears in URLs: environments, activities, users. */
export const idPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export const nonEmpty = (what: string, max = 500) =>
  z
    .string({ error: `${what} must be a string` })
    .check(
      z.trim(),
      z.minLength(1, { error: `${what} must not be empty` }),
      z.maxLength(max, { error: `${what} must be at most ${max} characters` }),
    );

export const absoluteUrl = (what: string) =>
  nonEmpty(what, 2000).check(
    z.refine(
      (value) => {
        try {
          const url = new URL(value);
          return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
        } catch {
          return false;
        }
      },
      { error: `${what} must be an absolute http(s) URL` },
    ),
  );

/** Parses `value` with `schema`, or throws a 400 naming the first invalid field. */
export function parse<S extends z.ZodMiniType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const name = [...issue.path, issue.keys[0]].join('.');
    throw invalid(name, `unknown field ${name}`);
  }
  const field = issue.path.join('.') || 'body';
  const message = issue.code === 'invalid_type' && issue.input === undefined ? `${field} is required` : issue.message;
  throw invalid(field, message);
}

/** Checks a path id; a malformed id cannot exist, so it is a 404 rather than a 400. */
export function validId(value: string): boolean {
  return idPattern.test(value);
}
