/**
 * The page that carries a launch from the academy to a tool in the learner's browser: a form of
 * hidden fields that posts itself to the tool, with a visible button for browsers without script.
 * Used by the LTI 1.2 launch (`functions/lti12/platform-launch-form.ts`) and the LTI 1.3 form post
 * response (`functions/http/renderers/form-post.ts`).
 *
 * Every value is HTML-escaped. The Content-Security-Policy allows only the one inline script (by
 * its hash), no other resource, and form posts to the action's origin and to `https:` (plus `http:`
 * when the action is http, as in local mode): Chromium applies `form-action` to every redirect that
 * follows the post, and tools send the learner on to other origins (lti-bridge itself, as a tool,
 * answers a launch with a 303 to the academy), so a policy of the action's origin alone blocks
 * those launches (seen in `test/functions/lti12/self-loop.browser.test.ts` and
 * `test/e2e/self-loop.browser.test.ts`). `javascript:` and `data:` targets stay blocked.
 */
import { createHash } from 'node:crypto';
import { escapeHtml, html, page } from './responses';
import type { ApiResult } from './types';

export interface AutoSubmitForm {
  /** Where the form posts: an absolute http(s) URL the caller trusts (a tool's launch URL, a registered redirect URI). */
  readonly action: string;
  /** The hidden fields, in order; a name may repeat. */
  readonly fields: Iterable<readonly [string, string]>;
  /** The page's title. */
  readonly title: string;
  /** Plain text shown to the learner: a heading (optional), a note, a note for browsers without script (optional), the button's label. */
  readonly heading?: string;
  readonly note: string;
  readonly noscriptNote?: string;
  readonly button: string;
}

const formId = 'lti-launch';
const submitScript = `document.getElementById('${formId}').submit();`;
const submitScriptHash = `'sha256-${createHash('sha256').update(submitScript).digest('base64')}'`;

/** The `form-action` sources of a form that posts to `action`. */
export function formActionSources(action: string): string {
  const target = new URL(action);
  return [target.origin, 'https:', ...(target.protocol === 'http:' ? ['http:'] : [])].join(' ');
}

/** A 200 page whose form posts `form.fields` to `form.action` by itself. */
export function autoSubmitFormPage(form: AutoSubmitForm): ApiResult {
  const inputs = [...form.fields]
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  const body =
    (form.heading !== undefined ? `<h1>${escapeHtml(form.heading)}</h1>` : '') +
    `<form id="${formId}" method="post" action="${escapeHtml(form.action)}" accept-charset="utf-8" enctype="application/x-www-form-urlencoded">` +
    inputs +
    `<p>${escapeHtml(form.note)}</p>` +
    (form.noscriptNote !== undefined ? `<noscript><p>${escapeHtml(form.noscriptNote)}</p></noscript>` : '') +
    `<button type="submit">${escapeHtml(form.button)}</button>` +
    '</form>' +
    `<script>${submitScript}</script>`;
  return html(200, page(form.title, body), {}, `; script-src ${submitScriptHash}; form-action ${formActionSources(form.action)}`);
}
