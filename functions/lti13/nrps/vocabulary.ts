/**
 * The vocabulary of Names and Role Provisioning Services 2.0, both roles: the claim of a launch
 * (§3.6.1, "Claim for inclusion in LTI messages"), the scope (§3.6.1, "Scope and Service security"), the media type (§2.1), the
 * service version, the membership statuses (§2.3) and the query parameters (§2.4.1, §2.4.2, §3).
 * Defined here once; nothing else spells them.
 */

/** The claim that carries the memberships URL of the launch's context (§3.6.1). */
export const nrpsClaim = 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice';

/** The one scope of the service: reading a context's memberships (§3.6.1). */
export const nrpsScope = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';

/** The membership container media type (§2.1): what the service answers and a tool `Accept`s. */
export const nrpsMediaType = 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json';

/** The versions of the service an endpoint supports (§3.6.1 `service_versions`). */
export const nrpsServiceVersion = '2.0';

/** A membership's status (§2.3); without one, `Active` is assumed. `Deleted` appears only in differences. */
export const membershipStatuses = { active: 'Active', inactive: 'Inactive', deleted: 'Deleted' } as const;

/** The query parameters of a memberships request: §2.4.1 `role`, §2.4.2 `limit`, §3 `rlid`. */
export const nrpsQuery = { role: 'role', limit: 'limit', resourceLinkId: 'rlid' } as const;

/** The `namesroleservice` claim's value (§3.6.1). */
export interface NamesRoleServiceClaim {
  readonly context_memberships_url: string;
  readonly service_versions: readonly string[];
}
