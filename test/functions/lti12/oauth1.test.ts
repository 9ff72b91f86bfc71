/**
 * OAuth 1.0a as lti-bridge computes it (`functions/lti12/oauth1.ts`), against the RFC 5849 and
 * OAuth Body Hash examples, and against Debian's python3-oauthlib as an independent implementation.
 */
import { createHmac } from 'node:crypto';
import {
  authorizationHeader,
  baseStringUri,
  bodyHash,
  oauthSignature,
  parseAuthorizationHeader,
  signatureBaseString,
  signaturesMatch,
  signedParameters,
} from '../../../functions/lti12/oauth1';
import { closeSigners, oauthlibBaseString, param, signLaunch, type Pair } from '../../fixtures/lti12-launch';

afterAll(() => closeSigners());

describe('RFC 5849 §3.4.1.1 example (with errata 2550)', () => {
  const url = 'http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b';
  const body = 'c2&a3=2+q';
  const oauth: Pair[] = [
    ['oauth_consumer_key', '9djdj82h48djs9d2'],
    ['oauth_token', 'kkk9d7dh3k39sjv7'],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', '137131201'],
    ['oauth_nonce', '7d8f3e4a'],
  ];
  const pairs: Pair[] = [...new URLSearchParams(body), ...oauth];
  const expectedBase =
    'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7';

  it('builds the base string (duplicates, double encoding, empty values, encoded names)', () => {
    expect(signatureBaseString('post', url, pairs)).toBe(expectedBase);
  });

  it('signs it to r6/TJjbCOr97/+UU0NsvSne7s5g= with the client and token secrets', () => {
    expect(oauthSignature('HMAC-SHA1', 'POST', url, pairs, 'j49sk3j29djd', 'dh893hdasih9')).toBe('r6/TJjbCOr97/+UU0NsvSne7s5g=');
  });

  it('leaves oauth_signature and realm out of the signed parameters', () => {
    const withSignature: Pair[] = [...pairs, ['oauth_signature', 'r6/TJjbCOr97/+UU0NsvSne7s5g='], ['realm', 'Example']];
    expect(signatureBaseString('POST', url, withSignature)).toBe(expectedBase);
    expect(signedParameters(url, withSignature).a3).toEqual(['a', '2 q']);
  });
});

describe('OAuth Request Body Hash', () => {
  it('hashes "Hello World!" to Lve95gjOVATpfV8EL5X4nxwjKHE= (§3.1 example)', () => {
    expect(bodyHash('Hello World!')).toBe('Lve95gjOVATpfV8EL5X4nxwjKHE=');
    expect(bodyHash(Buffer.from('Hello World!'))).toBe('Lve95gjOVATpfV8EL5X4nxwjKHE=');
  });

  it('uses SHA-256 with HMAC-SHA256', () => {
    expect(bodyHash('Hello World!', 'HMAC-SHA256')).toBe('f4OxZX/x/FO5LcGBSKHWXfwtSx+j1ncoSt3SABJtkGk=');
  });
});

describe('base string URI (RFC 5849 §3.4.1.2)', () => {
  it.each([
    ['HTTP://Example.COM/Request', 'http://example.com/Request'],
    ['http://example.com:80/r%20v/X?id=123', 'http://example.com/r%20v/X'],
    ['https://www.example.net:8080/?q=1', 'https://www.example.net:8080/'],
    ['https://example.com:443/lti?x=1#frag', 'https://example.com/lti'],
    ['https://example.com:80/lti', 'https://example.com:80/lti'],
    ['http://example.com:443/lti', 'http://example.com:443/lti'],
    ['http://localhost:3000/demo/lti12/launch/a1', 'http://localhost:3000/demo/lti12/launch/a1'],
  ])('%s → %s', (url, expected) => {
    expect(baseStringUri(url)).toBe(expected);
  });
});

