/** The pure parts of the platform's LTI 1.2 launch: custom parameter names, the signature, the page. */
import { customParameterName, launchFormPage, lti12LaunchParameters, signLaunch } from '../../../functions/lti12/platform-launch-form';
import { formatSourcedId, parseSourcedId, sourcedIdMatches } from '../../../functions/lti12/platform-sourcedid';
import { oauthlibSignature, readForm } from '../../fixtures/academy-platform';

describe('customParameterName (consumer cert 3.1, 3.2)', () => {
  it.each([
    ['simple_key', 'custom_simple_key'],
    ['Complex!@#$^*(){}[]KEY', 'custom_complex____________key'],
    ['Über Größe', 'custom__ber_gr__e'],
    ['a-b.c', 'custom_a_b_c'],
  ])('%s → %s', (name, sent) => expect(customParameterName(name)).toBe(sent));
});

const input = {
  publicUrl: 'https://lti.example',
  environment: { id: 'env', name: ' Academy ', ltiEnabled: true, academyUrl: 'https://academy.example', createdAt: '', updatedAt: '' },
  activity: {
    title: 'T',
    lti: {
      version: '1.2' as const,
      key: 'k',
      secret: 's',
      launchUrl: 'https://tool.example/l',
      resourceLinkId: 'r',
      customParameters: { b: ' two ', B: 'dup', a: 'one' },
    },
  },
  user: {
    id: 'u',
    environmentId: 'env',
    email: 'u@x.example',
    givenName: 'Ada',
    familyName: 'Lovelace',
    externalIds: {},
    createdAt: '',
    updatedAt: '',
  },
  sourcedId: 'a:u:s',
};

describe('lti12LaunchParameters', () => {
  it('trims values, sorts custom parameters and keeps the first of names that collide', () => {
    const params = Object.fromEntries(lti12LaunchParameters(input));
    expect(params.context_title).toBe('Academy');
    expect(params.custom_b).toBe('dup');
    expect(params.custom_a).toBe('one');
    expect(params.launch_presentation_return_url).toBe('https://academy.example');
    expect(params.lis_outcome_service_url).toBe('https://lti.example/env/lti12/outcomes');
    expect(params.tool_consumer_instance_guid).toBe('env.lti.example');
    expect(lti12LaunchParameters({ ...input, returnUrl: 'https://back.example' })).toContainEqual([
      'launch_presentation_return_url',
      'https://back.example',
    ]);
  });
});

describe('signLaunch', () => {
  it('agrees with python3-oauthlib for a fixed nonce and time, query parameters signed', () => {
    const url = 'https://Tool.Example:443/l?x=With%20Space&y=%2B';
    const signed = signLaunch(url, { key: 'k', secret: 's&s' }, lti12LaunchParameters(input), 'nonce', 1_700_000_000);
    const signature = signed.find(([n]) => n === 'oauth_signature')![1];
    expect(oauthlibSignature(url, signed, 's&s').signature).toBe(signature);
    expect(signed.filter(([n]) => n.startsWith('oauth_')).map(([n]) => n)).toEqual([
      'oauth_callback',
      'oauth_consumer_key',
      'oauth_nonce',
      'oauth_signature_method',
      'oauth_timestamp',
      'oauth_version',
      'oauth_signature',
    ]);
  });
});

describe('launchFormPage', () => {
  it('escapes every value and pins the form and script in the CSP', () => {
    const result = launchFormPage('https://tool.example:8443/l?a=1&b="2"', [['n"><script>', '</form>&']], '<T>');
    const body = String(result.body);
    expect(body).not.toContain('<script>alert');
    expect(body).not.toContain('"><script>');
    expect(readForm(body)).toEqual({
      action: 'https://tool.example:8443/l?a=1&b="2"',
      pairs: [['n"><script>', '</form>&']],
      fields: { 'n"><script>': '</form>&' },
    });
    expect(result.headers!['content-security-policy']).toMatch(
      /; script-src 'sha256-[A-Za-z0-9+/]{43}='; form-action https:\/\/tool\.example:8443 https:$/,
    );
    const plain = launchFormPage('http://localhost:3000/env/lti12/launch/a', [], 'T');
    expect(plain.headers!['content-security-policy']).toMatch(/; form-action http:\/\/localhost:3000 https: http:$/);
  });
});

describe('sourcedIds', () => {
  const record = { environmentId: 'e', activityId: 'a-1', userId: 'u_1', consumerKey: 'k', secret: 'S'.repeat(22), createdAt: '' };

  it('format and parse round-trip; anything else is refused', () => {
    const text = formatSourcedId(record);
    expect(text).toBe(`a-1:u_1:${'S'.repeat(22)}`);
    expect(parseSourcedId(text)).toEqual({ activityId: 'a-1', userId: 'u_1', secret: 'S'.repeat(22) });
    for (const bad of ['a:b', 'a:b:short', `a:b:${'S'.repeat(22)}:x`, `:b:${'S'.repeat(22)}`, `a:b:${'S'.repeat(21)}!`, undefined]) {
      expect(parseSourcedId(bad)).toBeUndefined();
    }
  });

  it('matches only the stored secret, user, activity and key', () => {
    const parts = parseSourcedId(formatSourcedId(record))!;
    expect(sourcedIdMatches(record, parts, 'k')).toBe(true);
    expect(sourcedIdMatches(record, parts, 'other-key')).toBe(false);
    expect(sourcedIdMatches(record, { ...parts, secret: 'T'.repeat(22) }, 'k')).toBe(false);
    expect(sourcedIdMatches(record, { ...parts, userId: 'u_2' }, 'k')).toBe(false);
    expect(sourcedIdMatches(undefined, parts, 'k')).toBe(false);
  });
});
