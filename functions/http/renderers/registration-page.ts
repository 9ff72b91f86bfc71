/**
 * How an LMS administrator sees the error of a Dynamic Registration (the academy as tool): a page
 * with the right status that says what went wrong, names the field or parameter at fault and ends
 * with the stable code, with the Close button that tells the LMS the registration is over
 * (Dynamic Registration 1.0 §3.7: the message is posted on failure too).
 */
import { closePage } from '../close-page';
import { escapeHtml } from '../responses';
import { shownMessage, type Renderer } from './renderer';

export const registrationPage: Renderer = (error) => {
  const title = error.expose ? 'The registration did not complete' : 'Something went wrong';
  const parts = [`<p>${escapeHtml(shownMessage(error, 'Please try again later.'))}</p>`, '<p>Nothing was registered in the academy.</p>'];
  if (error.expose && error.field) parts.push(`<p>The field or parameter at fault: <code>${escapeHtml(error.field)}</code></p>`);
  parts.push(`<p><small>Error code: ${escapeHtml(error.code)}${error.field ? ` (${escapeHtml(error.field)})` : ''}</small></p>`);
  return closePage(error.status, title, parts.join(''));
};
