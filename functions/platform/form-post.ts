/**
 * OAuth 2.0 Form Post Response Mode (Security 1.0 §5.1.1.3): the authorization response as an HTML
 * page whose form posts its fields to the redirect URI, submitted by a one-line script, with a
 * visible button for browsers without script. The Content-Security-Policy allows exactly that
 * script (by its hash), no other resource, and form submissions to the redirect URI's origin and to
 * `https:` (`http:` too for an http redirect URI, local mode only): Chromium applies `form-action`
 * to every redirect that follows the post, and tools send the learner on from their redirect URI to
 * other origins (lti-bridge itself, as a tool, answers a launch with a 303 to the academy), which a
 * policy of the redirect URI's origin alone blocks (checked with Debian's Chromium). `javascript:`
 * and `data:` targets stay blocked; the one form's action is a registered redirect URI, escaped.
 */
import { createHash } from 'node:crypto';
import { escapeHtml, html, page } from '../http/responses';
import type { ApiResult } from '../http/types';

const submitScript = 'document.forms[0].submit();';
const scriptHash = `sha256-${createHash('sha256').update(submitScript).digest('base64')}`;

/** A 200 page that posts `fields` to `action`; `cookies` are set with it. */
export function formPostPage(action: string, fields: Readonly<Record<string, string>>, cookies: string[] = []): ApiResult {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  const body =
    `<form method="post" action="${escapeHtml(action)}">${inputs}` +
    '<p>Opening the activity…</p><noscript><p>Script is off in this browser: press Continue.</p></noscript>' +
    '<button type="submit">Continue</button></form>' +
    `<script>${submitScript}</script>`;
  const target = new URL(action);
  const formAction = [target.origin, 'https:', ...(target.protocol === 'http:' ? ['http:'] : [])].join(' ');
  const result = html(200, page('Opening the activity', body), {}, `; script-src '${scriptHash}'; form-action ${formAction}`);
  return cookies.length > 0 ? { ...result, cookies } : result;
}
