/**
 * A learner's progress in an activity, as the academy records it and reads it back (docs/product.md
 * "Admin API": `PUT` and `GET /admin/environments/{env}/activities/{id}/progress[/{userId}]`), with
 * the state of its passback to every LMS that launched the learner into the activity.
 */
import * as z from 'zod/mini';
import { HttpError, notFound } from '../errors';
import type { ActivityStore, Delivery, EnvironmentStore, LearnerRecords, ProgressStore, UserStore } from '../ports';
import { requireEnvironment } from './environments';
import { progressStatuses, type Activity, type Progress, type User } from './model';
import { passBack, type PassbackOpeningDeps } from './passback/dispatcher';
import { parse, validId } from './validation';

const scoreMessage = 'score must be a number from 0 to 100';

/**
 * `score` is checked by a custom rule rather than `z.number()`: `parse()` words every type error as
 * "is required", and a score sent as a string is not missing.
 */
const progressBody = z.strictObject({
  status: z.enum(progressStatuses, {
    error: (issue) => (issue.input === undefined ? 'status is required' : `status must be one of ${progressStatuses.join(', ')}`),
  }),
  score: z.optional(
    z.custom<number | null>(
      (value) => value === null || (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 100),
      { error: scoreMessage },
    ),
  ),
});

export interface ProgressDeps extends PassbackOpeningDeps {
  readonly environments: EnvironmentStore;
  readonly activities: ActivityStore;
  readonly users: UserStore;
  readonly progress: ProgressStore;
}

/** One passback as progress views show it. */
export interface PassbackView {
  readonly version: Delivery['version'];
  readonly target: string;
  readonly state: Delivery['state'];
  readonly attempts: number;
  readonly lastError: string | null;
  readonly updatedAt: string;
  readonly deliveredAt: string | null;
}

export interface ProgressView {
  readonly userId: string;
  readonly activityId: string;
  readonly status: Progress['status'];
  readonly score: number | null;
  /** When the progress was last recorded; null for a learner who has none yet. */
  readonly updatedAt: string | null;
  readonly passbacks: readonly PassbackView[];
}

/**
 * The view of a learner's records. A learner who is enrolled (launched into the activity) but has
 * no progress recorded is `not-attempted` with no score: being enrolled is what "not attempted"
 * means, and the view lists them so that an administrator sees every learner an LMS sent.
 */
export function progressView(activityId: string, learner: LearnerRecords): ProgressView {
  return {
    userId: learner.userId,
    activityId,
    status: learner.progress?.status ?? 'not-attempted',
    score: learner.progress?.score ?? null,
    updatedAt: learner.progress?.updatedAt ?? null,
    passbacks: [...learner.deliveries]
      .sort((a, b) => (a.bindingKey < b.bindingKey ? -1 : a.bindingKey > b.bindingKey ? 1 : 0))
      .map((delivery) => ({
        version: delivery.version,
        target: delivery.target,
        state: delivery.state,
        attempts: delivery.attempts,
        lastError: delivery.lastError ?? null,
        updatedAt: delivery.updatedAt,
        deliveredAt: delivery.deliveredAt ?? null,
      })),
  };
}

/** The environment, the activity and the user of a progress path, or a 404 that names which is missing. */
async function requireLearner(
  deps: Pick<ProgressDeps, 'environments' | 'activities' | 'users'>,
  environmentId: string,
  activityId: string,
  userId: string,
): Promise<{ activity: Activity; user: User }> {
  await requireEnvironment(deps, environmentId);
  const [activity, user] = await Promise.all([
    validId(activityId) ? deps.activities.get(environmentId, activityId) : undefined,
    validId(userId) ? deps.users.get(environmentId, userId) : undefined,
  ]);
  if (!activity) throw notFound(`activity ${activityId}`);
  if (!user) throw notFound(`user ${userId}`);
  return { activity, user };
}

/**
 * `PUT …/progress/{userId}` `{status, score?}`: records the progress (replacing the previous one;
 * a `null` or absent score means none), then opens a delivery to every LMS that launched this
 * learner into this activity and queues it (`./passback/dispatcher.ts`). Answers the learner's view, whose
 * passbacks are then `pending`.
 *
 * When the progress is recorded but a passback cannot be queued, that passback is kept as `failed`
 * with a `lastError` starting "could not be queued:" (`passBack`), and the answer is a 503 that
 * says so. Both, because each reader needs one: the academy that sent the progress learns at once
 * that it has not gone back and may simply send it again (safe: it reopens and queues the
 * passback), and an administrator looking at the progress later sees why the LMS has no score,
 * rather than a `pending` that would never move.
 */
export async function recordProgress(
  deps: ProgressDeps,
  environmentId: string,
  activityId: string,
  userId: string,
  body: unknown,
): Promise<ProgressView> {
  await requireLearner(deps, environmentId, activityId, userId);
  const input = parse(progressBody, body);
  const at = new Date(deps.clock.now()).toISOString();
  const score = input.score ?? undefined;
  const progress: Progress = {
    environmentId,
    activityId,
    userId,
    status: input.status,
    ...(score !== undefined ? { score, scoredAt: at } : {}),
    updatedAt: at,
  };
  await deps.progress.put(progress);
  const learner = await deps.passbacks.learner(environmentId, activityId, userId);
  let opened: Delivery[];
  try {
    opened = await passBack(deps, learner, progress);
  } catch (error) {
    // The edge logs a 5xx with its cause.
    throw new HttpError(
      503,
      'passback_unavailable',
      'the progress is recorded, but passing it back to the LMS could not be queued; send the same progress again',
      {
        expose: true,
        cause: error,
      },
    );
  }
  const reopened = new Set(opened.map((delivery) => delivery.bindingKey));
  return progressView(activityId, {
    ...learner,
    progress,
    deliveries: [...learner.deliveries.filter((delivery) => !reopened.has(delivery.bindingKey)), ...opened],
  });
}

/** `GET …/progress/{userId}`: the learner's progress and passbacks. */
export async function learnerProgress(
  deps: ProgressDeps,
  environmentId: string,
  activityId: string,
  userId: string,
): Promise<ProgressView> {
  await requireLearner(deps, environmentId, activityId, userId);
  return progressView(activityId, await deps.passbacks.learner(environmentId, activityId, userId));
}

/** `GET …/progress`: every learner enrolled in the activity or with progress in it, by user id. */
export async function activityProgress(
  deps: Pick<ProgressDeps, 'environments' | 'activities' | 'passbacks'>,
  environmentId: string,
  activityId: string,
): Promise<ProgressView[]> {
  await requireEnvironment(deps, environmentId);
  const activity = validId(activityId) ? await deps.activities.get(environmentId, activityId) : undefined;
  if (!activity) throw notFound(`activity ${activityId}`);
  return (await deps.passbacks.activity(environmentId, activityId)).map((learner) => progressView(activityId, learner));
}

/** The bodies this module validates, for the OpenAPI document (`functions/admin/openapi.ts`). */
export const progressSchemas = { put: progressBody };
