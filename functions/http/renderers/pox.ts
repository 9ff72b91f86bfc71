/**
 * The answers of the Basic Outcomes service (LTI 1.1 IG §6, lti-bo v1p1) in POX: an
 * `imsx_POXEnvelopeResponse` whose `imsx_codeMajor` carries the result and whose
 * `imsx_messageRefIdentifier` echoes the request's identifier, for a success and for an error.
 *
 * An error answers its status (200 for what an authenticated tool asked wrongly, which is what tools
 * read; 4xx otherwise, 401 with `WWW-Authenticate: OAuth`) with a `failure` (or `unsupported`) body
 * whose `imsx_description` says why, so that a tool which only reads the body learns the reason.
 * The POX format has no place for the stable code: the `imsx_codeMinor` values are a closed IMS
 * vocabulary. The code is in the log, and in the error the tests see.
 *
 * The namespace and the operations' names live here, with the writer, because the edge may not
 * import `lti12/` (which imports the edge); `../../lti12/pox.ts` builds requests and parses both.
 */
import { randomUUID } from 'node:crypto';
import { XMLBuilder } from 'fast-xml-parser';
import { OutcomeError } from '../../errors';
import type { ErrorContext } from '../error-context';
import type { ApiResult } from '../types';
import { shownMessage, type Renderer } from './renderer';

export const poxNamespace = 'http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0';

/** The operations of Basic Outcomes (LTI 1.1 IG §6.1). */
export type PoxOperation = 'replaceResult' | 'readResult' | 'deleteResult';
export const poxOperations: readonly PoxOperation[] = ['replaceResult', 'readResult', 'deleteResult'];

export type PoxCodeMajor = 'success' | 'processing' | 'failure' | 'unsupported';
export type PoxSeverity = 'status' | 'warning' | 'error';

const declaration = '<?xml version="1.0" encoding="UTF-8"?>';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true });

const xmlName = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** A POX document: the XML declaration and `document` (attributes prefixed `@_`, empty elements self-closed). */
export function writePox(document: Record<string, unknown>): string {
  return declaration + builder.build(document);
}

/**
 * Builds a Basic Outcomes response (LTI 1.1 IG §6.1, Figures 4, 6 and 8): the status with
 * `imsx_messageRefIdentifier` echoing the request's identifier, and the operation's response element
 * (`readResultResponse` carries the score when `score` is given, '' meaning "no score").
 */
export function buildPoxResponse(input: {
  messageId: string;
  messageRefIdentifier: string;
  operation: string;
  codeMajor: PoxCodeMajor;
  severity: PoxSeverity;
  description: string;
  score?: string;
}): string {
  const body: Record<string, unknown> = {};
  if ((poxOperations as readonly string[]).includes(input.operation)) {
    const element = `${input.operation}Response`;
    body[element] =
      input.operation === 'readResult' && input.score !== undefined
        ? { result: { resultScore: { language: 'en', textString: input.score } } }
        : '';
  }
  const statusInfo: Record<string, unknown> = {
    imsx_codeMajor: input.codeMajor,
    imsx_severity: input.severity,
    imsx_description: input.description,
    imsx_messageRefIdentifier: input.messageRefIdentifier,
  };
  if (xmlName.test(input.operation)) statusInfo.imsx_operationRefIdentifier = input.operation;
  return writePox({
    imsx_POXEnvelopeResponse: {
      '@_xmlns': poxNamespace,
      imsx_POXHeader: {
        imsx_POXResponseHeaderInfo: {
          imsx_version: 'V1.0',
          imsx_messageIdentifier: input.messageId,
          imsx_statusInfo: statusInfo,
        },
      },
      imsx_POXBody: body,
    },
  });
}

/** What an answer says: the status info, and `readResult`'s score. */
export interface PoxOutcome {
  readonly codeMajor: PoxCodeMajor;
  readonly severity: PoxSeverity;
  readonly description: string;
  /** readResult: the score as 0.0..1.0, '' for none. */
  readonly score?: string;
}

/** The HTTP answer: `outcome` for the request that `echo` identifies (its identifier and operation). */
export function poxAnswer(status: number, echo: ErrorContext['pox'], outcome: PoxOutcome): ApiResult {
  return {
    statusCode: status,
    headers: {
      'content-type': 'application/xml; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...(status === 401 ? { 'www-authenticate': 'OAuth' } : {}),
    },
    body: buildPoxResponse({
      messageId: randomUUID(),
      messageRefIdentifier: echo?.messageRefIdentifier ?? '',
      operation: echo?.operation ?? '',
      ...outcome,
    }),
  };
}

export const pox: Renderer = (error, context) => {
  const codeMajor = error instanceof OutcomeError ? error.codeMajor : 'failure';
  return poxAnswer(error.status, context.pox, {
    codeMajor,
    severity: codeMajor === 'unsupported' ? 'status' : 'error',
    description: shownMessage(error, 'internal error'),
  });
};
