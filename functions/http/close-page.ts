/**
 * The page that ends an LTI Dynamic Registration in the LMS's window (Dynamic Registration 1.0
 * §3.7 "Registration Completed and Activation"): it shows the LMS administrator what happened, and
 * its Close button posts `{subject: "org.imsglobal.lti.close"}` to the window that opened it:
 * `window.opener` when the LMS opened a new tab (Brightspace), else `window.parent` (an iframe, as
 * in Canvas). The LMS then closes the frame or tab and lets the administrator review the tool.
 *
 * Nothing is posted before the administrator has read the page (Canvas closes its iframe at once on
 * the message). The Content-Security-Policy allows the one inline script, by its hash, and nothing else.
 */
import { createHash } from 'node:crypto';
import { escapeHtml, html, page } from './responses';
import type { ApiResult } from './types';

/** §3.7: the subject of the message that closes the registration window. */
export const closeMessageSubject = 'org.imsglobal.lti.close';

const buttonId = 'lti-close';
const closeScript =
  `document.getElementById('${buttonId}').addEventListener('click',function(){` +
  `(window.opener||window.parent).postMessage({subject:'${closeMessageSubject}'},'*');` +
  `if(window.opener){window.close();}});`;
const closeScriptHash = `'sha256-${createHash('sha256').update(closeScript).digest('base64')}'`;

/** A page of `bodyHtml` (already escaped) that ends with the Close button. */
export function closePage(statusCode: number, title: string, bodyHtml: string): ApiResult {
  const body =
    `<h1>${escapeHtml(title)}</h1>` +
    bodyHtml +
    `<p><button type="button" id="${buttonId}">Close</button></p>` +
    `<script>${closeScript}</script>`;
  return html(statusCode, page(title, body), {}, `; script-src ${closeScriptHash}`);
}
