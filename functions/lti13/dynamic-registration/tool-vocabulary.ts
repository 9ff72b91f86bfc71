/**
 * The vocabulary of LTI Dynamic Registration 1.0 that the academy as tool speaks
 * (https://www.imsglobal.org/spec/lti-dr/v1p0/): the query parameters of the initiation request
 * (§3.3), the LTI objects of the platform's configuration (§3.4) and of the client registration
 * (§3.5.2), the OpenID values the tool requires and sends (OIDC Discovery, OIDC Registration §2).
 * Defined here once. The message that closes the registration window (§3.7,
 * `org.imsglobal.lti.close`) belongs to the page that posts it, at the edge (`../../http/close-page.ts`),
 * whose error renderer posts it too.
 *
 * Named `tool-vocabulary.ts` beside the platform side's `platform-vocabulary.ts`; the two may be
 * merged into one `vocabulary.ts`.
 */

/** §3.3: the query parameters the platform adds to the tool's registration URL. */
export const initiationParameters = {
  openidConfiguration: 'openid_configuration',
  registrationToken: 'registration_token',
} as const;

/**
 * §3.4 and §3.5.2 / §3.6.1: the LTI objects of the platform's configuration and of the client
 * registration, shared with the platform side (defined once, in its vocabulary, until the two merge).
 */
export { platformConfigurationClaim, toolConfigurationClaim } from './platform-vocabulary';

/** §3.5.2 (OIDC Registration §2): the values the registration sends, fixed by the spec. */
export const registrationValues = {
  applicationType: 'web',
  responseTypes: ['id_token'],
  grantTypes: ['implicit', 'client_credentials'],
  tokenEndpointAuthMethod: 'private_key_jwt',
} as const;

/**
 * §3.4 / §3.5.2: what a platform's configuration must offer for the tool to work: client assertions
 * signed RS256 at the token endpoint (Security 1.0 §4.1), id_tokens by the implicit flow, RS256.
 */
export const requiredPlatformValues = {
  tokenEndpointAuthMethod: 'private_key_jwt',
  signingAlgorithm: 'RS256',
  responseType: 'id_token',
  scope: 'openid',
} as const;

/** Canvas's extension of the registration's LTI object (instructure canvas-lms `doc/api/registration.md`). */
export const canvasPrivacyLevelClaim = 'https://canvas.instructure.com/lti/privacy_level';

/** Canvas's placements where an LtiDeepLinkingRequest chooses content (Canvas placements documentation). */
export const canvasDeepLinkingPlacements = ['link_selection', 'assignment_selection'] as const;
