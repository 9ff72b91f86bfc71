/**
 * Basic Outcomes POX messages (LTI 1.1 Implementation Guide §6, "LTI Basic Outcomes Service" v1p1):
 * building and parsing the `imsx_POXEnvelopeRequest` / `imsx_POXEnvelopeResponse` documents in the
 * namespace `http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0`.
 *
 * Both sides of lti-bridge use this file: the platform's outcomes service parses requests; the
 * tool's passback builds requests and parses the LMS's responses. The responses the platform sends
 * are written at the edge, by `../http/renderers/pox.ts`, which also holds the namespace and the
 * operations' names.
 *
 * Parsing is hostile-input safe: the size is bounded, any `<!DOCTYPE` or `<!ENTITY` is refused
 * before parsing (no external entity, no billion laughs), and fast-xml-parser runs with entity
 * processing off. Only the five predefined XML entities and numeric character references are
 * decoded, by hand, and they cannot expand.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { poxNamespace, writePox, type PoxOperation } from '../http/renderers/pox';

/** The largest POX document accepted, in bytes (a real one is well under 2 KB). */
export const maxPoxBytes = 64 * 1024;

export type PoxErrorReason = 'too-large' | 'doctype' | 'malformed' | 'not-pox';

/** A POX document that cannot be accepted; `reason` is stable for callers, `message` says why. */
export class PoxError extends Error {
  override name = 'PoxError';

  constructor(
    readonly reason: PoxErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export interface PoxRequest {
  messageId: string;
  /** The body's operation element name minus `Request` (e.g. `replaceResult`, or `smurfResult`); '' when the body is empty. */
  operation: string;
  sourcedId?: string;
  /** `resultScore/textString` as sent (trimmed), for `replaceResult`. */
  score?: string;
  /** `resultScore/language` as sent. */
  language?: string;
}

export interface PoxResponse {
  codeMajor: string;
  severity?: string;
  description?: string;
  messageRefIdentifier?: string;
  operationRefIdentifier?: string;
  /** `readResultResponse/result/resultScore/textString` ('' when the result has no score). */
  score?: string;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
});

/** Builds a Basic Outcomes request (LTI 1.1 IG §6.1.1–6.1.3, Figures 3, 5 and 7). */
export function buildPoxRequest(input: {
  messageId: string;
  operation: PoxOperation;
  sourcedId: string;
  score?: string;
  language?: string;
}): string {
  const resultRecord: Record<string, unknown> = { sourcedGUID: { sourcedId: input.sourcedId } };
  if (input.operation === 'replaceResult' && input.score !== undefined) {
    resultRecord.result = { resultScore: { language: input.language ?? 'en', textString: input.score } };
  }
  return writePox({
    imsx_POXEnvelopeRequest: {
      '@_xmlns': poxNamespace,
      imsx_POXHeader: {
        imsx_POXRequestHeaderInfo: { imsx_version: 'V1.0', imsx_messageIdentifier: input.messageId },
      },
      imsx_POXBody: { [`${input.operation}Request`]: { resultRecord } },
    },
  });
}

/** Parses a Basic Outcomes request; throws {@link PoxError} on anything that is not one. */
export function parsePoxRequest(xml: string): PoxRequest {
  const root = parseDocument(xml, 'imsx_POXEnvelopeRequest');
  const header = child(child(root, 'imsx_POXHeader'), 'imsx_POXRequestHeaderInfo');
  const messageId = text(child(header, 'imsx_messageIdentifier'));
  if (!messageId) throw new PoxError('not-pox', 'imsx_messageIdentifier is missing');
  const body = child(root, 'imsx_POXBody');
  const element = isRecord(body) ? Object.keys(body)[0] : undefined;
  if (element === undefined) return { messageId, operation: '' };
  const operation = element.endsWith('Request') ? element.slice(0, -'Request'.length) : element;
  const record = child(child(body, element), 'resultRecord');
  const resultScore = child(child(record, 'result'), 'resultScore');
  return {
    messageId,
    operation,
    sourcedId: text(child(child(record, 'sourcedGUID'), 'sourcedId')),
    score: text(child(resultScore, 'textString')),
    language: text(child(resultScore, 'language')),
  };
}

/** Parses a Basic Outcomes response; throws {@link PoxError} on anything that is not one. */
export function parsePoxResponse(xml: string): PoxResponse {
  const root = parseDocument(xml, 'imsx_POXEnvelopeResponse');
  const status = child(child(child(root, 'imsx_POXHeader'), 'imsx_POXResponseHeaderInfo'), 'imsx_statusInfo');
  const codeMajor = text(child(status, 'imsx_codeMajor'));
  if (!codeMajor) throw new PoxError('not-pox', 'imsx_codeMajor is missing');
  const resultScore = child(child(child(child(root, 'imsx_POXBody'), 'readResultResponse'), 'result'), 'resultScore');
  const score = resultScore === undefined ? undefined : (text(child(resultScore, 'textString')) ?? '');
  return {
    codeMajor,
    severity: text(child(status, 'imsx_severity')),
    description: text(child(status, 'imsx_description')),
    messageRefIdentifier: text(child(status, 'imsx_messageRefIdentifier')),
    operationRefIdentifier: text(child(status, 'imsx_operationRefIdentifier')),
    ...(score === undefined ? {} : { score }),
  };
}

/** Size bound, DTD refusal, well-formedness, then the root element (namespace prefixes removed). */
function parseDocument(xml: string, rootName: string): Record<string, unknown> {
  if (Buffer.byteLength(xml, 'utf8') > maxPoxBytes) {
    throw new PoxError('too-large', `the POX document exceeds ${maxPoxBytes} bytes`);
  }
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw new PoxError('doctype', 'DOCTYPE and ENTITY declarations are not accepted');
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new PoxError('malformed', `the POX document is not well-formed XML: ${valid.err.msg}`);
  let document: unknown;
  try {
    document = parser.parse(xml);
  } catch (error) {
    throw new PoxError('malformed', `the POX document cannot be parsed: ${(error as Error).message}`);
  }
  const root = child(document, rootName) === '' ? {} : child(document, rootName);
  if (!isRecord(root)) throw new PoxError('not-pox', `the document is not an ${rootName}`);
  return root;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function child(node: unknown, name: string): unknown {
  return isRecord(node) ? node[name] : undefined;
}

/** The text of a leaf element (an empty element is ''); undefined for a missing or repeated one. */
function text(node: unknown): string | undefined {
  if (typeof node === 'string') return decodeXmlText(node);
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (isRecord(node) && Object.keys(node).length === 0) return '';
  return undefined;
}

const predefined: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five predefined entities and character references (XML 1.0 §4.1, §4.6); nothing else. */
function decodeXmlText(value: string): string {
  return value.replace(/&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|(lt|gt|amp|quot|apos));/g, (match, dec, hex, name) => {
    if (name) return predefined[name as string] ?? match;
    const code = dec ? Number.parseInt(dec as string, 10) : Number.parseInt(hex as string, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : match;
  });
}
