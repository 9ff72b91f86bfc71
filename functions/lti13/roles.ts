/**
 * The roles claim (LTI Core 1.3 §5.3.7, Appendix A.2): URIs, where context roles may also come as
 * deprecated simple names (`Instructor`) that conforming tools MAY recognise (A.2.3). Unknown roles
 * are kept: a tool must not refuse a launch for a role it does not know.
 */

const membership = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';
const contextRoles = ['Administrator', 'ContentDeveloper', 'Instructor', 'Learner', 'Mentor', 'Manager', 'Member', 'Officer'];

/** The roles as the academy records them: simple context role names as their URIs, blanks dropped. */
export function normalizeRoles(roles: readonly string[]): string[] {
  return roles
    .map((role) => role.trim())
    .filter((role) => role !== '')
    .map((role) => (contextRoles.includes(role) ? `${membership}${role}` : role));
}
