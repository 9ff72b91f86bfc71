/**
 * Progress back to an LMS that launched the activity with LTI 1.3 (docs/product.md "Progress back to the
 * LMS"): an AGS score (AGS 2.0 §3.4) for the launch's `sub`, posted to the launch's line item, or to
 * the activity's line item in the launch's line items container (found or created, §3.2, §4.8), with
 * an access token of the platform (`functions/lti13/core/tool-access-token.ts`).
 */
import { AgsError, lineItemOf, sendScore, scopesFor, type LineItemSpec, type ToolScore } from './tool-client';
import type { Lti13Binding } from '../../ports';
import { lti13DeliveryTarget } from './tool-passback-target';
import { DeliveryError, type Deliverer } from '../../academy/passback/deliverer';
import type { Activity, Progress } from '../../academy/model';

/** Scores are percentages. */
export const scoreMaximum = 100;

/**
 * The AGS score of a progress, as of its `updatedAt` (§3.4.9: when the score changed, with
 * milliseconds):
 *
 * - `not-attempted`: Initialized / NotReady, no score (§4.5: how a result is cleared);
 * - `in-progress`: Started, with NotReady, or Pending and the partial score when there is one;
 * - `completed`, `passed`, `failed`: Completed / FullyGraded, with the score, or, without one, 100
 *   for completed and passed and 0 for failed, as the LTI 1.2 passback reports them, so that the
 *   gradebook shows the same whichever LTI version the LMS launched with.
 */
export function agsScore(progress: Pick<Progress, 'status' | 'score' | 'updatedAt'>, userId: string): ToolScore {
  const timestamp = new Date(progress.updatedAt).toISOString();
  switch (progress.status) {
    case 'not-attempted':
      return { userId, activityProgress: 'Initialized', gradingProgress: 'NotReady', timestamp };
    case 'in-progress':
      return progress.score === undefined
        ? { userId, activityProgress: 'Started', gradingProgress: 'NotReady', timestamp }
        : { userId, scoreGiven: progress.score, scoreMaximum, activityProgress: 'Started', gradingProgress: 'Pending', timestamp };
    case 'completed':
    case 'passed':
    case 'failed': {
      const scoreGiven = progress.score ?? (progress.status === 'failed' ? 0 : scoreMaximum);
      return { userId, scoreGiven, scoreMaximum, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp };
    }
  }
}

/**
 * The line item the academy creates for an activity in a platform's container (AGS §3.2.5): the
 * activity's id as `resourceId` (§3.2.10), so that the next delivery finds it; its title as `label`
 * (Canvas names the gradebook column after it), or its id when it has none; out of 100.
 */
export function lineItemSpec(activity: Pick<Activity, 'id' | 'title'>, binding: Lti13Binding): LineItemSpec {
  return {
    resourceId: activity.id,
    label: activity.title.trim() || activity.id,
    scoreMaximum,
    ...(binding.resourceLinkId ? { resourceLinkId: binding.resourceLinkId } : {}),
  };
}

export const lti13Deliverer: Deliverer<Lti13Binding> = {
  ...lti13DeliveryTarget,

  async deliver({ binding, progress, activity }, deps) {
    if (!deps.platformRegistrations) throw new Error('the LTI 1.3 deliverer needs the platform registrations store');
    const platform = await deps.platformRegistrations.get(progress.environmentId, binding.platformId);
    if (!platform) throw new DeliveryError('the LTI 1.3 platform this learner launched from is no longer registered in the academy', false);
    if (!platform.activated)
      throw new DeliveryError('the LTI 1.3 platform this learner launched from is deactivated in the academy', false);
    try {
      const lineItem = await lineItemOf(deps, platform, binding, lineItemSpec(activity, binding));
      await sendScore(deps, platform, lineItem, agsScore(progress, binding.sub), scopesFor(binding));
    } catch (error) {
      if (error instanceof AgsError) throw new DeliveryError(error.message, error.retryable, error.retryAfterSeconds);
      throw error;
    }
  },
};
