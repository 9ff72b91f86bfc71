/**
 * The error answer of an OAuth 2 token endpoint (RFC 6749 §5.2): `{error, error_description}` and
 * nothing else, where `error` is the error's code (for this endpoint's errors, one of §5.2's), and
 * `Cache-Control: no-store` with `Pragma: no-cache` as on every token answer (§5.1).
 */
import { json } from '../responses';
import { errorDescription } from './error-description';
import { shownMessage, type Renderer } from './renderer';

/** RFC 6749 §5.1-5.2: `Cache-Control: no-store` (every answer has it) and `Pragma: no-cache`. */
export const oauthNoCache = { pragma: 'no-cache' } as const;

export const oauthJson: Renderer = (error) =>
  json(error.status, { error: error.code, error_description: errorDescription(shownMessage(error, 'internal error')) }, oauthNoCache);
