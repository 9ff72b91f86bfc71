/**
 * The score publish service of the academy's Assignment and Grade Services (AGS 2.0 §3.4): a tool
 * posts a learner's latest score on a line item; it becomes the line item's result (§3.3) and, on
 * the activity's own line item, the learner's progress.
 *
 * The score goes through typed phases: the intake → its records, read in one round trip (the line
 * item, and whether this tool launched the recipient into the activity) → the request (the line item
 * exists: 404; the body is a score: 400) → the checks listed in `scoreChecks`, each a small function
 * that throws (a score only for a learner this tool launched into this activity: one 400 for
 * everyone else, see `recipientLaunched`). Then the result and the progress are written, each with
 * one conditional write that refuses an older `timestamp` (§3.4.9: "The platform MUST NOT update a result if the last timestamp on record is
 * later than the incoming score update"; the older score is ignored, as the section allows).
 *
 * Progress (docs/product.md "Launch an external activity"; the rule of `../../academy/scores.ts`, shared with Basic
 * Outcomes): a score becomes final only with `gradingProgress` `FullyGraded` (§3.4.8, §4.7: other
 * values are partial). A final score makes an e-learning `completed` and an exam `passed` at or
 * above its `minScore`, else `failed`. Before that the learner is `in-progress`, except that an
 * e-learning the tool reports `Completed` (§3.4.7) is `completed`. A partial score is kept in the
 * result, not in the progress.
 */
import { passes, type Check as PhaseCheck } from '../../lti/pipeline';
import type { Activity, Progress } from '../../academy/model';
import { invalid } from '../../errors';
import type { AgsResult, AgsStore, Clock, LearnerOnLineItem, LineItem, ProgressStore } from '../../ports';
import type { AgsContext } from './platform-access';
import { normalizeDateTime } from './platform-datetime';
import { activityProgressValues, gradingProgressValues } from './vocabulary';
import { dateTime, number, object, oneOf, text, type Body } from './platform-fields';
import { existingLineItem } from './platform-line-items';
import { defaultLineItemId } from '../core/platform-urls';
import { scoredProgress, unscoredProgress } from '../../academy/scores';

/** `application/vnd.ims.lis.v1.score+json` (§3.4.3); extensions (§3.1.2) are ignored. */
export interface PlatformScore {
  readonly userId: string;
  readonly scoreGiven?: number;
  readonly scoreMaximum?: number;
  readonly comment?: string;
  readonly activityProgress: (typeof activityProgressValues)[number];
  readonly gradingProgress: (typeof gradingProgressValues)[number];
  readonly timestamp: string;
  readonly scoringUserId?: string;
  readonly submission?: { readonly startedAt?: string; readonly submittedAt?: string };
}

function parseScore(body: Body): PlatformScore {
  const submission = object(body, 'submission');
  const startedAt = submission && dateTime(submission, 'startedAt', { label: 'submission.startedAt', section: '§3.4.10.1' });
  const submittedAt = submission && dateTime(submission, 'submittedAt', { label: 'submission.submittedAt', section: '§3.4.10.2' });
  const score = {
    userId: text(body, 'userId', { required: true, max: 255, nonBlank: true, section: '§3.4.5' })!,
    scoreGiven: number(body, 'scoreGiven', { atLeast: 0, section: '§3.4.4' }),
    scoreMaximum: number(body, 'scoreMaximum', { above: 0, section: '§3.4.4' }),
    comment: text(body, 'comment', { max: 10_000, section: '§3.4.11' }),
    activityProgress: oneOf(body, 'activityProgress', activityProgressValues, '§3.4.7'),
    gradingProgress: oneOf(body, 'gradingProgress', gradingProgressValues, '§3.4.8'),
    timestamp: dateTime(body, 'timestamp', { required: true, section: '§3.4.9' })!,
    scoringUserId: text(body, 'scoringUserId', { max: 255, nonBlank: true, section: '§3.4.6' }),
    submission: startedAt || submittedAt ? { ...(startedAt ? { startedAt } : {}), ...(submittedAt ? { submittedAt } : {}) } : undefined,
  };
  return Object.fromEntries(Object.entries(score).filter(([, value]) => value !== undefined)) as unknown as PlatformScore;
}

export interface ScoreDeps {
  readonly ags: AgsStore;
  readonly progress: ProgressStore;
  readonly clock: Clock;
}

/** A score as the route hands it over: the line item it is posted to and the body, nothing checked yet. */
export interface ScoreIntake {
  readonly ctx: AgsContext;
  readonly lineItemId: string;
  readonly body: Body;
}

/** The intake with what it is about, read at once: the stored line item and the recipient's launch by this tool. */
export interface ScoreRecords extends ScoreIntake {
  readonly found: LearnerOnLineItem;
}

/** A well-formed score of a line item of the activity. */
export interface ScoreRequest extends ScoreRecords {
  readonly lineItem: LineItem;
  readonly score: PlatformScore;
}

type Check = PhaseCheck<ScoreRequest, ScoreDeps>;

/**
 * One read (a BatchGetItem) before any check, so that the checks keep their order: the line item,
 * and whether this tool launched the learner the body names into the activity. A `userId` that is
 * not a non-empty string is refused by `scoreRequest` before its launch would matter.
 */
