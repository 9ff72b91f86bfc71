/**
 * The roles claim (LTI Core 1.3 §5.3.7, Appendix A.2): URIs, where context roles may also come as
 * deprecated simple names (`Instructor`) that conforming tools MAY recognise (A.2.3). Unknown roles
 * are kept: a tool must not refuse a launch for a role it does not know.
 */
import { contextRole, contextRoleNames, type ContextRoleName } from './claims';

const isContextRoleName = (role: string): role is ContextRoleName => (contextRoleNames as readonly string[]).includes(role);

/** The roles as the academy records them: simple context role names as their URIs, blanks dropped. */
export function normalizeRoles(roles: readonly string[]): string[] {
  return roles
    .map((role) => role.trim())
    .filter((role) => role !== '')
    .map((role) => (isContextRoleName(role) ? contextRole(role) : role));
}
