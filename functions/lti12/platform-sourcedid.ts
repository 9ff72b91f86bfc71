/**
 * `lis_result_sourcedid` (LTI 1.1 IG §6: "an opaque identifier … for the tool to use when sending
 * outcomes for this user and resource link"): what the academy gives an LTI 1.2 tool at launch so
 * that the tool can report the learner's score.
 *
 * Design: `{activityId}:{userId}:{secret}`, where `secret` is 128 random bits stored in the learner's
 * `SOURCEDID` record together with the tool's consumer key. An outcome request is accepted only when
 * the record of that activity and user exists, its secret matches (constant-time) and it is bound
 * to the consumer key that signed the request, which must also be the activity's current key. So:
 * - a forged sourcedId fails: the secret cannot be guessed, and ids alone are not enough;
 * - a swapped one fails: another user's or activity's sourcedId carries that record's secret, and
 *   another activity's record is bound to another key (another environment's is not even found);
 * - a tool's secret is not enough to mint sourcedIds for learners it never saw (an HMAC keyed with
 *   the tool's secret would allow that), and no server-wide MAC key has to be kept and rotated
 *   (the local KMS endpoint signs but has no HMAC).
 * The record is created once per learner and activity (a conditional write, so concurrent first
 * launches agree on one) and reused by every later launch: tools keep one sourcedId per learner and
 * link, as LMSs do. When the activity's key changes, the next launch replaces it, and sourcedIds
 * issued under the old key stop working.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Activity, ExternalLti12 } from '../academy/model';
import { validId } from '../academy/validation';
import { randomToken } from '../crypto';
import type { Clock, PlatformStore, ResultSourcedId } from '../ports';

export interface SourcedIdParts {
  readonly activityId: string;
  readonly userId: string;
  readonly secret: string;
}

const secretPart = /^[A-Za-z0-9_-]{22,64}$/;

export function formatSourcedId(parts: SourcedIdParts): string {
  return `${parts.activityId}:${parts.userId}:${parts.secret}`;
}

/** The parts of a sourcedId, or undefined when it cannot be one of ours. */
export function parseSourcedId(value: string | undefined): SourcedIdParts | undefined {
  const parts = (value ?? '').trim().split(':');
  if (parts.length !== 3) return undefined;
  const [activityId, userId, secret] = parts as [string, string, string];
  if (!validId(activityId) || !validId(userId) || !secretPart.test(secret)) return undefined;
  return { activityId, userId, secret };
}

/** True when `record` is the stored record of `parts`, bound to `consumerKey`. */
export function sourcedIdMatches(record: ResultSourcedId | undefined, parts: SourcedIdParts, consumerKey: string): boolean {
  if (!record || record.activityId !== parts.activityId || record.userId !== parts.userId) return false;
  const a = Buffer.from(record.secret);
  const b = Buffer.from(parts.secret);
  return a.length === b.length && timingSafeEqual(a, b) && record.consumerKey === consumerKey;
}

export interface SourcedIdDeps {
  readonly platform: PlatformStore;
  readonly clock: Clock;
}

/**
 * The sourcedId of a learner in an external LTI 1.2 activity: the stored one when it is bound to
 * the activity's key, else a new one (stored with a conditional write; a concurrent launch's wins).
 */
export async function issueSourcedId(
  deps: SourcedIdDeps,
  activity: Activity & { lti: ExternalLti12 },
  userId: string,
  stored: ResultSourcedId | undefined,
): Promise<string> {
  let current = stored;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (current && current.consumerKey === activity.lti.key) {
      return formatSourcedId({ activityId: activity.id, userId, secret: current.secret });
    }
    const record: ResultSourcedId = {
      environmentId: activity.environmentId,
      activityId: activity.id,
      userId,
      consumerKey: activity.lti.key,
      secret: randomToken(16),
      createdAt: new Date(deps.clock.now()).toISOString(),
    };
    if (await deps.platform.putSourcedId(record, current?.secret)) return formatSourcedId(record);
    current = (await deps.platform.context(activity.environmentId, activity.id, userId)).sourcedId;
  }
  throw new Error('the result sourcedId kept changing while it was being issued');
}
