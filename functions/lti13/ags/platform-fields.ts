/**
 * Field checks for the AGS JSON bodies (line items, scores): each reads one property, throws a 400
 * that names it, and answers the value, `undefined` for an absent or `null` optional one. Written
 * out rather than with zod, which would more than double the AGS Lambda bundle (cold start).
 * Properties not read are ignored (AGS 2.0 §3.1.2 extensions, a line item's `id` on PUT).
 */
import { invalid } from '../../errors';
import { normalizeDateTime } from './platform-datetime';

export type Body = Readonly<Record<string, unknown>>;

const absent = (value: unknown) => value === undefined || value === null;

function fail(field: string, message: string, section?: string): never {
  throw invalid(field, section ? `${message} (${section})` : message);
}

/** A string; `nonBlank` refuses one that is empty after trimming, `trim` answers it trimmed. */
export function text(
  body: Body,
  field: string,
  options: { required?: boolean; max: number; nonBlank?: boolean; trim?: boolean; section?: string; label?: string },
): string | undefined {
  const name = options.label ?? field;
  const value = body[field];
  if (absent(value)) return options.required ? fail(name, `${name} is required`, options.section) : undefined;
  if (typeof value !== 'string') return fail(name, `${name} must be a string`, options.section);
  const result = options.trim ? value.trim() : value;
  if (options.nonBlank && result.trim() === '') fail(name, `${name} must not be blank`, options.section);
  if (result.length > options.max) fail(name, `${name} must be at most ${options.max} characters`, options.section);
  return result;
}

/** A finite number, strictly above `above` or at least `atLeast`. */
export function number(
  body: Body,
  field: string,
  options: { required?: boolean; above?: number; atLeast?: number; section?: string },
): number | undefined {
  const value = body[field];
  if (absent(value)) return options.required ? fail(field, `${field} is required and must be a number`, options.section) : undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) return fail(field, `${field} must be a number`, options.section);
  if (options.above !== undefined && !(value > options.above))
    fail(field, `${field} must be greater than ${options.above}`, options.section);
  if (options.atLeast !== undefined && value < options.atLeast) fail(field, `${field} must be ${options.atLeast} or more`, options.section);
  return value;
}

export function boolean(body: Body, field: string): boolean | undefined {
  const value = body[field];
  if (absent(value)) return undefined;
  if (typeof value !== 'boolean') return fail(field, `${field} must be true or false`);
  return value;
}

/** One of `values`, required. */
export function oneOf<T extends string>(body: Body, field: string, values: readonly T[], section: string): T {
  const value = body[field];
  if (typeof value !== 'string' || !values.includes(value as T)) {
    return fail(field, `${field} is required and must be one of ${values.join(', ')}`, section);
  }
  return value as T;
}

/** An ISO 8601 date and time with a time zone designator, kept as given. */
export function dateTime(
  body: Body,
  field: string,
  options: { required?: boolean; section?: string; label?: string } = {},
): string | undefined {
  const name = options.label ?? field;
  const value = text(body, field, { required: options.required, max: 64, section: options.section, label: name });
  if (value !== undefined && normalizeDateTime(value) === undefined) {
    fail(name, `${name} must be an ISO 8601 date and time with a time zone designator`, options.section);
  }
  return value;
}

/** A nested object (e.g. a score's `submission`), or undefined. */
export function object(body: Body, field: string): Body | undefined {
  const value = body[field];
  if (absent(value)) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return fail(field, `${field} must be an object`);
  return value as Body;
}
