/**
 * The composition root of passback: the runtime plus this process's passback queue. It is apart
 * from `./runtime.ts` so that only the functions that pass progress back (the admin API and the
 * passback worker) bundle the SQS client and the protocol deliverers (POX/XML, and LTI 1.3's token
 * client); the JWKS and the launch handlers stay small for their cold starts.
 *
 * The queue is SQS when the function has one (`PASSBACK_QUEUE_URL`), the in-process queue in local
 * mode (each attempt runs in this process, with the same retry policy), and otherwise a queue that
 * refuses (a function without `queue:send`).
 *
 * In local mode, creating the queue (on first use in a process) also recovers what an earlier
 * process left behind: every delivery still `pending` from before is queued again at its next
 * attempt (`requeuePending`), since the earlier process's queue died with it. A message the
 * in-process queue dead-letters marks its delivery `failed`, as the dead-letter function does on AWS.
 */
import { attemptDelivery, type PassbackDeps } from '../academy/passback/dispatcher';
import { markDeadLettered, requeuePending } from '../academy/passback/recovery';
import { DynamoPassbackStore } from '../adapters/dynamo-passback';
import { sqsClient, SqsPassbackQueue } from '../adapters/sqs-queue';
import { InProcessQueue } from '../local/in-process-queue';
import type { PassbackQueue, Signer } from '../ports';
import { deliverers } from './deliverers';
import { runtime, type Runtime } from './runtime';

export type PassbackRuntime = Runtime & PassbackDeps;

function createQueue(base: Runtime): PassbackQueue {
  const { config } = base;
  if (config.passbackQueueUrl) return new SqsPassbackQueue(sqsClient(config), config.passbackQueueUrl);
  if (config.localMode) return localQueue(base);
  return {
    send: async () => {
      throw new Error('PASSBACK_QUEUE_URL is not set: this function has no queue:send permission');
    },
  };
}

/** Local mode's queue, with the recovery of the deliveries an earlier process left `pending`. */
function localQueue(base: Runtime): InProcessQueue {
  const createdAt = base.clock.now();
  const queue = new InProcessQueue((message) => attemptDelivery(passbackRuntime(base), message), {
    onDeadLetter: (message, receives) => markDeadLettered(base, message, receives),
  });
  const store = new DynamoPassbackStore(base.dynamo, base.config.tables.data);
  // Deliveries updated from now on are this process's own, and queued by it.
  requeuePending({ pending: () => store.scanPendingDeliveriesForLocalRecovery(createdAt), passbackQueue: queue }).then(
    (queued) => {
      if (queued.length > 0) console.log(JSON.stringify({ level: 'info', message: 'passback: queued again the deliveries left pending by an earlier run', count: queued.length }));
    },
    (error: unknown) => {
      console.error(JSON.stringify({ level: 'error', message: 'passback: pending deliveries could not be recovered', error: error instanceof Error ? error.message : String(error) }));
    },
  );
  return queue;
}

/**
 * The signer deliveries use (an LTI 1.3 client assertion), given by the functions that deliver: the
 * passback worker, and the local server for its in-process queue. The admin API only queues, so it
 * does not bundle the KMS client (about 25 ms of its cold start); a delivery attempted without a
 * signer fails with a clear error instead.
 */
let deliverySigner: (() => Signer) | undefined;

export function useDeliverySigner(factory: () => Signer): void {
  deliverySigner = factory;
}

const cannotSign = (): Promise<never> => Promise.reject(new Error('this function does not sign: it only queues passbacks'));
const noSigner: Signer = { publicKeys: cannotSign, signJwt: cannotSign };

const built = new WeakMap<Runtime, PassbackRuntime>();

/** `base` (the process's runtime by default) with its passback queue, built once per runtime. */
export function passbackRuntime(base: Runtime = runtime()): PassbackRuntime {
  let extended = built.get(base);
  if (!extended) {
    extended = { ...base, signer: deliverySigner?.() ?? noSigner, passbackQueue: createQueue(base), deliverers };
    built.set(base, extended);
  }
  return extended;
}
