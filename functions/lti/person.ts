/**
 * The learner as real LMSs describe them, for both LTI versions (docs/product.md "Who is who at a
 * launch"): values an LMS failed to substitute are absent, and names fall back rather than refuse
 * a launch.
 */
import { badParameter } from './errors';
import type { LaunchedPerson } from '../academy/launch';

/**
 * A custom or standard variable the LMS did not substitute (`$User.id`, `$Person.email.primary`,
 * `$Canvas.user.id`; LTI 1.1 IG §B, Core 1.3 §5.4.1 variable substitution): it says nothing about the
 * learner, so it is treated as absent and never stored.
 */
const unsubstituted = /^\$[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+$/;

/** The value trimmed, or undefined when empty, not a string, or an unsubstituted variable. */
export function launchValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' || unsubstituted.test(trimmed) ? undefined : trimmed;
}

const emailPattern = /^[^\s@]+@[^\s@]+$/;

/** What the launch sent about the learner, each value already read with `launchValue`. */
export interface PersonFields {
  readonly email?: string;
  readonly givenName?: string;
  readonly familyName?: string;
  /** The full name (`lis_person_name_full`, `name`). */
  readonly name?: string;
}

/**
 * The part of a full name that remains when the part that is known is taken off its start (a given
 * name) or end (a family name); the whole name when it does not hold that part.
 */
function remainder(full: string, known: string | undefined, at: 'start' | 'end'): string {
  if (!known || full.length <= known.length) return full;
  const lower = full.toLowerCase();
  const holds = at === 'start' ? lower.startsWith(known.toLowerCase()) : lower.endsWith(known.toLowerCase());
  if (!holds) return full;
  const rest = at === 'start' ? full.slice(known.length) : full.slice(0, full.length - known.length);
  return rest.trim() || full;
}

/** Both parts from a full name alone: the last word is the family name; a one-word name is both. */
function split(full: string): { givenName: string; familyName: string } {
  const words = full.split(/\s+/);
  if (words.length < 2) return { givenName: full, familyName: full };
  return { givenName: words.slice(0, -1).join(' '), familyName: words[words.length - 1]! };
}

/**
 * The learner's names with their fallbacks: an empty or missing part (mononyms; Canvas sends an
 * empty family name for some accounts) falls back to the full name (less the part that is known,
 * when the full name holds it), then to the other part, then to the email's local part. The email
 * is checked when sent: a malformed one is refused only when the academy needs it (`needEmail`: the
 * learner is not known by external id yet).
 */
export function launchedPerson(
  fields: PersonFields,
  needEmail: boolean,
  emailParameter: { readonly name: string; readonly purpose: string },
): LaunchedPerson {
  let email = fields.email;
  if (email !== undefined && !emailPattern.test(email)) {
    if (needEmail)
      throw badParameter(emailParameter.name, `The launch's ${emailParameter.name} is not an email address.`, emailParameter.purpose);
    email = undefined;
  }
  const { givenName: given, familyName: family, name } = fields;
  const local = email?.slice(0, email.lastIndexOf('@'));
  let names: { givenName: string; familyName: string };
  if (given && family) names = { givenName: given, familyName: family };
  else if (name && !given && !family) names = split(name);
  else if (name) names = { givenName: given ?? remainder(name, family, 'end'), familyName: family ?? remainder(name, given, 'start') };
  else {
    const only = given ?? family ?? local ?? '';
    names = { givenName: given ?? only, familyName: family ?? only };
  }
  return { ...(email ? { email } : {}), ...names };
}
