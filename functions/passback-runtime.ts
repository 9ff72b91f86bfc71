/**
 * The composition root of passback: the runtime plus this process's passback queue. It is apart
 * from `./runtime.ts` so that only the functions that pass progress back (the admin API and the
 * passback worker) bundle the SQS client and the protocol deliverers (POX/XML, and LTI 1.3's token
 * client); the JWKS and the launch handlers stay small for their cold starts.
 *
 * The queue is SQS when the function has one (`PASSBACK_QUEUE_URL`), the in-process queue in local
 * mode (each attempt runs in this process, with the same retry policy), and otherwise a queue that
 * refuses (a function without `queue:send`).
 */
import { attemptDelivery, type PassbackDeps } from './academy/passback';
import { sqsClient, SqsPassbackQueue } from './adapters/sqs-queue';
import type { Config } from './config';
import { InProcessQueue } from './local/in-process-queue';
import type { PassbackQueue } from './ports';
import { runtime, type Runtime } from './runtime';
import { signer } from './signer-runtime';

export type PassbackRuntime = Runtime & PassbackDeps;

function createQueue(config: Config): PassbackQueue {
  if (config.passbackQueueUrl) return new SqsPassbackQueue(sqsClient(config), config.passbackQueueUrl);
  if (config.localMode) return new InProcessQueue((message) => attemptDelivery(passbackRuntime(), message));
  return {
    send: async () => {
      throw new Error('PASSBACK_QUEUE_URL is not set: this function has no queue:send permission');
    },
  };
}

const built = new WeakMap<Runtime, PassbackRuntime>();

/** `base` (the process's runtime by default) with its passback queue, built once per runtime. */
export function passbackRuntime(base: Runtime = runtime()): PassbackRuntime {
  let extended = built.get(base);
  if (!extended) {
    extended = { ...base, signer: signer(), passbackQueue: createQueue(base.config) };
    built.set(base, extended);
  }
  return extended;
}