async function readScoreRecords(deps: ScoreDeps, intake: ScoreIntake): Promise<ScoreRecords> {
  const { ctx, lineItemId, body } = intake;
  const { userId } = body;
  if (typeof userId === 'string' && userId !== '') {
    const learner = { environmentId: ctx.environmentId, activityId: ctx.activity.id, userId, toolId: ctx.grant.toolId };
    return { ...intake, found: await deps.ags.getLearnerOnLineItem(learner, lineItemId) };
  }
  const lineItem = await deps.ags.getLineItem(ctx.environmentId, ctx.activity.id, lineItemId);
  return { ...intake, found: { ...(lineItem ? { lineItem } : {}), launched: false } };
}

/**
 * §3.4.1: the scores endpoint is a line item's URL + `/scores`, and the line item must exist (404);
 * then the body must be a score (400 naming the field).
 */
function scoreRequest(records: ScoreRecords): ScoreRequest {
  const lineItem = existingLineItem(records.ctx, records.lineItemId, records.found.lineItem);
  return { ...records, lineItem, score: parseScore(records.body) };
}

/** §3.4.4: "scoreMaximum … MUST be present when scoreGiven is present". */
const maximumWithScore: Check = (request) => {
  const { scoreGiven, scoreMaximum } = request.score;
  if (scoreGiven != null && scoreMaximum == null) {
    throw invalid('scoreMaximum', 'scoreMaximum is required when scoreGiven is present (§3.4.4)');
  }
};

/**
 * The recipient is a learner this tool launched into this activity (§3.4.5: `userId` is "the LTI
 * user ID", the `sub` of a launch; AGS §1: a tool reaches only the gradebook of its own deployment).
 * Users are never deleted, so a learner launched is a user of the environment.
 *
 * Anyone else gets one answer: a user the tool launched into another activity only, a user another
 * tool launched into this one, a user it never launched, an id no user has. It neither echoes the id
 * nor says which case it is, so the tool learns nothing of who exists (docs/ags.md "Who a score may
 * be for").
 */
const recipientLaunched: Check = (request) => {
  if (!request.found.launched) {
    throw invalid('userId', "userId is not a learner launched into this activity by this tool (it is the sub of the learner's launch)");
  }
};

export const scoreChecks: readonly Check[] = [maximumWithScore, recipientLaunched];

/**
 * A score in percent, rounded to 6 decimals so that binary fractions land where people expect
 * (`0.7` of `1` is 70, and passes an exam at 70). May exceed 100 (§3.4.4 allows extra credit).
 */
export function scorePercent(scoreGiven: number, scoreMaximum: number): number {
  return Math.round(((scoreGiven * 100) / scoreMaximum) * 1e6) / 1e6;
}

/** The result a score leaves (§3.4.4: no `scoreGiven` clears the score; §3.4.11: no `comment` clears it). */
export function resultOfScore(ctx: AgsContext, lineItemId: string, score: PlatformScore, now: number): AgsResult {
  const hasScore = score.scoreGiven != null && score.scoreMaximum != null;
  return {
    environmentId: ctx.environmentId,
    activityId: ctx.activity.id,
    lineItemId,
    userId: score.userId,
    ...(hasScore ? { scoreGiven: score.scoreGiven!, scoreMaximum: score.scoreMaximum! } : {}),
    activityProgress: score.activityProgress,
    gradingProgress: score.gradingProgress,
    ...(score.comment ? { comment: score.comment } : {}),
    ...(score.scoringUserId ? { scoringUserId: score.scoringUserId } : {}),
    ...(score.submission ? { submission: score.submission } : {}),
    timestamp: normalizeDateTime(score.timestamp)!,
    updatedAt: new Date(now).toISOString(),
  };
}

/** The learner's progress after a score on the activity's own line item (see the file comment). */
export function progressOfScore(
  activity: Pick<Activity, 'environmentId' | 'id' | 'type' | 'minScore'>,
  score: PlatformScore,
  now: number,
): Progress {
  const scoredAt = normalizeDateTime(score.timestamp)!;
  const final = score.gradingProgress === 'FullyGraded';
  if (final && score.scoreGiven != null && score.scoreMaximum != null) {
    const percent = Math.min(scorePercent(score.scoreGiven, score.scoreMaximum), 100);
    return scoredProgress(activity, score.userId, percent, now, scoredAt);
  }
  const open = unscoredProgress(activity, score.userId, now);
  if (activity.type === 'e-learning' && (final || score.activityProgress === 'Completed')) {
    return { ...open, status: 'completed', scoredAt };
  }
  return { ...open, scoredAt };
}

/**
 * Takes a score: runs the checks, records the result, and for the activity's own line item the
 * progress. Answers whether the score was applied (false: a later one is on record; it is ignored).
 */
export async function receiveScore(deps: ScoreDeps, intake: ScoreIntake): Promise<boolean> {
  const request = await passes(scoreRequest(await readScoreRecords(deps, intake)), scoreChecks, deps);
  const { score, lineItemId } = request;
  const now = deps.clock.now();
  const applied = await deps.ags.putResult(resultOfScore(intake.ctx, lineItemId, score, now));
  if (!applied || lineItemId !== defaultLineItemId) return applied;
  return deps.progress.put(progressOfScore(intake.ctx.activity, score, now), { onlyIfNewerScore: true });
}
