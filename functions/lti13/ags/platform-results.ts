/**
 * The result service of the academy's Assignment and Grade Services (AGS 2.0 §3.3): the current
 * result of each learner on a line item, read-only, built from the latest score each learner got
 * (`./platform-scores.ts`). A learner whose latest score carries none is answered without
 * `resultScore` (§3.3.3: "MAY … return a result without any score").
 *
 * `user_id` (§3.3.6) answers a result only for a learner the token's tool launched into the
 * activity; for anyone else, known to the academy or not, it answers what a learner without a
 * result gets, `[]`, so that it tells nothing of who exists (docs/ags.md "Who a score may be for").
 * The unfiltered listing answers the line item's results: scores are taken only for such
 * learners (`./platform-scores.ts`), so those are theirs.
 */
import type { AgsResult, LineItem } from '../../ports';
import type { AgsContext } from './platform-access';
import { existingLineItem, getLineItem, lineItemUrl, type PlatformAgsDeps } from './platform-line-items';

/**
 * A result as §3.3.4 describes it. `resultScore` is the score rescaled to the line item's current
 * maximum (§3.4.4: "Usually a platform will just re-scale the value to the line item's
 * scoreMaximum"; §3.2.6: a changed maximum rescales the results), `resultMaximum` that maximum.
 */
export function resultView(publicUrl: string, item: LineItem, result: AgsResult): Record<string, unknown> {
  const scoreOf = lineItemUrl(publicUrl, item.environmentId, item.activityId, item.id);
  const scored = result.scoreGiven !== undefined && result.scoreMaximum !== undefined;
  return {
    id: `${scoreOf}/results?user_id=${encodeURIComponent(result.userId)}`,
    scoreOf,
    userId: result.userId,
    ...(scored ? { resultScore: Math.round(((result.scoreGiven! * item.scoreMaximum) / result.scoreMaximum!) * 1e6) / 1e6 } : {}),
    resultMaximum: item.scoreMaximum,
    ...(result.scoringUserId ? { scoringUserId: result.scoringUserId } : {}),
    ...(result.comment ? { comment: result.comment } : {}),
  };
}

export interface ResultQuery {
  /** §3.3.6 `user_id`: at most one result. */
  readonly userId?: string;
  readonly limit: number;
  /** The user id of the previous page's last result. */
  readonly after?: string;
}

/** A line item's results in user id order (404 for an unknown line item); `next` is the next page's `after`. */
export async function listResults(
  deps: PlatformAgsDeps,
  ctx: AgsContext,
  lineItemId: string,
  query: ResultQuery,
): Promise<{ results: Record<string, unknown>[]; next?: string }> {
  if (query.userId !== undefined) {
    // One read: the line item, the learner's launch by this tool and the learner's result.
    const learner = { environmentId: ctx.environmentId, activityId: ctx.activity.id, userId: query.userId, toolId: ctx.grant.toolId };
    const found = await deps.ags.getLearnerOnLineItem(learner, lineItemId, { withResult: true });
    const item = existingLineItem(ctx, lineItemId, found.lineItem);
    return { results: found.launched && found.result ? [resultView(deps.config.publicUrl, item, found.result)] : [] };
  }
  const item = await getLineItem(deps, ctx, lineItemId);
  const view = (result: AgsResult) => resultView(deps.config.publicUrl, item, result);
  const page = await deps.ags.listResults(ctx.environmentId, ctx.activity.id, item.id, {
    limit: query.limit,
    ...(query.after !== undefined ? { after: query.after } : {}),
  });
  return { results: page.items.map(view), ...(page.next ? { next: page.next } : {}) };
}