describe('agreement with python3-oauthlib', () => {
  const tricky: Pair[] = [
    ['name with space', 'value+with plus'],
    ['unicode', 'Jürgen Ærø 日本'],
    ['reserved', "!*'();:@&=+$,/?#[]"],
    ['unreserved', 'AZaz09-._~'],
    ['empty', ''],
    ['dup', 'b'],
    ['dup', 'a'],
    ['dup', 'a'],
    ['custom_Complex!@#$^*(){}[]KEY', 'x%20y'],
  ];
  const oauth = { key: 'lb-key', nonce: 'n0nce', timestamp: '1700000000' };
  const oauthPairs: Pair[] = [
    ['oauth_consumer_key', oauth.key],
    ['oauth_nonce', oauth.nonce],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', oauth.timestamp],
    ['oauth_version', '1.0'],
  ];

  it.each([
    'http://localhost:3000/demo/lti12/launch/act-1',
    'https://LMS.Example.com:443/launch?x=With%20Space&dup=c&q=a+b',
    'http://example.com:8080/p/a%2Fb?empty=&z=1&z=0',
  ])('builds the same base string for %s', async (url) => {
    const theirs = await oauthlibBaseString(url, tricky, oauth);
    expect(signatureBaseString('POST', url, [...tricky, ...oauthPairs])).toBe(theirs);
  });

  it.each(['HMAC-SHA1', 'HMAC-SHA256'] as const)('verifies a %s signature made by oauthlib', async (signatureMethod) => {
    const credentials = { key: 'lb-key', secret: 's3cr3t&/+=', launchUrl: 'https://tool.example/e/lti12/launch/a?x=With%20Space' };
    const signed = await signLaunch(credentials, tricky, { signer: 'oauthlib', signatureMethod });
    const unsigned = signed.pairs.filter(([name]) => name !== 'oauth_signature');
    const ours = oauthSignature(signatureMethod, 'POST', credentials.launchUrl, unsigned, credentials.secret);
    expect(ours).toBe(param(signed.pairs, 'oauth_signature'));
    // And the HMAC is what it says: HMAC-SHA256 of the base string with "secret&".
    const algorithm = signatureMethod === 'HMAC-SHA256' ? 'sha256' : 'sha1';
    const base = signatureBaseString('POST', credentials.launchUrl, unsigned);
    expect(createHmac(algorithm, 's3cr3t%26%2F%2B%3D&').update(base).digest('base64')).toBe(ours);
  });

  it.each(['HMAC-SHA1', 'HMAC-SHA256'] as const)('verifies a %s signature made by the npm oauth-1.0a package', async (signatureMethod) => {
    const credentials = { key: 'lb-key', secret: 'secret', launchUrl: 'http://localhost:3000/demo/lti12/launch/a1' };
    const signed = await signLaunch(credentials, tricky, { signer: 'oauth-1.0a', signatureMethod });
    const unsigned = signed.pairs.filter(([name]) => name !== 'oauth_signature');
    expect(oauthSignature(signatureMethod, 'POST', credentials.launchUrl, unsigned, credentials.secret)).toBe(
      param(signed.pairs, 'oauth_signature'),
    );
  });
});

describe('signaturesMatch', () => {
  it('matches equal signatures only', () => {
    expect(signaturesMatch('r6/TJjbCOr97/+UU0NsvSne7s5g=', 'r6/TJjbCOr97/+UU0NsvSne7s5g=')).toBe(true);
    expect(signaturesMatch('r6/TJjbCOr97/+UU0NsvSne7s5g=', 'r6/TJjbCOr97/+UU0NsvSne7s5h=')).toBe(false);
    expect(signaturesMatch('r6/TJjbCOr97/+UU0NsvSne7s5g=', 'r6/TJjbCOr97')).toBe(false);
    expect(signaturesMatch('abc', '')).toBe(false);
  });
});

describe('Authorization header (RFC 5849 §3.5.1)', () => {
  const rfcExample =
    'OAuth realm="Example",\n' +
    '        oauth_consumer_key="0685bd9184jfhq22",\n' +
    '        oauth_token="ad180jjd733klru7",\n' +
    '        oauth_signature_method="HMAC-SHA1",\n' +
    '        oauth_signature="wOJIO9A2W5mFwDgiDvZbTSMK%2FPY%3D",\n' +
    '        oauth_timestamp="137131200",\n' +
    '        oauth_nonce="4572616e48616d6d65724c61686176",\n' +
    '        oauth_version="1.0"';

  it('parses the RFC example, decoding values', () => {
    expect(parseAuthorizationHeader(rfcExample)).toEqual([
      ['realm', 'Example'],
      ['oauth_consumer_key', '0685bd9184jfhq22'],
      ['oauth_token', 'ad180jjd733klru7'],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_signature', 'wOJIO9A2W5mFwDgiDvZbTSMK/PY='],
      ['oauth_timestamp', '137131200'],
      ['oauth_nonce', '4572616e48616d6d65724c61686176'],
      ['oauth_version', '1.0'],
    ]);
  });

  it('accepts the scheme in any case and without spaces after commas', () => {
    expect(parseAuthorizationHeader('oauth a="1",b="x%20y"')).toEqual([
      ['a', '1'],
      ['b', 'x y'],
    ]);
  });

  it('answers undefined for a missing header, another scheme or a malformed one', () => {
    expect(parseAuthorizationHeader(undefined)).toBeUndefined();
    expect(parseAuthorizationHeader('')).toBeUndefined();
    expect(parseAuthorizationHeader('Bearer abc')).toBeUndefined();
    expect(parseAuthorizationHeader('OAuth oauth_signature="%E0%A4%A"')).toBeUndefined();
    expect(parseAuthorizationHeader('OAuth a="1", garbage, oauth_body_hash="x"')).toBeUndefined();
    expect(parseAuthorizationHeader('OAuth a="1" b="2"')).toBeUndefined();
  });

  it('round-trips through authorizationHeader, and oauthlib-style encoding', () => {
    const params = { oauth_consumer_key: 'k y', oauth_signature: 'a+b/c=', oauth_body_hash: 'Lve95gjOVATpfV8EL5X4nxwjKHE=' };
    const header = authorizationHeader(params);
    expect(header).toBe(
      'OAuth oauth_consumer_key="k%20y", oauth_signature="a%2Bb%2Fc%3D", oauth_body_hash="Lve95gjOVATpfV8EL5X4nxwjKHE%3D"',
    );
    expect(Object.fromEntries(parseAuthorizationHeader(header)!)).toEqual(params);
  });
});
