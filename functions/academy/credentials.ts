/** The LTI 1.2 credentials of an activity, for the launches that verify and the passbacks that sign with them (no zod here: it stays out of their bundles). */
import type { Activity, LmsLti12Credential, Lti12Credential } from './model';

/** Every LTI 1.2 credential that may sign launches into an activity offered over LTI: its own, and each LMS's. */
export function lti12CredentialsOf(activity: Activity): readonly (Lti12Credential | LmsLti12Credential)[] {
  return [...(activity.lti12Credentials ? [activity.lti12Credentials] : []), ...(activity.lmsCredentials ?? [])];
}
