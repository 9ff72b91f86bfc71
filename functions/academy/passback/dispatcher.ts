/**
 * Progress back to the LMS (docs/product.md "Progress back to the LMS"): the dispatcher between recorded
 * progress and the protocol deliverers of `../../app/deliverers.ts`.
 *
 * - {@link passBack} opens a delivery for every binding of a learner in an activity (the LMSs that
 *   launched them into it) and queues its first attempt (or marks it `failed` when it cannot).
 * - {@link attemptDelivery} runs one queued attempt, on AWS in the SQS worker, locally in the
 *   in-process queue: it reads the delivery, its binding (as the newest launch left it) and the
 *   newest progress, sends, records the result, and queues the next attempt after the retry
 *   policy's delay. Delivery is at least once: a retried or duplicated message may send the same
 *   result twice, which `replaceResult` and AGS scores tolerate (they replace).
 *
 * A `pending` delivery always has its next attempt queued; `./recovery.ts` settles the
 * deliveries whose queued attempt was lost (dead-lettered, or a local server that stopped).
 *
 * Ordering: every update reopens the delivery with the next `sequence`; a queued message names the
 * sequence and attempt it was queued for, and one that no longer matches the stored delivery is
 * stale and dropped, so an older delivery's result never overwrites a newer one's and a duplicated
 * message never forks a second retry chain.
 */
import { correlationId, count, log } from '../../observability';
import { randomInt } from 'node:crypto';
import {
  bindingKey,
  type Delivery,
  type DeliveryKey,
  type LearnerRecords,
  type PassbackBinding,
  type PassbackMessage,
  type PassbackQueue,
  type PassbackStore,
} from '../../ports';
import {
  DeliveryError,
  type Deliverer,
  type DelivererDeps,
  type DelivererRegistry,
  type DeliveryTarget,
  type DeliveryTargetRegistry,
} from './deliverer';
import type { Progress } from '../model';
import { passbackRetryPolicy, retryDelaySeconds, shouldRetry, type RetryPolicy } from './retry-policy';

export interface PassbackDeps extends DelivererDeps {
  readonly passbacks: PassbackStore;
  readonly passbackQueue: PassbackQueue;
  /** The deliverer of each binding version, registered by the composition root (`../../app/deliverers.ts`). */
  readonly deliverers: DelivererRegistry;
  readonly retryPolicy?: RetryPolicy;
  /** A number in [0, 1) for retry jitter; `crypto.randomInt` unless given. */
  readonly random?: () => number;
}

/** What an attempt came to. */
export type AttemptOutcome =
  | { readonly result: 'delivered' }
  | { readonly result: 'retry'; readonly delaySeconds: number; readonly error: string }
  | { readonly result: 'failed'; readonly error: string }
  /** The message no longer matches the delivery (superseded by a newer update, or a duplicate): nothing was sent. */
  | { readonly result: 'stale' };

/** What opening deliveries needs ({@link passBack}): no protocol client, as nothing is sent. */
export interface PassbackOpeningDeps {
  readonly clock: DelivererDeps['clock'];
  readonly passbacks: PassbackStore;
  readonly passbackQueue: PassbackQueue;
  /** Where each binding version's deliveries go, registered by the composition root (`../../app/delivery-targets.ts`). */
  readonly deliveryTargets: DeliveryTargetRegistry;
}

const cryptoRandom = () => randomInt(0, 2 ** 32) / 2 ** 32;

function delivererOf(deps: Pick<PassbackDeps, 'deliverers'>, binding: PassbackBinding): Deliverer | undefined {
  return deps.deliverers[binding.version] as Deliverer | undefined;
}

/** Where a binding's deliveries go, also when no deliverer handles its version. */
function targetOf(binding: PassbackBinding, deliveryTarget: DeliveryTarget | undefined): string {
  if (deliveryTarget) return deliveryTarget.target(binding);
  return binding.version === '1.2' ? binding.serviceUrl : (binding.lineitem ?? binding.lineitems ?? '');
}

/**
 * Opens a delivery of `progress` for every binding of the learner and queues its first attempt;
 * answers the opened deliveries. A binding whose protocol does not carry this progress (LTI 1.2
 * and `in-progress`) gets none, and its last delivery stays as it was. A binding whose version has
 * no deliverer gets one anyway, which its attempt records as `failed` with the reason.
 *
 * A delivery whose first attempt cannot be queued is marked `failed` at once with a `lastError`
 * that starts "could not be queued:" (never `pending` with nothing queued), the other bindings are
 * still opened and queued, and then this rejects with the (first) error: the caller answers that
 * the passback did not go, and sending the progress again reopens and queues it.
 */
