/**
 * The passback queue of a local server: the in-process queue (`./in-process-queue.ts`), which runs
 * each attempt in the server's process with the dispatcher and the deliverers of the passback worker
 * on AWS. A message it dead-letters marks its delivery `failed`, as the dead-letter function does
 * on AWS.
 *
 * Its messages live in memory: a server that stops loses its queued attempts, and their deliveries
 * stay `pending`. So a server, when it starts, queues again every delivery left `pending` by an
 * earlier one, at its next attempt ({@link requeueLeftPending}).
 */
import { attemptDelivery } from '../academy/passback/dispatcher';
import { markDeadLettered, requeuePending } from '../academy/passback/recovery';
import type { DynamoPassbackStore } from '../adapters/dynamo-passback';
import { deliverers } from '../app/deliverers';
import type { Runtime, RuntimeParts } from '../app/runtime';
import type { PassbackQueue } from '../ports';
import { InProcessQueue } from './in-process-queue';

/** The queue of the runtime `rt()` (read when a message runs, so the runtime may be built with this queue in it). */
export function localPassbackQueue(rt: () => Runtime & RuntimeParts): InProcessQueue {
  return new InProcessQueue((message) => attemptDelivery({ ...rt(), deliverers }, message), {
    onDeadLetter: (message, receives) => markDeadLettered(rt(), message, receives),
  });
}

/**
 * Queues again every delivery still `pending` that was last updated before `startedAt` (the
 * deliveries updated since are this server's own, and queued by it). Logs what it did; never throws.
 */
export async function requeueLeftPending(
  store: Pick<DynamoPassbackStore, 'scanPendingDeliveriesForLocalRecovery'>,
  queue: PassbackQueue,
  startedAt: number,
): Promise<void> {
  try {
    const queued = await requeuePending({ pending: () => store.scanPendingDeliveriesForLocalRecovery(startedAt), passbackQueue: queue });
    if (queued.length > 0)
      console.log(
        JSON.stringify({
          level: 'info',
          message: 'passback: queued again the deliveries left pending by an earlier run',
          count: queued.length,
        }),
      );
  } catch (error) {
    console.error(
      JSON.stringify({
        level: 'error',
        message: 'passback: pending deliveries could not be recovered',
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  }
}
