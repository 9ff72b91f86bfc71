/**
 * OAuth 2.0 Form Post Response Mode (Security 1.0 §5.1.1.3): the authorization response as an HTML
 * page whose form posts its fields to the redirect URI by itself (`../auto-submit-form.ts`:
 * the hash-pinned script, and the `form-action` policy of the redirect URI's origin and `https:`).
 * The one form's action is a registered redirect URI.
 *
 * The errors of the authorization endpoint go the same way, with `error`, `error_description` and
 * `state` (OIDC Core §3.1.2.6), but only an `AuthorizationError` and only once the endpoint has
 * checked the redirect URI (RFC 6749 §4.1.2.1: an unchecked one would make it an open redirector);
 * every other error is shown as a launch page.
 */
import { AuthorizationError } from '../../errors';
import { autoSubmitFormPage } from '../auto-submit-form';
import type { ApiResult } from '../types';
import { errorDescription } from './error-description';
import { launchPage } from './launch-page';
import type { Renderer } from './renderer';

/** A 200 page that posts `fields` to `action`; `cookies` are set with it. */
export function formPostPage(action: string, fields: Readonly<Record<string, string>>, cookies: string[] = []): ApiResult {
  const result = autoSubmitFormPage({
    action,
    fields: Object.entries(fields),
    title: 'Opening the activity',
    note: 'Opening the activity…',
    noscriptNote: 'Script is off in this browser: press Continue.',
    button: 'Continue',
  });
  return cookies.length > 0 ? { ...result, cookies } : result;
}

export const formPost: Renderer = (error, context) => {
  if (!(error instanceof AuthorizationError) || !context.redirect) return launchPage(error, context);
  const { uri, state } = context.redirect;
  return formPostPage(uri, {
    error: error.code,
    error_description: errorDescription(error.message),
    ...(state !== undefined ? { state } : {}),
  });
};
