/**
 * `GET {base}/{env}/lti13/.well-known/openid-configuration`: the academy as LTI 1.3 platform, as a
 * tool reads it at dynamic registration (Dynamic Registration 1.0 §3.4 and §2.1 "Platform
 * configuration"; OpenID Connect Discovery 1.0 §3): its issuer, endpoints, keys, what it grants and
 * the `lti-platform-configuration` object.
 *
 * The issuer is the environment's (`{publicUrl}/{env}`, `../core/platform-urls.ts`), the `iss` of
 * every id_token it signs, and the configuration is served below it, so that the tool's check of
 * §3.5.1 holds however a tool reads it: the configuration URL starts with the issuer, and both have
 * the same host.
 *
 * `authorization_server` is the issuer too: the `aud` a tool's client assertion may name instead of
 * the token URL (ltijs, for one, uses it when it is given); the token endpoint accepts both.
 */
import type { Config } from '../../config';
import { HttpError, ltiDisabledMessage } from '../../errors';
import { pathParam } from '../../http/request';
import { json } from '../../http/responses';
import type { ApiEvent, ApiResult } from '../../http/types';
import { ltiEnvironment, type EnvironmentRefusals } from '../../lti/checks';
import { productFamilyCode, productVersion } from '../../lti/product';
import type { EnvironmentStore } from '../../ports';
import { messageTypes } from '../core/claims';
import { jwsAlgorithm } from '../core/jwt';
import { toolScopes } from '../core/platform-id-token';
import { platformConfiguration, platformIssuer } from '../core/platform-urls';
import { customVariables } from '../core/platform-variables';
import { deepLinkingMessageTypes } from '../deep-linking/vocabulary';
import { platformConfigurationClaim, registrationValues } from './vocabulary';

/** The identity claims of every id_token the academy signs (`../core/platform-id-token.ts`). */
export const platformClaims: readonly string[] = ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'];

/** The messages the academy sends (§2.1 `messages_supported`); it has no placements to name. */
export const platformMessages: readonly string[] = [messageTypes.resourceLink, deepLinkingMessageTypes.request];

/** `{base}/{env}/lti13/.well-known/openid-configuration`, the `openid_configuration` a tool is given (§3.3). */
export function openidConfigurationUrl(publicUrl: string, environmentId: string): string {
  return `${platformIssuer(publicUrl, environmentId)}/lti13/.well-known/openid-configuration`;
}

/** `{base}/{env}/lti13/register`, where a tool posts its client registration (§3.5.2). */
export function registrationEndpointUrl(publicUrl: string, environmentId: string): string {
  return `${platformIssuer(publicUrl, environmentId)}/lti13/register`;
}

/** The configuration of one environment as a platform (§2.1); pure. */
export function platformOpenidConfiguration(publicUrl: string, environmentId: string): Record<string, unknown> {
  const { issuer, authorizationUrl, tokenUrl, jwksUrl } = platformConfiguration(publicUrl, environmentId);
  return {
    issuer,
    authorization_endpoint: authorizationUrl,
    token_endpoint: tokenUrl,
    jwks_uri: jwksUrl,
    registration_endpoint: registrationEndpointUrl(publicUrl, environmentId),
    token_endpoint_auth_methods_supported: [registrationValues.tokenEndpointAuthMethod],
    token_endpoint_auth_signing_alg_values_supported: [jwsAlgorithm],
    scopes_supported: ['openid', ...toolScopes],
    response_types_supported: [registrationValues.responseType],
    response_modes_supported: ['form_post'],
    grant_types_supported: [...registrationValues.grantTypes],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [jwsAlgorithm],
    claims_supported: [...platformClaims],
    authorization_server: issuer,
    [platformConfigurationClaim]: {
      product_family_code: productFamilyCode,
      version: productVersion,
      messages_supported: platformMessages.map((type) => ({ type })),
      variables: Object.keys(customVariables),
    },
  };
}

/** JSON errors in the format of the endpoints of dynamic registration: an unknown environment, LTI switched off. */
export const registrationRefusals: EnvironmentRefusals = {
  unknown: () => new HttpError(404, 'not_found', 'There is no such environment.'),
  disabled: () => new HttpError(403, 'lti_disabled', `${ltiDisabledMessage}.`),
};

export interface OpenidConfigurationDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly environments: EnvironmentStore;
}

/** The configuration of an environment with LTI switched on; one GetItem. */
export async function openidConfigurationEndpoint(deps: OpenidConfigurationDeps, event: ApiEvent): Promise<ApiResult> {
  const environment = await ltiEnvironment(deps, pathParam(event, 'env'), registrationRefusals);
  return json(200, platformOpenidConfiguration(deps.config.publicUrl, environment.id));
}
