import type { HttpError } from '../../errors';
import type { ErrorContext } from '../error-context';
import type { ApiResult } from '../types';

/** Turns an error into the answer of one format; called by the edge only (`../lambda.ts`). */
export type Renderer = (error: HttpError, context: ErrorContext) => ApiResult;

/** The message to render: the error's own when it may be shown, else `generic`. */
export function shownMessage(error: HttpError, generic: string): string {
  return error.expose ? error.message : generic;
}
