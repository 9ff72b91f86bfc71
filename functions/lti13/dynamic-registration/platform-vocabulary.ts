/**
 * LTI Dynamic Registration 1.0 (<https://www.imsglobal.org/spec/lti-dr/v1p0/>), the academy as
 * platform: the names of the registration's LTI objects and errors, defined once.
 *
 * The two configuration objects' names belong to both roles; they are here, with the `platform-`
 * prefix, only until the tool side's vocabulary and this one are merged into one `vocabulary.ts`.
 */

/** The LTI object of a client registration and of its answer (§2.2.1 `lti-tool-configuration`). */
export const toolConfigurationClaim = 'https://purl.imsglobal.org/spec/lti-tool-configuration';

/** The LTI object of a platform's OpenID configuration (§2.1 `lti-platform-configuration`). */
export const platformConfigurationClaim = 'https://purl.imsglobal.org/spec/lti-platform-configuration';

/** The errors of a refused client registration (§3.6.2, after OIDC Dynamic Client Registration 1.0 §3.3). */
export const registrationErrors = {
  /** One of the redirect URIs is not acceptable. */
  invalidRedirectUri: 'invalid_redirect_uri',
  /** Any other field is missing or not acceptable. */
  invalidClientMetadata: 'invalid_client_metadata',
} as const;

/** The values a client registration must have or include (§3.5.2). */
export const registrationValues = {
  applicationType: 'web',
  grantTypes: ['client_credentials', 'implicit'],
  responseType: 'id_token',
  tokenEndpointAuthMethod: 'private_key_jwt',
} as const;
