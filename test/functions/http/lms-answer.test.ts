/**
 * Reading another system's answer (`functions/http/lms-answer.ts`): whether to retry, `Retry-After`,
 * and the quote of the body that a passback's `lastError` carries.
 */
import { answerSnippet, retryableAnswer, retryAfterSeconds, snippetLength } from '../../../functions/http/lms-answer';

const now = Date.parse('2026-11-27T10:00:00.000Z');
const answer = (status: number, body = '', headers: Record<string, string> = {}) => ({ status, body, headers });

describe('retryableAnswer', () => {
  it.each([
    [400, '', false],
    [401, '', false],
    [403, '{"error":"insufficient_scope"}', false],
    [404, '', false],
    [422, '', false],
    [408, '', true],
    [425, '', true],
    [429, '', true],
    [500, '', true],
    [503, '', true],
    // Canvas LMS REST API, "Throttling": "403 Forbidden (Rate Limit Exceeded)", to be retried later.
    [403, '403 Forbidden (Rate Limit Exceeded)', true],
  ])('HTTP %i %j → %s', (status, body, retryable) => {
    expect(retryableAnswer(answer(status, body))).toBe(retryable);
  });
});

describe('retryAfterSeconds (RFC 9110 §10.2.3)', () => {
  it('reads delay-seconds and an HTTP-date, whatever the header name case', () => {
    expect(retryAfterSeconds(answer(429, '', { 'retry-after': '120' }), now)).toBe(120);
    expect(retryAfterSeconds(answer(429, '', { 'Retry-After': ' 7 ' }), now)).toBe(7);
    expect(retryAfterSeconds(answer(503, '', { 'retry-after': 'Fri, 27 Nov 2026 10:01:30 GMT' }), now)).toBe(90);
    expect(retryAfterSeconds(answer(503, '', { 'retry-after': 'Friday, 27-Nov-26 10:00:10 GMT' }), now)).toBe(10);
    expect(retryAfterSeconds(answer(503, '', { 'retry-after': 'Fri, 27 Nov 2026 10:00:00.5 GMT' }), now - 1)).toBeGreaterThanOrEqual(0);
  });

  it('answers 0 for a date passed, and nothing for an absent or malformed header', () => {
    expect(retryAfterSeconds(answer(503, '', { 'retry-after': 'Fri, 27 Nov 2026 09:00:00 GMT' }), now)).toBe(0);
    expect(retryAfterSeconds(answer(503), now)).toBeUndefined();
    for (const value of ['', 'soon', '-5', '1.5', '2026-11-27']) {
      expect([value, retryAfterSeconds(answer(503, '', { 'retry-after': value }), now)]).toEqual([value, undefined]);
    }
  });
});

describe('answerSnippet', () => {
  it("quotes a page's text on one line, entities decoded, script and style left out", () => {
    const page =
      '<!doctype html><html><head><style>h1{}</style><script>x()</script></head><body><h1>Not\n Found</h1><p>a &amp; b &lt;c&gt;</p></body></html>';
    expect(answerSnippet(answer(404, page))).toBe('Not Found a & b <c>');
  });

  it('says nothing when the body says nothing beyond the status code', () => {
    expect(answerSnippet(answer(503, '<html><body>503</body></html>'))).toBe('');
    expect(answerSnippet(answer(502, '  '))).toBe('');
    expect(answerSnippet(answer(503, '503 Service Unavailable'))).toBe('503 Service Unavailable');
  });

  it(`is at most ${snippetLength} characters`, () => {
    const quoted = answerSnippet(answer(400, 'y'.repeat(1000)));
    expect(quoted).toBe(`${'y'.repeat(snippetLength)}…`);
  });

  it('redacts what looks like a credential, and every secret the request carried', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl';
    const quote = (...lines: string[]) => answerSnippet(answer(400, lines.join('\n')), ['s3cret-value-of-the-request', 'short']);
    expect(quote(`assertion ${jwt}`, 'Authorization: Bearer abc.DEF-123', 'echo: s3cret-value-of-the-request, short')).toBe(
      'assertion [redacted] Authorization: Bearer [redacted] echo: [redacted], short',
    );
    expect(quote('grant_type=client_credentials&client_assertion=zzz&scope=s', 'OAuth oauth_signature="c2ln%3D", oauth_nonce="n-1"')).toBe(
      'grant_type=client_credentials&client_assertion=[redacted]&scope=s OAuth oauth_signature="[redacted]", oauth_nonce="n-1"',
    );
    expect(quote('{"access_token":"tok-1","token_type":"bearer","password": "pw"}')).toBe(
      '{"access_token":"[redacted]","token_type":"bearer","password": "[redacted]"}',
    );
    // Prose that names a secret is left as it is.
    expect(answerSnippet(answer(400, 'client_assertion: jwt issuer invalid'))).toBe('client_assertion: jwt issuer invalid');
  });
});