export async function passBack(deps: PassbackOpeningDeps, learner: LearnerRecords, progress: Progress): Promise<Delivery[]> {
  const now = deps.clock.now();
  const results = await Promise.allSettled(
    learner.bindings.map(async (binding) => {
      const deliveryTarget = deps.deliveryTargets[binding.version] as DeliveryTarget | undefined;
      if (deliveryTarget && !deliveryTarget.carries(progress)) return undefined;
      const key: DeliveryKey = {
        environmentId: progress.environmentId,
        activityId: progress.activityId,
        userId: progress.userId,
        bindingKey: bindingKey(binding),
      };
      const delivery = await deps.passbacks.open(key, { binding, target: targetOf(binding, deliveryTarget), progress, now });
      const correlation = correlationId();
      const first: PassbackMessage = {
        ...key,
        sequence: delivery.sequence,
        attempt: 0,
        ...(correlation ? { correlationId: correlation } : {}),
      };
      try {
        await deps.passbackQueue.send(first);
      } catch (error) {
        // Marking it is best effort: when the store fails too, the delivery stays as `open` left it.
        await deps.passbacks.abandon(first, { lastError: notQueuedError(error), now: deps.clock.now() }).catch((markError: unknown) => {
          const detail = markError instanceof Error ? markError.message : String(markError);
          log.error('passback could not be queued nor marked failed', { delivery: first, error: detail });
        });
        throw error;
      }
      return delivery;
    }),
  );
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
  return results.flatMap((result) => (result.status === 'fulfilled' && result.value ? [result.value] : []));
}

/** The `lastError` of a delivery whose first attempt the queue refused. */
export function notQueuedError(error: unknown): string {
  const detail = (error instanceof Error ? error.message : String(error)).slice(0, 200);
  return `could not be queued: ${detail}; record the progress again to send it`;
}

/** The progress a delivery opened with, as a record (for an attempt when the newest is not carried). */
function openingProgress(delivery: Delivery): Progress {
  return {
    environmentId: delivery.environmentId,
    activityId: delivery.activityId,
    userId: delivery.userId,
    status: delivery.progress.status,
    ...(delivery.progress.score !== undefined ? { score: delivery.progress.score } : {}),
    updatedAt: delivery.createdAt,
  };
}

/** Anything a deliverer throws that is not a `DeliveryError` is a bug or an outage of ours: retried, detail logged. */
function unexpected(error: unknown, message: PassbackMessage): DeliveryError {
  const detail = error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { value: String(error) };
  log.error('passback delivery failed unexpectedly', { delivery: message, error: detail });
  return new DeliveryError('an unexpected error occurred while sending (see the service log); it will be tried again', true);
}

/**
 * Runs the attempt `message` asks for (see the file comment). The next attempt is queued before
 * the result is recorded, so that a crash in between leaves the message to be redelivered rather
 * than a `pending` delivery with nothing queued. Errors of the store or the queue propagate: the
 * message is then redelivered (SQS visibility timeout, then the dead-letter queue).
 */
export async function attemptDelivery(deps: PassbackDeps, message: PassbackMessage): Promise<AttemptOutcome> {
  const found = await deps.passbacks.load(message);
  const { delivery, binding, activity } = found;
  if (!delivery || delivery.state !== 'pending' || delivery.sequence !== message.sequence || delivery.attempts !== message.attempt) {
    return { result: 'stale' };
  }

  const deliverer = binding && delivererOf(deps, binding);
  let target = delivery.target;
  let error: DeliveryError | undefined;
  try {
    if (!binding) throw new DeliveryError('the LMS binding of this delivery no longer exists', false);
    if (!deliverer)
      throw new DeliveryError(`progress cannot be passed back through LTI ${binding.version}: no deliverer is registered for it`, false);
    if (!activity) throw new DeliveryError('the activity no longer exists', false);
    target = deliverer.target(binding);
    const progress = found.progress && deliverer.carries(found.progress) ? found.progress : openingProgress(delivery);
    await deliverer.deliver({ binding, progress, activity }, deps);
  } catch (caught) {
    error = caught instanceof DeliveryError ? caught : unexpected(caught, message);
  }

  const attempts = message.attempt + 1;
  const policy = deps.retryPolicy ?? passbackRetryPolicy;
  const retry = error !== undefined && error.retryable && shouldRetry(policy, attempts);
  let delaySeconds = 0;
  if (retry) {
    delaySeconds = retryDelaySeconds(policy, attempts, deps.random ?? cryptoRandom, error?.retryAfterSeconds);
    const correlation = message.correlationId ? { correlationId: message.correlationId } : {};
    await deps.passbackQueue.send({ ...keyOf(message), sequence: message.sequence, attempt: attempts, ...correlation }, { delaySeconds });
  }
  const state = error === undefined ? 'delivered' : retry ? 'pending' : 'failed';
  const recorded = await deps.passbacks.record(message, { state, lastError: error?.message, target, now: deps.clock.now() });
  if (!recorded) return { result: 'stale' };
  count(error === undefined ? 'PassbackDelivered' : retry ? 'PassbackRetried' : 'PassbackFailed', {
    version: message.bindingKey.split(':')[0] ?? '',
  });
  if (error)
    log.warn(retry ? 'passback attempt failed; retrying' : 'passback failed', { delivery: keyOf(message), attempts, error: error.message });
  if (!error) return { result: 'delivered' };
  return retry ? { result: 'retry', delaySeconds, error: error.message } : { result: 'failed', error: error.message };
}

function keyOf(message: PassbackMessage): DeliveryKey {
  return { environmentId: message.environmentId, activityId: message.activityId, userId: message.userId, bindingKey: message.bindingKey };
}
