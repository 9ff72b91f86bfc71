import { formatRequestTime, isTextContentType, toApiEvent, type RequestHead } from '../../../functions/local/api-event';

/** A request head as Node's http server gives it (`rawHeaders` keeps the case and duplicates). */
function head(method: string, url: string, rawHeaders: string[] = []): RequestHead {
  return {
    method,
    url,
    httpVersion: '1.1',
    rawHeaders: ['Host', 'localhost:3000', 'User-Agent', 'test-agent/1.0', ...rawHeaders],
    socket: { remoteAddress: '::ffff:127.0.0.1', localPort: 3000 },
  };
}

const route = { method: 'GET' as const, path: '/{env}/lti13/login' };
const noBody = Buffer.alloc(0);
const now = new Date(Date.UTC(2020, 2, 12, 19, 3, 58, 123));

describe('toApiEvent', () => {
  it('builds a payload 2.0 event with the route key and request context', () => {
    const event = toApiEvent(head('GET', '/demo/lti13/login'), {
      route,
      pathParameters: { env: 'demo' },
      body: noBody,
      requestId: 'req-1',
      now,
    });
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /{env}/lti13/login',
      rawPath: '/demo/lti13/login',
      rawQueryString: '',
      pathParameters: { env: 'demo' },
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: 'localhost',
        domainPrefix: 'localhost',
        http: { method: 'GET', path: '/demo/lti13/login', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test-agent/1.0' },
        requestId: 'req-1',
        routeKey: 'GET /{env}/lti13/login',
        stage: '$default',
        time: '12/Mar/2020:19:03:58 +0000',
        timeEpoch: now.getTime(),
      },
    });
    expect(event).not.toHaveProperty('body');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('cookies');
  });

  it('keeps rawQueryString exactly as sent and decodes queryStringParameters, joining repeated names with commas', () => {
    const event = toApiEvent(head('GET', '/demo/lti13/login?iss=https%3A%2F%2Flms.example&x=1&x=2&empty=&flag&sp=a+b'), {
      route,
      pathParameters: { env: 'demo' },
      body: noBody,
    });
    expect(event.rawQueryString).toBe('iss=https%3A%2F%2Flms.example&x=1&x=2&empty=&flag&sp=a+b');
    expect(event.queryStringParameters).toEqual({ iss: 'https://lms.example', x: '1,2', empty: '', flag: '', sp: 'a b' });
  });

  it('lower-cases header names, joins repeated headers with commas, and adds the forwarding headers', () => {
    const event = toApiEvent(head('GET', '/demo/lti13/login', ['X-Custom', 'a', 'x-custom', 'b', 'Accept', 'text/html']), {
      route,
      pathParameters: {},
      body: noBody,
    });
    expect(event.headers).toMatchObject({
      host: 'localhost:3000',
      'user-agent': 'test-agent/1.0',
      'x-custom': 'a,b',
      accept: 'text/html',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-port': '3000',
    });
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
  });

  it('moves cookies out of the headers into the cookies array, one entry per cookie', () => {
    const event = toApiEvent(head('GET', '/demo/lti13/login', ['Cookie', 'a=1; b=2', 'cookie', 'c=x,y']), {
      route,
      pathParameters: {},
      body: noBody,
    });
    expect(event.cookies).toEqual(['a=1', 'b=2', 'c=x,y']);
    expect(event.headers).not.toHaveProperty('cookie');
  });

  it('base64-encodes a form post, as API Gateway does', () => {
    const form = 'oauth_signature=abc%2B%3D&lti_message_type=basic-lti-launch-request';
    const event = toApiEvent(head('POST', '/demo/lti13/login', ['Content-Type', 'application/x-www-form-urlencoded']), {
      route: { method: 'POST', path: '/{env}/lti13/login' },
      pathParameters: { env: 'demo' },
      body: Buffer.from(form),
    });
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body as string, 'base64').toString('utf8')).toBe(form);
  });

  it('base64-encodes a binary body or one without a content type', () => {
    const bytes = Buffer.from([0, 255, 1, 254]);
    for (const extra of [['Content-Type', 'application/octet-stream'], []]) {
      const event = toApiEvent(head('POST', '/x', extra), { route, pathParameters: {}, body: bytes });
      expect(event).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
    }
  });

  it('passes JSON, XML and text bodies as text', () => {
    for (const type of ['application/json; charset=utf-8', 'application/xml', 'text/plain', 'application/vnd.ims.lis.v1.score+json']) {
      const event = toApiEvent(head('POST', '/x', ['Content-Type', type]), { route, pathParameters: {}, body: Buffer.from('{"é":1}') });
      expect(event).toMatchObject({ isBase64Encoded: false, body: '{"é":1}' });
    }
  });

  it('adds the IAM authorizer context when the caller was verified', () => {
    const iam = {
      accessKey: 'AKIAEXAMPLE',
      accountId: '000000000000',
      callerId: 'AIDA',
      userArn: 'arn:aws:iam::000000000000:user/x',
      userId: 'AIDA',
    };
    const event = toApiEvent(head('GET', '/x'), { route, pathParameters: {}, body: noBody, iam });
    expect(event.requestContext).toMatchObject({ authorizer: { iam: { ...iam, cognitoIdentity: null, principalOrgId: null } } });
  });
});

describe('helpers', () => {
  it('recognises text content types', () => {
    expect(isTextContentType('text/html; charset=utf-8')).toBe(true);
    expect(isTextContentType('application/x-www-form-urlencoded')).toBe(false);
    expect(isTextContentType('multipart/form-data; boundary=x')).toBe(false);
    expect(isTextContentType(undefined)).toBe(false);
  });

  it('formats requestContext.time as API Gateway does', () => {
    expect(formatRequestTime(new Date(Date.UTC(2024, 0, 5, 3, 4, 5)))).toBe('05/Jan/2024:03:04:05 +0000');
  });
});
