/**
 * The vocabulary of LTI Dynamic Registration 1.0 (<https://www.imsglobal.org/spec/lti-dr/v1p0/>),
 * defined once for both roles: the query parameters of the registration initiation (§3.3), the LTI
 * objects of the platform's configuration (§2.1, §3.4) and of the client registration and its answer
 * (§2.2.1, §3.5.2, §3.6.1), the values a registration must carry (§3.5.2, after OpenID Connect
 * Registration 1.0 §2) and the errors of a refused one (§3.6.2), and Canvas's extension of the
 * registration. The academy as tool sends and requires these values (`tool-*.ts`); the academy as
 * platform advertises and checks them (`platform-*.ts`).
 *
 * The message that closes the registration window (§3.7, `org.imsglobal.lti.close`) belongs to the
 * page that posts it, at the edge (`../../http/close-page.ts`), which may not import a protocol.
 */

/** §3.3: the query parameters the platform adds to the tool's registration initiation URL. */
export const initiationParameters = {
  openidConfiguration: 'openid_configuration',
  registrationToken: 'registration_token',
} as const;

/** The LTI object of a platform's OpenID configuration (§2.1 `lti-platform-configuration`). */
export const platformConfigurationClaim = 'https://purl.imsglobal.org/spec/lti-platform-configuration';

/** The LTI object of a client registration and of its answer (§2.2.1 `lti-tool-configuration`). */
export const toolConfigurationClaim = 'https://purl.imsglobal.org/spec/lti-tool-configuration';

/**
 * §3.5.2: the values a client registration has or includes, which the tool sends and the platform
 * requires (and advertises in its configuration, §3.4). `signingAlgorithm` is RS256, as
 * `../core/jwt.ts`'s `jwsAlgorithm`, named here so that the registration function bundles no jose.
 */
export const registrationValues = {
  applicationType: 'web',
  responseType: 'id_token',
  grantTypes: ['implicit', 'client_credentials'],
  tokenEndpointAuthMethod: 'private_key_jwt',
  signingAlgorithm: 'RS256',
} as const;

/** The errors of a refused client registration (§3.6.2, after OIDC Dynamic Client Registration 1.0 §3.3). */
export const registrationErrors = {
  /** One of the redirect URIs is not acceptable. */
  invalidRedirectUri: 'invalid_redirect_uri',
  /** Any other field is missing or not acceptable. */
  invalidClientMetadata: 'invalid_client_metadata',
} as const;

/** Canvas's extension of the registration's LTI object (instructure canvas-lms `doc/api/registration.md`). */
export const canvasPrivacyLevelClaim = 'https://canvas.instructure.com/lti/privacy_level';

/** Canvas's placements where an LtiDeepLinkingRequest chooses content (Canvas placements documentation). */
export const canvasDeepLinkingPlacements = ['link_selection', 'assignment_selection'] as const;
