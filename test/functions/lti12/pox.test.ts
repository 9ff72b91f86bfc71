import { buildPoxResponse, poxNamespace } from '../../../functions/http/renderers/pox';
import { buildPoxRequest, maxPoxBytes, parsePoxRequest, parsePoxResponse, PoxError } from '../../../functions/lti12/pox';

/** LTI 1.1 IG §6 Figure 3 (as reproduced in the essentials file). */
const figure3 = `<?xml version = "1.0" encoding = "UTF-8"?>
<imsx_POXEnvelopeRequest xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">
 <imsx_POXHeader><imsx_POXRequestHeaderInfo>
   <imsx_version>V1.0</imsx_version><imsx_messageIdentifier>999999123</imsx_messageIdentifier>
 </imsx_POXRequestHeaderInfo></imsx_POXHeader>
 <imsx_POXBody><replaceResultRequest><resultRecord>
   <sourcedGUID><sourcedId>3124567</sourcedId></sourcedGUID>
   <result><resultScore><language>en</language><textString>0.92</textString></resultScore></result>
 </resultRecord></replaceResultRequest></imsx_POXBody>
</imsx_POXEnvelopeRequest>`;

function poxError(fn: () => unknown): PoxError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PoxError) return error;
    throw error;
  }
  throw new Error('expected a PoxError');
}

