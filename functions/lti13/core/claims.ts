/**
 * The claim names, message types and vocabularies of LTI Core 1.3, in one place so that no claim
 * URI is ever spelled twice (LTI Core 1.3 §5.3-5.4 and Appendix A, Security 1.0 §5.1.2). Each
 * service (AGS, NRPS, ...) defines its own in its folder's `vocabulary.ts`.
 */

const lti = 'https://purl.imsglobal.org/spec/lti/claim/';
const lis = 'http://purl.imsglobal.org/vocab/lis/v2/';

/** LTI Core 1.3 message claims (§5.3 required, §5.4 optional); each service's claims are in its `vocabulary.ts`. */
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
  /** The LTI 1.1 identity of a launch by a platform that moved from LTI 1.1 (1EdTech LTI 1.3 migration, "lti1p1" claim). */
  lti1p1: `${lti}lti1p1`,
} as const;

/** The only message type the academy's tool accepts (Core §5.3.1), and the only version (§5.3.2). */
export const messageTypes = { resourceLink: 'LtiResourceLinkRequest' } as const;
export const ltiVersion = '1.3.0';

/**
 * The LIS context roles (Core Appendix A.2.3), core and non-core, by their simple names: a role's
 * URI is {@link contextRole}; the simple names alone are deprecated but may be recognised.
 */
export const contextRoleNames = [
  'Administrator',
  'ContentDeveloper',
  'Instructor',
  'Learner',
  'Mentor',
  'Manager',
  'Member',
  'Officer',
] as const;
export type ContextRoleName = (typeof contextRoleNames)[number];

/** The URI of a LIS context role (Core Appendix A.2.3): `http://purl.imsglobal.org/vocab/lis/v2/membership#Learner`. */
export function contextRole(name: ContextRoleName): string {
  return `${lis}membership#${name}`;
}

/** The URI of a LIS context sub-role (Core Appendix A.2.3.1): `…/membership/Instructor#TeachingAssistant`. */
export function contextSubRolePrefix(principal: ContextRoleName): string {
  return `${lis}membership/${principal}#`;
}

/** The URI of a LIS institution role (Core Appendix A.2.2): `…/institution/person#Faculty`. */
export function institutionRole(name: string): string {
  return `${lis}institution/person#${name}`;
}

/** The URI of a LIS system role (Core Appendix A.2.1): `…/system/person#Administrator`. */
export function systemRole(name: string): string {
  return `${lis}system/person#${name}`;
}

/** LIS context types (Core Appendix A.1). */
export const contextTypes = { courseOffering: `${lis}course#CourseOffering` } as const;

/** RFC 7523 §2.2: the client assertion type of the JWT-bearer client authentication (Security §4.1.1). */
export const clientAssertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
