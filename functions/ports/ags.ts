/** Assignment and Grade Services 2.0, academy as platform: line items and results. */
import type { Page } from './core';
import type { LaunchedLearner } from './platform';

/**
 * AGS 2.0 §3.2: a line item (a gradebook column) of an external LTI 1.3 activity, created by its
 * tool through the line item service. The activity's own line item (`default`) is implicit: a
 * stored `default` only keeps what the tool set on it (resourceId, tag, dates).
 */
export interface LineItem {
  readonly environmentId: string;
  readonly activityId: string;
  readonly id: string;
  readonly label: string;
  /** Strictly greater than 0 (§3.2.8). */
  readonly scoreMaximum: number;
  readonly resourceLinkId?: string;
  readonly resourceId?: string;
  readonly tag?: string;
  readonly startDateTime?: string;
  readonly endDateTime?: string;
  readonly gradesReleased?: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** AGS 2.0 §3.3-3.4: the latest score a tool published for a user on a line item: what results answer. */
export interface AgsResult {
  readonly environmentId: string;
  readonly activityId: string;
  readonly lineItemId: string;
  /** The academy user id (the id_token's `sub`). */
  readonly userId: string;
  /** Absent when the score carries none (§3.4.4: the previous one is cleared). */
  readonly scoreGiven?: number;
  readonly scoreMaximum?: number;
  readonly activityProgress: string;
  readonly gradingProgress: string;
  readonly comment?: string;
  readonly scoringUserId?: string;
  readonly submission?: { readonly startedAt?: string; readonly submittedAt?: string };
  /** The score's `timestamp` in UTC with nine fraction digits, so that stored strings order by time. */
  readonly timestamp: string;
  readonly updatedAt: string;
}

/** What `AgsStore.getLearnerOnLineItem` answers. */
export interface LearnerOnLineItem {
  /** The stored line item (the implicit `default` may have none). */
  readonly lineItem?: LineItem;
  /** Whether the tool launched the learner into the activity (`LaunchedLearner`). */
  readonly launched: boolean;
  readonly result?: AgsResult;
}

/** Line items and results of the academy's Assignment and Grade Services (academy as platform). */
export interface AgsStore {
  getLineItem(environmentId: string, activityId: string, id: string): Promise<LineItem | undefined>;
  /**
   * The stored line items of an activity other than `default`, ordered by id, those after `after`
   * only, that match every given filter; at most `limit`, with `next` when more match.
   */
  listLineItems(
    environmentId: string,
    activityId: string,
    query: {
      readonly limit: number;
      readonly after?: string;
      readonly resourceLinkId?: string;
      readonly resourceId?: string;
      readonly tag?: string;
    },
  ): Promise<Page<LineItem>>;
  /** Creates a line item (conditional: an id is never overwritten). */
  createLineItem(item: LineItem): Promise<void>;
  /** Replaces a line item; unless `upsert`, only an existing one (answers false when there is none). */
  replaceLineItem(item: LineItem, options?: { readonly upsert?: boolean }): Promise<boolean>;
  /** Removes a line item and its results; false when there was none. */
  deleteLineItem(environmentId: string, activityId: string, id: string): Promise<boolean>;
  /**
   * What a request about one learner on a line item works on, in one strongly consistent read (a
   * BatchGetItem: a launch recorded a moment ago is seen): the stored line item, whether the tool
   * launched the learner into the activity, and with `withResult` the learner's result.
   */
  getLearnerOnLineItem(
    learner: LaunchedLearner,
    lineItemId: string,
    options?: { readonly withResult?: boolean },
  ): Promise<LearnerOnLineItem>;
  /** A line item's results ordered by user id, those after `after` only, at most `limit`. */
  listResults(
    environmentId: string,
    activityId: string,
    lineItemId: string,
    query: { readonly limit: number; readonly after?: string },
  ): Promise<Page<AgsResult>>;
  /**
   * Records a result unless the stored one has a later `timestamp` (one conditional write; AGS
   * §3.4.9: "The platform MUST NOT update a result if the last timestamp on record is later");
   * false when refused.
   */
  putResult(result: AgsResult): Promise<boolean>;
}
