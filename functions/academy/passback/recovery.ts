/**
 * Deliveries whose queued attempt is gone (docs/product.md "Progress back to the LMS": "a delivery that
 * keeps failing is kept as `failed`, never dropped"; issue 3 point 7: "nothing is dropped"). A
 * `pending` delivery always has its next attempt queued (`./dispatcher.ts`); when that attempt's
 * message is lost, one of these settles the delivery:
 *
 * - {@link markDeadLettered}: the message was received {@link passbackMaxReceives} times and its
 *   processing threw each time (a crash or an outage of ours, never an LMS's answer), so the queue
 *   dead-lettered it. On AWS the dead-letter queue's consumer (`../../handlers/passback-dead-letters.ts`)
 *   and locally the in-process queue mark the delivery `failed`, saying so; it is kept, and the next
 *   progress update reopens it.
 * - {@link requeuePending}, local mode only: the in-process queue holds its messages in memory, so a
 *   local server that stops loses them; the next process, when it creates its queue, queues every
 *   delivery left `pending` again at its next attempt.
 *
 * (The third way, a first attempt that cannot be queued at all, is settled where it happens:
 * `passBack` in `./dispatcher.ts`.)
 *
 * Light on purpose: the dead-letter function bundles this file, and not the protocol deliverers.
 */
import { log } from '../../observability';
import type { Clock, Delivery, PassbackMessage, PassbackQueue, PassbackStore } from '../../ports';
import { passbackMaxReceives } from './retry-policy';

/** The `lastError` of a delivery whose message was dead-lettered after `receives` receives. */
export function deadLetteredError(receives: number): string {
  return `delivery could not be processed (moved to the dead-letter queue after ${receives} receives; see the service log); record the progress again to send it`;
}

/**
 * Marks the delivery of a dead-lettered `message` `failed` with {@link deadLetteredError}, its
 * attempts as they were. Conditional on the delivery still waiting for exactly this attempt
 * (`PassbackStore.abandon`): a delivery that was reopened, delivered, or moved on to a later attempt
 * meanwhile is left alone (`stale`). Store errors propagate: the dead letter is then received again.
 */
export async function markDeadLettered(
  deps: { readonly passbacks: Pick<PassbackStore, 'abandon'>; readonly clock: Clock },
  message: PassbackMessage,
  receives: number = passbackMaxReceives,
): Promise<'failed' | 'stale'> {
  const marked = await deps.passbacks.abandon(message, { lastError: deadLetteredError(receives), now: deps.clock.now() });
  const outcome = marked ? 'failed' : 'stale';
  log.error('passback message dead-lettered', { receives, delivery: message, outcome });
  return outcome;
}

/** The message that asks for the next attempt of `delivery`. */
export function nextAttempt(delivery: Delivery): PassbackMessage {
  return {
    environmentId: delivery.environmentId,
    activityId: delivery.activityId,
    userId: delivery.userId,
    bindingKey: delivery.bindingKey,
    sequence: delivery.sequence,
    attempt: delivery.attempts,
  };
}

/**
 * Local mode only: queues the next attempt of every delivery `pending` gives (those left `pending`
 * by an earlier process, whose queued attempts died with it), to run at once; answers the queued
 * messages. An attempt that the earlier process did queue and run is not repeated: its result moved
 * the delivery on, and a duplicate is dropped as stale by `attemptDelivery`.
 */
export async function requeuePending(deps: {
  readonly pending: () => Promise<readonly Delivery[]>;
  readonly passbackQueue: PassbackQueue;
}): Promise<PassbackMessage[]> {
  const messages = (await deps.pending()).filter((delivery) => delivery.state === 'pending').map(nextAttempt);
  for (const message of messages) await deps.passbackQueue.send(message);
  return messages;
}
