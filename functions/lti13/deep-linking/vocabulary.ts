/**
 * The vocabulary of Deep Linking 2.0, both roles: the message types (§4.3), the claims of the
 * request (§4.4.1) and of the response (§4.5.5-4.5.10), the content item type the academy speaks
 * (§3.2) and the roles that may pick content. Defined here once; nothing else spells them.
 */
import { contextRole, institutionRole, systemRole } from '../core/claims';

const dl = 'https://purl.imsglobal.org/spec/lti-dl/claim/';

/** §4.3: the request a platform sends, and the response a tool answers with. */
export const deepLinkingMessageTypes = {
  request: 'LtiDeepLinkingRequest',
  response: 'LtiDeepLinkingResponse',
} as const;

/** The Deep Linking claims (§4.4.1 on the request; §4.5.5-4.5.10 on the response). */
export const deepLinkingClaims = {
  settings: `${dl}deep_linking_settings`,
  contentItems: `${dl}content_items`,
  data: `${dl}data`,
  msg: `${dl}msg`,
  log: `${dl}log`,
  errormsg: `${dl}errormsg`,
  errorlog: `${dl}errorlog`,
} as const;

/** §3.2: the one content item type the academy sends (tool side) and accepts (platform side). */
export const ltiResourceLinkType = 'ltiResourceLink';

/** §4.4.1: the `deep_linking_settings` claim, as a platform may send it (nothing trusted yet). */
export interface DeepLinkingSettings {
  readonly deep_link_return_url?: unknown;
  readonly accept_types?: unknown;
  readonly accept_presentation_document_targets?: unknown;
  readonly accept_media_types?: unknown;
  readonly accept_multiple?: unknown;
  readonly accept_lineitem?: unknown;
  readonly auto_create?: unknown;
  readonly title?: unknown;
  readonly text?: unknown;
  readonly data?: unknown;
}

/**
 * Who may use the picker (docs/product.md "Deep Linking 2.0": instructors, content developers and
 * administrators): the context roles (Core 1.3 Appendix A.2.3) and, for platforms that send a deep
 * linking request outside a course, the institution and system roles of the same people (A.2.1,
 * A.2.2). A context sub-role counts for its principal role (A.2.3.1).
 */
export const pickerContextRoles = ['Instructor', 'ContentDeveloper', 'Administrator'] as const;
export const pickerRoles: readonly string[] = [
  ...pickerContextRoles.map(contextRole),
  institutionRole('Administrator'),
  institutionRole('Faculty'),
  institutionRole('Instructor'),
  systemRole('Administrator'),
  systemRole('SysAdmin'),
];
