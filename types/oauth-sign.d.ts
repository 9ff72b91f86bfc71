/** oauth-sign 0.9 ships no types: the part lti-bridge uses. */
declare module 'oauth-sign' {
  type Params = Record<string, string | string[]>;
  export function sign(
    signatureMethod: 'HMAC-SHA1' | 'HMAC-SHA256',
    httpMethod: string,
    baseUri: string,
    params: Params,
    consumerSecret: string,
    tokenSecret?: string,
  ): string;
  export function generateBase(httpMethod: string, baseUri: string, params: Params): string;
  export function rfc3986(value: string): string;
}
