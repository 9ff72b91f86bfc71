/**
 * LTI 1.x roles (LTI 1.1 IG §A.2, LIS roles): a comma-separated list of URNs, where context roles
 * may also be written in short form (`Instructor`, `Learner/GuestLearner`).
 */

const contextRoles = ['Learner', 'Instructor', 'ContentDeveloper', 'Member', 'Manager', 'Mentor', 'Administrator', 'TeachingAssistant'];

/** Normalises the `roles` parameter: short context roles become `urn:lti:role:ims/lis/…` URNs. */
export function parseRoles(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean)
    .map((role) => {
      if (role.startsWith('urn:')) return role;
      const head = role.split('/')[0]!;
      return contextRoles.includes(head) ? `urn:lti:role:ims/lis/${role}` : role;
    });
}
