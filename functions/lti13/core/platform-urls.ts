/**
 * The academy's LTI 1.3 platform endpoints, as a tool's administrator enters them (Security 1.0
 * §5.1.1: the issuer, the OIDC authorization endpoint, the token endpoint and the key set URL).
 *
 * The issuer is per environment, `{publicUrl}/{env}`: each environment is one academy with its own
 * tool registrations, so a tool that is registered in two environments (or an academy that is the
 * tool of another environment of the same deployment) sees two platforms, never one issuer whose
 * client ids and deployments span tenants. It is an https URL without query or fragment on AWS
 * (Security 1.0 §5.1.2 `iss`). The key set is the deployment's one JWKS.
 */

export interface PlatformConfiguration {
  readonly issuer: string;
  readonly authorizationUrl: string;
  readonly tokenUrl: string;
  readonly jwksUrl: string;
}

export function platformIssuer(publicUrl: string, environmentId: string): string {
  return `${publicUrl}/${encodeURIComponent(environmentId)}`;
}

export function platformConfiguration(publicUrl: string, environmentId: string): PlatformConfiguration {
  const issuer = platformIssuer(publicUrl, environmentId);
  return {
    issuer,
    authorizationUrl: `${issuer}/lti13/authorize`,
    tokenUrl: `${issuer}/lti13/token`,
    jwksUrl: `${publicUrl}/.well-known/jwks.json`,
  };
}

/** The id of an activity's default line item in AGS URLs. */
export const defaultLineItemId = 'default';

/**
 * The AGS endpoints of an external activity (AGS 2.0 §3.1): its line item container, and its
 * default line item, whose id is the constant `default` (agreed with the AGS service).
 */
export function agsEndpoints(publicUrl: string, environmentId: string, activityId: string): { lineitems: string; lineitem: string } {
  const lineitems = `${platformIssuer(publicUrl, environmentId)}/lti13/ags/${encodeURIComponent(activityId)}/lineitems`;
  return { lineitems, lineitem: `${lineitems}/${defaultLineItemId}` };
}

/**
 * The memberships URL of an external activity's context (NRPS 2.0 §3.6.1 `context_memberships_url`):
 * the context of a launch is the activity, so each activity has its own.
 */
export function nrpsMembershipsUrl(publicUrl: string, environmentId: string, activityId: string): string {
  return `${platformIssuer(publicUrl, environmentId)}/lti13/nrps/${encodeURIComponent(activityId)}/memberships`;
}
