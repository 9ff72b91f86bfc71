/**
 * How a learner and an LMS administrator see the error of a launch: an HTML page with the right
 * status that says what went wrong, names the parameter and what it is for, and ends with a small
 * line of the stable code (what to quote to support); or, once an LTI 1.x launch's signature has
 * been verified and the LMS gave a `launch_presentation_return_url`, a redirect back to the LMS with
 * `lti_errormsg` and `lti_errorlog` (LTI 1.1 IG §4.3; Core 1.3 §5.4.4 keeps them).
 */
import { LaunchError, type HttpError } from '../../errors';
import { escapeHtml, html, page, redirect } from '../responses';
import type { ApiResult } from '../types';
import { shownMessage, type Renderer } from './renderer';

const titles: Record<number, string> = {
  400: 'This launch is incomplete',
  401: 'This launch could not be verified',
  403: 'This launch is not allowed',
  404: 'This activity is not available',
};

/** The code and the parameter, as `lti_errorlog` has them too: `missing_parameter (oauth_nonce)`. */
const codeAndField = (error: HttpError) => `${error.code}${error.field ? ` (${error.field})` : ''}`;

/** The HTML page of a launch error; `cookies` are set with it. */
export function launchErrorPage(error: HttpError, cookies: readonly string[] = []): ApiResult {
  const title = !error.expose
    ? 'Something went wrong'
    : error.code === 'lti_disabled'
      ? 'LTI is not enabled'
      : (titles[error.status] ?? 'This launch cannot be completed');
  const parts = [`<h1>${escapeHtml(title)}</h1>`, `<p>${escapeHtml(shownMessage(error, 'Please try again later.'))}</p>`];
  if (error.expose && error.field) {
    parts.push(
      error instanceof LaunchError && error.purpose
        ? `<p>What <code>${escapeHtml(error.field)}</code> is for: ${escapeHtml(error.purpose)}</p>`
        : `<p>The parameter at fault: <code>${escapeHtml(error.field)}</code></p>`,
    );
  }
  if (error.expose) parts.push('<p>If you are a learner, please tell the administrator of the system you came from.</p>');
  parts.push(`<p><small>Error code: ${escapeHtml(codeAndField(error))}</small></p>`);
  const result = html(error.status, page(title, parts.join('')));
  return cookies.length > 0 ? { ...result, cookies: [...cookies] } : result;
}

/** A redirect to the LMS's return URL carrying the error (only after a verified signature). */
export function returnWithError(returnUrl: string, error: HttpError): ApiResult | undefined {
  let url: URL;
  try {
    url = new URL(returnUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  url.searchParams.set('lti_errormsg', error.message);
  url.searchParams.set('lti_errorlog', `lti-bridge: ${codeAndField(error)}`);
  return redirect(url.toString(), 302);
}

/**
 * The renderer of every launch and of the academy's own launch links: back to a verified LTI 1.x
 * launch's return URL when the context gives one and the error is the request's (below 500), else
 * the page.
 */
export const launchPage: Renderer = (error, context) => {
  if (context.returnUrl && error.status < 500 && error.expose) {
    const back = returnWithError(context.returnUrl, error);
    if (back) return back;
  }
  return launchErrorPage(error, context.cookies);
};
