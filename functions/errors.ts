/**
 * Typed errors that carry what goes on the wire: HTTP status, a stable code, and a message that
 * names the parameter, field or claim. They become responses once, at the edge
 * (`functions/http/lambda.ts`); anything else becomes a generic 500 with the detail in the log only.
 */

export interface HttpErrorOptions {
  /** The request field, parameter or claim at fault, when there is one. */
  readonly field?: string;
  /** Extra machine-readable detail that is safe to show. */
  readonly detail?: Record<string, unknown>;
}

export class HttpError extends Error {
  override name = 'HttpError';
  readonly field?: string;
  readonly detail?: Record<string, unknown>;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message);
    this.field = options.field;
    this.detail = options.detail;
  }
}

/** 400: the request is invalid; `field` names what is wrong. */
export const invalid = (field: string, message: string): HttpError =>
  new HttpError(400, 'invalid_request', message, { field });

export const notFound = (what: string): HttpError => new HttpError(404, 'not_found', `${what} not found`);

export const conflict = (message: string, field?: string): HttpError =>
  new HttpError(409, 'conflict', message, { field });

export const forbidden = (message: string): HttpError => new HttpError(403, 'forbidden', message);

/**
 * Why an environment with LTI switched off refuses an LTI request or setting, in every format: a
 * phrase in JSON answers, a sentence (with a full stop) on launch pages, in POX and token errors.
 */
export const ltiDisabledMessage = 'LTI is not enabled in this environment';

/** Thrown by stores when a conditional write loses (uniqueness, single use, concurrent change). */
export class ConditionFailedError extends Error {
  override name = 'ConditionFailedError';

  /** `reason` is a stable code (e.g. `email-taken`) for callers that must tell conditions apart. */
  constructor(
    message: string,
    readonly reason = 'condition',
  ) {
    super(message);
  }
}
