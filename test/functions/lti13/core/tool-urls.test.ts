/** The academy's LTI 1.3 tool URLs, the login state cookie, and roles: pure helpers. */
import { normalizeRoles } from '../../../../functions/lti13/core/tool-roles';
import { sha256Base64url } from '../../../../functions/crypto';
import { clearedStateCookie, cookieMatches, stateCookie, stateCookieName } from '../../../../functions/lti13/core/tool-state';
import { activityOfTargetLink, isDeepLinkingTarget, toolConfiguration } from '../../../../functions/lti13/core/tool-urls';

describe('activityOfTargetLink', () => {
  it.each([
    ['https://bridge.example', 'demo', 'https://bridge.example/demo/lti13/activities/a-1', 'a-1'],
    ['https://bridge.example', 'demo', 'https://bridge.example/demo/lti13/activities/a-1?x=1', 'a-1'],
    ['https://api.example/prod', 'demo', 'https://api.example/prod/demo/lti13/activities/a%2D1', 'a-1'],
    ['https://bridge.example', 'demo', 'https://bridge.example/other/lti13/activities/a-1', undefined],
    ['https://bridge.example', 'demo', 'https://evil.example/demo/lti13/activities/a-1', undefined],
    ['https://bridge.example', 'demo', 'http://bridge.example/demo/lti13/activities/a-1', undefined],
    ['https://bridge.example', 'demo', 'https://bridge.example/demo/lti13/activities/', undefined],
    ['https://bridge.example', 'demo', 'https://bridge.example/demo/lti13/activities/a/b', undefined],
    ['https://bridge.example', 'demo', 'https://bridge.example/demo/lti13/activities/%E0%A4%A', undefined],
    ['https://bridge.example', 'demo', 'not a url', undefined],
    ['https://api.example/prod', 'demo', 'https://api.example/demo/lti13/activities/a-1', undefined],
  ])('%s, env %s: %s → %s', (publicUrl, env, target, expected) => {
    expect(activityOfTargetLink(publicUrl, env, target)).toBe(expected);
  });

  it('is the inverse of the tool configuration pattern', () => {
    const { targetLinkUri, loginUrl, redirectUrl, jwksUrl } = toolConfiguration('https://api.example/prod', 'demo');
    expect({ loginUrl, redirectUrl, jwksUrl }).toEqual({
      loginUrl: 'https://api.example/prod/demo/lti13/login',
      redirectUrl: 'https://api.example/prod/demo/lti13/launch',
      jwksUrl: 'https://api.example/prod/.well-known/jwks.json',
    });
    expect(activityOfTargetLink('https://api.example/prod', 'demo', targetLinkUri.replace('{activityId}', 'act-9'))).toBe('act-9');
  });
});

describe('state cookie', () => {
  it('binds a state under a per-state name, with the attributes that survive a cross-site iframe', () => {
    const cookie = stateCookie('demo', 'the-state');
    expect(cookie).toBe(
      `${stateCookieName('the-state')}=the-state; Max-Age=300; Path=/demo/lti13; Secure; HttpOnly; SameSite=None; Partitioned`,
    );
    expect(stateCookieName('the-state')).not.toBe(stateCookieName('another'));
    expect(clearedStateCookie('demo', 'the-state')).toMatch(/^lti13_state_[\w-]{16}=; Max-Age=0; Path=\/demo\/lti13;/);
    // stored under a hash that is not the cookie's name
    expect(stateCookieName('the-state')).not.toContain(sha256Base64url('the-state').slice(0, 16));
  });

  it('matches only the same value', () => {
    expect(cookieMatches('abc', 'abc')).toBe(true);
    expect(cookieMatches('abd', 'abc')).toBe(false);
    expect(cookieMatches('ab', 'abc')).toBe(false);
    expect(cookieMatches(undefined, 'abc')).toBe(false);
  });
});

it('normalises simple context role names and drops blanks, keeping unknown roles', () => {
  expect(
    normalizeRoles(['Instructor', '', ' Learner ', 'Wizard', 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty']),
  ).toEqual([
    'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
    'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
    'Wizard',
    'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty',
  ]);
});

describe('the deep linking URL (Deep Linking 2.0 §2.1)', () => {
  it('is in the tool configuration, and only it (any query) is a deep linking target of its environment', () => {
    const { deepLinkingUrl } = toolConfiguration('https://api.example/prod', 'demo');
    expect(deepLinkingUrl).toBe('https://api.example/prod/demo/lti13/deep-linking');
    expect(isDeepLinkingTarget('https://api.example/prod', 'demo', deepLinkingUrl)).toBe(true);
    expect(isDeepLinkingTarget('https://api.example/prod', 'demo', `${deepLinkingUrl}?course=1`)).toBe(true);
    for (const other of [
      'https://api.example/prod/other/lti13/deep-linking',
      'https://evil.example/prod/demo/lti13/deep-linking',
      'https://api.example/prod/demo/lti13/deep-linking/return',
      'https://api.example/demo/lti13/deep-linking',
      'not a url',
    ]) {
      expect(isDeepLinkingTarget('https://api.example/prod', 'demo', other)).toBe(false);
    }
  });
});
