import { fromApiResult } from '../../../functions/local/api-result';

describe('fromApiResult', () => {
  it('sends every cookies entry as its own Set-Cookie header', () => {
    const response = fromApiResult({
      statusCode: 303,
      headers: { Location: '/next', 'X-Count': 2 },
      cookies: ['a=1; Path=/; HttpOnly', 'b=2; Path=/; Secure; SameSite=None; Partitioned'],
      body: '',
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers).toEqual({
      location: '/next',
      'x-count': '2',
      'set-cookie': ['a=1; Path=/; HttpOnly', 'b=2; Path=/; Secure; SameSite=None; Partitioned'],
    });
    expect(response.body.length).toBe(0);
  });

  it('decodes a base64 body', () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const response = fromApiResult({
      statusCode: 200,
      headers: { 'content-type': 'image/png' },
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    });
    expect(response.body.equals(bytes)).toBe(true);
  });

  it('sends a text body as UTF-8', () => {
    expect(fromApiResult({ statusCode: 200, body: 'héllo' }).body.toString('utf8')).toBe('héllo');
  });

  it('treats a result without statusCode as a 200 JSON body', () => {
    expect(fromApiResult({ message: 'hi' })).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"message":"hi"}'),
    });
    expect(fromApiResult('plain').body.toString()).toBe('plain');
  });

  it('sends what survives JSON, as between Lambda and API Gateway', () => {
    const response = fromApiResult({ statusCode: 200, headers: { a: undefined, b: 'x' }, body: '' });
    expect(response.headers).toEqual({ b: 'x' });
  });

  it('answers 500 for an unusable status code', () => {
    expect(fromApiResult({ statusCode: 'ok' }).statusCode).toBe(500);
    expect(fromApiResult({ statusCode: 99 }).statusCode).toBe(500);
  });
});
