/**
 * The claim names, message types, scopes, media types and vocabularies of LTI 1.3 and its
 * services, in one place so that no claim URI is ever spelled twice (LTI Core 1.3 §5.3-5.4 and
 * Appendix A, AGS 2.0 §3, Security 1.0 §5.1.2).
 */

const lti = 'https://purl.imsglobal.org/spec/lti/claim/';
const ags = 'https://purl.imsglobal.org/spec/lti-ags/';
const lis = 'http://purl.imsglobal.org/vocab/lis/v2/';

/** LTI Core 1.3 message claims (§5.3 required, §5.4 optional) and the AGS endpoint claim (AGS §3.1). */
export const claims = {
  messageType: `${lti}message_type`,
  version: `${lti}version`,
  deploymentId: `${lti}deployment_id`,
  targetLinkUri: `${lti}target_link_uri`,
  resourceLink: `${lti}resource_link`,
  roles: `${lti}roles`,
  context: `${lti}context`,
  toolPlatform: `${lti}tool_platform`,
  roleScopeMentor: `${lti}role_scope_mentor`,
  launchPresentation: `${lti}launch_presentation`,
  lis: `${lti}lis`,
  custom: `${lti}custom`,
  agsEndpoint: `${ags}claim/endpoint`,
  nrpsService: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
} as const;

/** The only message type the academy's tool accepts (Core §5.3.1), and the only version (§5.3.2). */
export const messageTypes = { resourceLink: 'LtiResourceLinkRequest' } as const;
export const ltiVersion = '1.3.0';

/** AGS 2.0 scopes (§3.2, §3.3.2, §3.4.2). */
export const agsScopes = {
  lineitem: `${ags}scope/lineitem`,
  lineitemReadonly: `${ags}scope/lineitem.readonly`,
  resultReadonly: `${ags}scope/result.readonly`,
  score: `${ags}scope/score`,
} as const;

/** AGS 2.0 media types (§3.2.1, §3.4.3). */
export const agsMediaTypes = {
  lineitem: 'application/vnd.ims.lis.v2.lineitem+json',
  lineitemContainer: 'application/vnd.ims.lis.v2.lineitemcontainer+json',
  score: 'application/vnd.ims.lis.v1.score+json',
} as const;

/**
 * The LIS context roles (Core Appendix A.2.3), core and non-core, by their simple names: a role's
 * URI is {@link contextRole}; the simple names alone are deprecated but may be recognised.
 */
export const contextRoleNames = ['Administrator', 'ContentDeveloper', 'Instructor', 'Learner', 'Mentor', 'Manager', 'Member', 'Officer'] as const;
export type ContextRoleName = (typeof contextRoleNames)[number];

/** The URI of a LIS context role (Core Appendix A.2.3): `http://purl.imsglobal.org/vocab/lis/v2/membership#Learner`. */
export function contextRole(name: ContextRoleName): string {
  return `${lis}membership#${name}`;
}

/** LIS context types (Core Appendix A.1). */
export const contextTypes = { courseOffering: `${lis}course#CourseOffering` } as const;

/** RFC 7523 §2.2: the client assertion type of the JWT-bearer client authentication (Security §4.1.1). */
export const clientAssertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
