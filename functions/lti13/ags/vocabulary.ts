/**
 * The vocabulary of Assignment and Grade Services 2.0, both roles: the endpoint claim (§3.1), the
 * scopes (§3.2, §3.3.2, §3.4.2), the media types (§3.2.1, §3.3.1, §3.4.3) and the progress value
 * lists of a score (§3.4.7, §3.4.8). Defined here once; nothing else spells them.
 */

const ags = 'https://purl.imsglobal.org/spec/lti-ags/';

/** The AGS endpoint claim of a launch (§3.1): line item URL, line items URL, scopes. */
export const agsEndpointClaim = `${ags}claim/endpoint`;

/** AGS 2.0 scopes (§3.2, §3.3.2, §3.4.2). */
export const agsScopes = {
  lineitem: `${ags}scope/lineitem`,
  lineitemReadonly: `${ags}scope/lineitem.readonly`,
  resultReadonly: `${ags}scope/result.readonly`,
  score: `${ags}scope/score`,
} as const;

/** AGS 2.0 media types (§3.2.1, §3.3.1, §3.4.3). */
export const agsMediaTypes = {
  lineitem: 'application/vnd.ims.lis.v2.lineitem+json',
  lineitemContainer: 'application/vnd.ims.lis.v2.lineitemcontainer+json',
  resultContainer: 'application/vnd.ims.lis.v2.resultcontainer+json',
  score: 'application/vnd.ims.lis.v1.score+json',
} as const;

/** A score's `activityProgress` (§3.4.7). */
export const activityProgressValues = ['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed'] as const;
/** A score's `gradingProgress` (§3.4.8). */
export const gradingProgressValues = ['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady'] as const;
