/**
 * Typed errors that carry what goes on the wire: the HTTP status, a stable snake_case `code`, a
 * message that names the parameter, field or claim, that parameter as `field`, whether the message
 * is safe to show (`expose`), and what caused it (`cause`, logged, never shown). Endpoints throw
 * them; they become responses once, at the edge (`functions/http/lambda.ts`), by the renderer the
 * handler declares (`functions/http/renderers/`). Anything else becomes a generic 500 there, with
 * the detail in the log only.
 *
 * The subclasses carry what one renderer needs besides: what a launch parameter is for (the launch
 * page), that an authorization error may go back to the client (the form post), the POX
 * `imsx_codeMajor` (Basic Outcomes).
 */

export interface HttpErrorOptions {
  /** The request parameter, claim, header or body field at fault, as the request names it. */
  readonly field?: string;
  /**
   * Whether the message may be shown to the caller: by default below 500 only. A hidden message is
   * logged and replaced by a generic one; the code is always shown.
   */
  readonly expose?: boolean;
  /** What led to this error (ES2022 `Error.cause`): logged at the edge, never rendered. */
  readonly cause?: unknown;
  /** RFC 6750 §3: the answer carries a `WWW-Authenticate: Bearer` challenge with the code and message. */
  readonly challenge?: 'Bearer';
  /** Headers the answer carries whatever its format, e.g. `Allow` with a 405 (RFC 9110 §15.5.6). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Extra members of a JSON error answer, safe to show (e.g. the activities that use a tool). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

export class HttpError extends Error {
  override name = 'HttpError';
  readonly field?: string;
  readonly expose: boolean;
  readonly challenge?: 'Bearer';
  readonly headers?: Readonly<Record<string, string>>;
  readonly detail?: Readonly<Record<string, unknown>>;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.field = options.field;
    this.expose = options.expose ?? status < 500;
    this.challenge = options.challenge;
    this.headers = options.headers;
    this.detail = options.detail;
  }
}

/**
 * An error of a launch (LTI 1.x basic launch, LTI 1.3 login or launch): shown on the launch page,
 * which names the parameter or claim at fault and what it is for, so that a learner can pass it on
 * and an LMS administrator can fix the LMS's settings.
 */
export class LaunchError extends HttpError {
  override name = 'LaunchError';

  constructor(
    status: number,
    code: string,
    message: string,
    /** The launch parameter or claim at fault. */
    parameter?: string,
    /** What the parameter is used for, shown to the learner and the LMS administrator. */
    readonly purpose?: string,
    options: Omit<HttpErrorOptions, 'field'> = {},
  ) {
    super(status, code, message, { ...options, field: parameter });
  }
}

/**
 * An OAuth 2.0 / OpenID Connect authentication error (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6): `code`
 * is the `error`. It goes back to the client's redirect URI once that URI is known to be registered;
 * before that (and for every other error of the endpoint) the browser is shown a page.
 */
export class AuthorizationError extends HttpError {
  override name = 'AuthorizationError';

  constructor(code: string, message: string, options: HttpErrorOptions = {}) {
    super(400, code, message, options);
  }
}

/** The `imsx_codeMajor` of a Basic Outcomes answer that is not a success (LTI 1.1 IG §6). */
export type OutcomeCodeMajor = 'failure' | 'unsupported';

/**
 * An error of the Basic Outcomes service: answered in POX, `imsx_codeMajor` saying whether the
 * request failed or asked for something unsupported. The status is 200 for what the tool's request
 * asks wrongly once it is authenticated (LTI 1.1 IG §6; what tools read), else 4xx.
 */
export class OutcomeError extends HttpError {
  override name = 'OutcomeError';
  readonly codeMajor: OutcomeCodeMajor;

  constructor(status: number, code: string, message: string, options: HttpErrorOptions & { readonly codeMajor?: OutcomeCodeMajor } = {}) {
    super(status, code, message, options);
    this.codeMajor = options.codeMajor ?? 'failure';
  }
}

/**
 * A stored secret that does not open in its record's context (`ports/secrets.ts`): the record was
 * altered, or the ciphertext was copied from another record or sealed by another key. Nothing the
 * caller sent can fix it, so it is a 500 whose detail is logged, never shown.
 */
export class UnreadableSecretError extends HttpError {
  override name = 'UnreadableSecretError';

  constructor(message: string, options: Pick<HttpErrorOptions, 'cause'> = {}) {
    super(500, 'secret_unreadable', message, { ...options, expose: false });
  }
}

/** 400: the request is invalid; `field` names what is wrong. */
export const invalid = (field: string, message: string): HttpError => new HttpError(400, 'invalid_request', message, { field });

export const notFound = (what: string): HttpError => new HttpError(404, 'not_found', `${what} not found`);

export const conflict = (message: string, field?: string): HttpError => new HttpError(409, 'conflict', message, { field });

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
