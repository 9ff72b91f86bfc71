/**
 * The error answer of the academy's dynamic registration endpoints (LTI Dynamic Registration 1.0
 * §3.6.2, after OpenID Connect Dynamic Client Registration 1.0 §3.3): `{error, error_description}`
 * as an OAuth 2 error, with the `field` at fault so that a tool's developer need not guess, and the
 * RFC 6750 §3 challenge where a registration token is at fault.
 */
import { json } from '../responses';
import { errorDescription } from './error-description';
import { shownMessage, type Renderer } from './renderer';

export const registrationJson: Renderer = (error) => {
  const description = errorDescription(shownMessage(error, 'internal error'));
  const body = { error: error.code, error_description: description, ...(error.expose && error.field ? { field: error.field } : {}) };
  const challenge: Record<string, string> =
    error.challenge === 'Bearer' ? { 'www-authenticate': `Bearer error="${error.code}", error_description="${description}"` } : {};
  return json(error.status, body, challenge);
};
