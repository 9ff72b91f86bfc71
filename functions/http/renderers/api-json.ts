/**
 * The error answer of the JSON APIs that are not OAuth endpoints (the admin API, Assignment and
 * Grade Services, the key set): `{error, message, field?}` with any safe `detail` members, where
 * `error` is the error's code and `field` the parameter or body field at fault. A bearer token's
 * error also carries its RFC 6750 §3 challenge: `WWW-Authenticate: Bearer error="…",
 * error_description="…"`.
 */
import type { HttpError } from '../../errors';
import { json } from '../responses';
import { errorDescription } from './error-description';
import type { Renderer } from './renderer';

const challenge = (error: HttpError): Record<string, string> =>
  error.challenge === 'Bearer'
    ? { 'www-authenticate': `Bearer error="${error.code}", error_description="${errorDescription(error.message)}"` }
    : {};

export const apiJson: Renderer = (error) => {
  if (!error.expose) return json(error.status, { error: error.code, message: 'internal error' });
  const body = { error: error.code, message: error.message, ...(error.field ? { field: error.field } : {}), ...error.detail };
  return json(error.status, body, challenge(error));
};
