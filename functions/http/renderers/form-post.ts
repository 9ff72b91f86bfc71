/**
 * OAuth 2.0 Form Post Response Mode (Security 1.0 §5.1.1.3): the authorization response as an HTML
 * page whose form posts its fields to the redirect URI by itself (`../auto-submit-form.ts`:
 * the hash-pinned script, and the `form-action` policy of the redirect URI's origin and `https:`).
 * The one form's action is a registered redirect URI.
 */
import { autoSubmitFormPage } from '../auto-submit-form';
import type { ApiResult } from '../types';

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
