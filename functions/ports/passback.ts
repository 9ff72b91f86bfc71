/**
 * Progress back to the LMS (passback): where a launch said progress goes (its binding), the
 * deliveries, their queue and their store.
 */
import type { Activity, Progress } from '../academy/model';

/** Where progress goes back to: the LMS that launched a user into an academy activity. */
export interface Lti12Binding {
  readonly version: '1.2';
  readonly consumerKey: string;
  /** `lis_outcome_service_url` */
  readonly serviceUrl: string;
  /** `lis_result_sourcedid` */
  readonly sourcedId: string;
  /**
   * Which of the key's secrets the launch was signed with (its `secretIssuedAt`), so that during a
   * rotation's overlap the passback is signed with the secret the LMS holds. Absent: the key's
   * secret from before rotation existed, or a binding from before.
   */
  readonly secretIssuedAt?: string;
}

export interface Lti13Binding {
  readonly version: '1.3';
  readonly platformId: string;
  /** The platform's user id (`sub`), AGS `userId`. */
  readonly sub: string;
  /** AGS endpoint claim (LTI AGS §3.1): a line item URL, the line items URL, the scopes granted. */
  readonly lineitem?: string;
  readonly lineitems?: string;
  readonly scopes: readonly string[];
  /** The launch's `resource_link.id`: a line item the academy creates is attached to that link (AGS §3.2.9). */
  readonly resourceLinkId?: string;
}

export type PassbackBinding = Lti12Binding | Lti13Binding;

/** A stable key of a binding: one per LMS (consumer key or platform) for a user and activity. */
export function bindingKey(binding: PassbackBinding): string {
  return binding.version === '1.2' ? `lti12:${binding.consumerKey}` : `lti13:${binding.platformId}`;
}

export const deliveryStates = ['pending', 'delivered', 'failed'] as const;

export type DeliveryState = (typeof deliveryStates)[number];

/** Which delivery: one per learner, activity and binding (LMS). */
export interface DeliveryKey {
  readonly environmentId: string;
  readonly activityId: string;
  readonly userId: string;
  /** {@link bindingKey} of the binding it delivers to. */
  readonly bindingKey: string;
}

/**
 * The state of passing a learner's progress back to one LMS (docs/product.md "Progress back to the LMS").
 * Every progress update opens it again (`pending`, attempts 0, the next `sequence`); a delivery that
 * keeps failing stays `failed` with its last error until the next update.
 */
export interface Delivery extends DeliveryKey {
  readonly version: PassbackBinding['version'];
  /** Where it goes: the outcome service URL (LTI 1.2) or the line item (LTI 1.3). */
  readonly target: string;
  readonly state: DeliveryState;
  /** Tries so far since the delivery was last opened. */
  readonly attempts: number;
  readonly lastError?: string;
  /** Grows by one each time the delivery is opened: the result of an older one is never recorded over a newer one. */
  readonly sequence: number;
  /** The progress that opened it (an attempt sends the newest progress). */
  readonly progress: { readonly status: Progress['status']; readonly score?: number };
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly deliveredAt?: string;
}

/** One queued attempt of a delivery. */
export interface PassbackMessage extends DeliveryKey {
  readonly sequence: number;
  /**
   * The delivery's `attempts` when the message was queued: a message whose sequence or attempt no
   * longer matches the stored delivery is stale (superseded, or a duplicate) and is dropped.
   */
  readonly attempt: number;
  /** The correlation id of the request that recorded the progress (`observability.ts`), so its attempts' log lines name it. */
  readonly correlationId?: string;
}

/** At-least-once delivery of passback attempts: SQS on AWS, an in-process queue locally. */
export interface PassbackQueue {
  /** Queues an attempt, to run after `delaySeconds` (0 by default). */
  send(message: PassbackMessage, options?: { readonly delaySeconds?: number }): Promise<void>;
}

/** Everything stored about one learner in one activity that progress views and passback need. */
export interface LearnerRecords {
  readonly userId: string;
  readonly enrolled: boolean;
  readonly progress?: Progress;
  readonly bindings: readonly PassbackBinding[];
  readonly deliveries: readonly Delivery[];
}

/** What one delivery attempt reads. */
export interface DeliveryContext {
  readonly delivery?: Delivery;
  /** The binding as the newest launch left it. */
  readonly binding?: PassbackBinding;
  /** The newest progress. */
  readonly progress?: Progress;
  readonly activity?: Activity;
}

export interface PassbackStore {
  /** One Query: a learner's enrollment, progress, bindings and deliveries in an activity. */
  learner(environmentId: string, activityId: string, userId: string): Promise<LearnerRecords>;
  /** Every learner who is enrolled in or has progress in an activity, ordered by user id. */
  activity(environmentId: string, activityId: string): Promise<LearnerRecords[]>;
  /**
   * Opens (creates or reopens) the delivery of `key`: `pending`, attempts 0, no error, carrying
   * `progress`, with a `sequence` one above the stored one (an atomic counter). Answers it.
   */
  open(
    key: DeliveryKey,
    input: { readonly binding: PassbackBinding; readonly target: string; readonly progress: Progress; readonly now: number },
  ): Promise<Delivery>;
  /** One read (BatchGetItem): the delivery, its binding, the newest progress and the activity. */
  load(key: DeliveryKey): Promise<DeliveryContext>;
  /**
   * Records the result of the attempt that `message` asked for: attempts become `message.attempt + 1`.
   * Conditional on the stored delivery still being `pending` at that sequence and attempt count;
   * answers false (and changes nothing) when it is not.
   */
  record(
    message: PassbackMessage,
    result: { readonly state: DeliveryState; readonly lastError?: string; readonly target: string; readonly now: number },
  ): Promise<boolean>;
  /**
   * Marks the delivery `failed` with `lastError` when the attempt `message` asked for will never
   * run (it could not be queued, or its message was dead-lettered); attempts stay as they are.
   * Conditional as `record`; answers false (and changes nothing) when the delivery moved on.
   */
  abandon(message: PassbackMessage, result: { readonly lastError: string; readonly now: number }): Promise<boolean>;
}