describe('parsePoxRequest', () => {
  it('reads the spec example (IG §6 Figure 3)', () => {
    expect(parsePoxRequest(figure3)).toEqual({
      messageId: '999999123',
      operation: 'replaceResult',
      sourcedId: '3124567',
      score: '0.92',
      language: 'en',
    });
  });

  it('keeps values as text (no number coercion) and decodes predefined entities', () => {
    const xml = buildPoxRequest({ messageId: '007', operation: 'readResult', sourcedId: 'a&b<c>"d\'' });
    expect(xml).toContain('a&amp;b&lt;c&gt;');
    expect(parsePoxRequest(xml)).toMatchObject({ messageId: '007', operation: 'readResult', sourcedId: 'a&b<c>"d\'' });
  });

  it('accepts namespace prefixes and reports an unknown operation by its element name', () => {
    const xml = `<ims:imsx_POXEnvelopeRequest xmlns:ims="${poxNamespace}"><ims:imsx_POXHeader><ims:imsx_POXRequestHeaderInfo>
      <ims:imsx_version>V1.0</ims:imsx_version><ims:imsx_messageIdentifier>m-1</ims:imsx_messageIdentifier>
      </ims:imsx_POXRequestHeaderInfo></ims:imsx_POXHeader><ims:imsx_POXBody><ims:smurfResultRequest><ims:resultRecord>
      <ims:sourcedGUID><ims:sourcedId>s</ims:sourcedId></ims:sourcedGUID></ims:resultRecord></ims:smurfResultRequest>
      </ims:imsx_POXBody></ims:imsx_POXEnvelopeRequest>`;
    expect(parsePoxRequest(xml)).toMatchObject({ messageId: 'm-1', operation: 'smurfResult', sourcedId: 's' });
  });

  it('reports an empty body as operation ""', () => {
    const xml = `<imsx_POXEnvelopeRequest><imsx_POXHeader><imsx_POXRequestHeaderInfo><imsx_messageIdentifier>1</imsx_messageIdentifier></imsx_POXRequestHeaderInfo></imsx_POXHeader><imsx_POXBody/></imsx_POXEnvelopeRequest>`;
    expect(parsePoxRequest(xml)).toEqual({ messageId: '1', operation: '' });
  });

  it('refuses an external entity (XXE) without reading it', () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${figure3
      .replace(/^<\?xml[^>]*>/, '')
      .replace('3124567', '&xxe;')}`;
    const error = poxError(() => parsePoxRequest(xml));
    expect(error.reason).toBe('doctype');
    expect(error.message).toBe('DOCTYPE and ENTITY declarations are not accepted');
  });

  it('refuses a billion-laughs document without expanding it', () => {
    const entities = ['<!ENTITY lol "lol">'];
    for (let i = 1; i <= 9; i++) entities.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
    const xml = `<!DOCTYPE lolz [${entities.join('')}]><imsx_POXEnvelopeRequest>&lol9;</imsx_POXEnvelopeRequest>`;
    const started = Date.now();
    expect(poxError(() => parsePoxRequest(xml)).reason).toBe('doctype');
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('does not expand an undeclared entity reference', () => {
    const xml = figure3.replace('3124567', '&lol9;');
    expect(parsePoxRequest(xml).sourcedId).toBe('&lol9;');
  });

  it('refuses a document over the size bound', () => {
    const xml = figure3.replace('3124567', 'x'.repeat(maxPoxBytes));
    const error = poxError(() => parsePoxRequest(xml));
    expect(error.reason).toBe('too-large');
    expect(error.message).toBe(`the POX document exceeds ${maxPoxBytes} bytes`);
  });

  it('refuses malformed XML, other roots and a missing message identifier', () => {
    expect(poxError(() => parsePoxRequest('<a><b></a>')).reason).toBe('malformed');
    expect(poxError(() => parsePoxRequest('score=0.5')).reason).toBe('malformed');
    expect(poxError(() => parsePoxRequest('<other/>')).message).toBe('the document is not an imsx_POXEnvelopeRequest');
    expect(poxError(() => parsePoxRequest('<imsx_POXEnvelopeRequest><imsx_POXBody/></imsx_POXEnvelopeRequest>')).message).toBe(
      'imsx_messageIdentifier is missing',
    );
  });
});

describe('buildPoxRequest', () => {
  it('builds the namespaced envelope with the score only for replaceResult', () => {
    const replace = buildPoxRequest({ messageId: 'm', operation: 'replaceResult', sourcedId: 's', score: '0.5' });
    expect(replace).toContain(`<imsx_POXEnvelopeRequest xmlns="${poxNamespace}">`);
    expect(replace).toContain('<resultScore><language>en</language><textString>0.5</textString></resultScore>');
    const del = buildPoxRequest({ messageId: 'm', operation: 'deleteResult', sourcedId: 's', score: '0.5' });
    expect(del).toContain(
      '<deleteResultRequest><resultRecord><sourcedGUID><sourcedId>s</sourcedId></sourcedGUID></resultRecord></deleteResultRequest>',
    );
  });
});

describe('buildPoxResponse and parsePoxResponse', () => {
  const base = { messageId: 'r-1', messageRefIdentifier: 'q<1>', codeMajor: 'success', severity: 'status', description: 'ok' } as const;

  it('answers replaceResult with an empty replaceResultResponse and echoes the request id', () => {
    const xml = buildPoxResponse({ ...base, operation: 'replaceResult' });
    expect(xml).toContain('<imsx_POXBody><replaceResultResponse/></imsx_POXBody>');
    expect(xml).toContain('<imsx_messageRefIdentifier>q&lt;1&gt;</imsx_messageRefIdentifier>');
    expect(parsePoxResponse(xml)).toEqual({
      codeMajor: 'success',
      severity: 'status',
      description: 'ok',
      messageRefIdentifier: 'q<1>',
      operationRefIdentifier: 'replaceResult',
    });
  });

  it('carries a readResult score, and an empty textString for no score', () => {
    expect(parsePoxResponse(buildPoxResponse({ ...base, operation: 'readResult', score: '0.91' })).score).toBe('0.91');
    const empty = buildPoxResponse({ ...base, operation: 'readResult', score: '' });
    expect(empty).toContain('<textString/>');
    expect(parsePoxResponse(empty).score).toBe('');
  });

  it('answers an unknown operation with an empty body and names it', () => {
    const xml = buildPoxResponse({ ...base, codeMajor: 'unsupported', operation: 'smurfResult' });
    expect(xml).toContain('<imsx_POXBody/>');
    expect(parsePoxResponse(xml)).toMatchObject({ codeMajor: 'unsupported', operationRefIdentifier: 'smurfResult' });
  });

  it('leaves out an operation name that is not an XML name', () => {
    const xml = buildPoxResponse({ ...base, codeMajor: 'failure', severity: 'error', operation: '' });
    expect(parsePoxResponse(xml).operationRefIdentifier).toBeUndefined();
  });

  it('refuses a response with a DOCTYPE or without imsx_codeMajor', () => {
    expect(poxError(() => parsePoxResponse('<!DOCTYPE x><imsx_POXEnvelopeResponse/>')).reason).toBe('doctype');
    expect(poxError(() => parsePoxResponse('<imsx_POXEnvelopeResponse></imsx_POXEnvelopeResponse>')).message).toBe(
      'imsx_codeMajor is missing',
    );
  });
});
