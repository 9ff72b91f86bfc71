/** The vocabulary of Names and Role Provisioning Services 2.0, both roles. */

/** The claim of a launch that carries the context memberships URL (NRPS 2.0 §3.6.1.1). */
export const nrpsClaim = 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice';
