/** The OAuth 1.0a request checks the LTI 1.2 launch and the outcome service share (RFC 5849 §3.1-3.3). */
import {
  isFreshTimestamp,
  isSupportedOauthVersion,
  isSupportedSignatureMethod,
  requiredOauthParameters,
  timestampWindowSeconds,
  useNonceOnce,
} from '../../../functions/lti12/oauth-request';
import type { SingleUseStore } from '../../../functions/ports';

describe('OAuth 1.0a request checks', () => {
  it('requires the five parameters of a token-less request, not oauth_version', () => {
    expect([...requiredOauthParameters]).toEqual([
      'oauth_consumer_key',
      'oauth_signature',
      'oauth_signature_method',
      'oauth_timestamp',
      'oauth_nonce',
    ]);
  });

  it.each([
    ['HMAC-SHA1', true],
    ['HMAC-SHA256', true],
    ['PLAINTEXT', false],
    ['RSA-SHA1', false],
    ['hmac-sha1', false],
    [undefined, false],
  ])('signature method %s → %s', (method, supported) => {
    expect(isSupportedSignatureMethod(method)).toBe(supported);
  });

  it.each([
    [undefined, true],
    ['1.0', true],
    ['1.0a', false],
    ['2.0', false],
    ['', false],
  ])('oauth_version %s → %s', (version, supported) => {
    expect(isSupportedOauthVersion(version)).toBe(supported);
  });

  it('accepts a timestamp within 300 seconds of now, either way, and nothing that is not whole seconds', () => {
    const now = 1_700_000_000_000;
    const at = (offset: number) => String(now / 1000 + offset);
    expect(timestampWindowSeconds).toBe(300);
    for (const offset of [0, -300, 300, -299, 240]) expect(isFreshTimestamp(at(offset), now)).toBe(true);
    for (const offset of [-301, 301, -3600]) expect(isFreshTimestamp(at(offset), now)).toBe(false);
    for (const value of [undefined, '', 'soon', `${now / 1000}.5`, '-1', ' 1700000000', '1e9', '0001700000000']) {
      expect(isFreshTimestamp(value, now)).toBe(false);
    }
  });

  it('uses a nonce once per scope, kept until its timestamp leaves the window (and a minute more)', async () => {
    const calls: [string, string, number, number][] = [];
    const seen = new Set<string>();
    const replay: Pick<SingleUseStore, 'useOnce'> = {
      async useOnce(scope, value, expiresAt, now) {
        calls.push([scope, value, expiresAt, now]);
        const key = `${scope}\n${value}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      },
    };
    expect(await useNonceOnce(replay, 'lti12:key-a', 'n-1', '1700000000', 1_700_000_000_500)).toBe(true);
    expect(await useNonceOnce(replay, 'lti12:key-a', 'n-1', '1700000010', 1_700_000_010_000)).toBe(false);
    expect(await useNonceOnce(replay, 'lti12:key-b', 'n-1', '1700000000', 1_700_000_000_500)).toBe(true);
    expect(calls[0]).toEqual(['lti12:key-a', 'n-1', 1_700_000_000 + 300 + 60, 1_700_000_000_500]);
  });
});
