/**
 * Errors of an LTI 1.x launch, and how a learner and an LMS administrator see them: an HTML page
 * with the right status that names the parameter and what it is for, or, once the signature has
 * been verified and the LMS gave a `launch_presentation_return_url`, a redirect back to the LMS
 * with `lti_errormsg` and `lti_errorlog` (LTI 1.1 IG §4.3; Core 1.3 §5.4.4 keeps them).
 */
import { HttpError, ltiDisabledMessage } from '../../errors';
import { escapeHtml, html, page, redirect } from '../responses';
import type { ApiResult } from '../types';

export class LaunchError extends HttpError {
  override name = 'LaunchError';

  constructor(
    status: number,
    code: string,
    message: string,
    /** The launch parameter or claim at fault. */
    readonly parameter?: string,
    /** What the parameter is used for, shown to the learner and the LMS administrator. */
    readonly purpose?: string,
  ) {
    super(status, code, message, { field: parameter });
  }
}

export const missing = (parameter: string, purpose: string): LaunchError =>
  new LaunchError(400, 'missing_parameter', `The launch is missing the parameter ${parameter}.`, parameter, purpose);

export const badParameter = (parameter: string, message: string, purpose?: string): LaunchError =>
  new LaunchError(400, 'invalid_parameter', message, parameter, purpose);

export const unauthorized = (message: string, parameter?: string, purpose?: string): LaunchError =>
  new LaunchError(401, 'unauthorized', message, parameter, purpose);

export const ltiDisabled = (): LaunchError =>
  new LaunchError(403, 'lti_disabled', `${ltiDisabledMessage}.`);

const titles: Record<number, string> = {
  400: 'This launch is incomplete',
  401: 'This launch could not be verified',
  403: 'This launch is not allowed',
  404: 'This activity is not available',
};

/** The HTML page of a launch error. */
export function launchErrorPage(error: HttpError): ApiResult {
  const title = error.code === 'lti_disabled' ? 'LTI is not enabled' : (titles[error.status] ?? 'This launch cannot be completed');
  const parts = [`<h1>${escapeHtml(title)}</h1>`, `<p>${escapeHtml(error.message)}</p>`];
  if (error instanceof LaunchError && error.parameter) {
    parts.push(
      error.purpose
        ? `<p>What <code>${escapeHtml(error.parameter)}</code> is for: ${escapeHtml(error.purpose)}</p>`
        : `<p>The parameter at fault: <code>${escapeHtml(error.parameter)}</code></p>`,
    );
  }
  parts.push('<p>If you are a learner, please tell the administrator of the system you came from.</p>');
  return html(error.status, page(title, parts.join('')));
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
  url.searchParams.set('lti_errorlog', `lti-bridge: ${error.code}${error.field ? ` (${error.field})` : ''}`);
  return redirect(url.toString(), 302);
}
