/**
 * When a passback delivery is tried again (docs/product.md "Progress back to the LMS": "retried with
 * backoff when the LMS is down … a delivery that keeps failing is kept as `failed`, never dropped";
 * "Local mode": "Passback retries start within seconds and back off to at most a few minutes").
 *
 * One policy for both queues: the SQS worker re-enqueues with `DelaySeconds`, the local in-process
 * queue with a timer, and both ask this file for the delay. Pure: the randomness for jitter is given.
 */

export interface RetryPolicy {
  /** Tries in all, the first one included; after the last failed try the delivery is `failed`. */
  readonly maxAttempts: number;
  /** The wait after the first failed try. */
  readonly firstDelaySeconds: number;
  /** The longest wait between two tries. */
  readonly maxDelaySeconds: number;
  /** Each wait is this many times the one before (until `maxDelaySeconds`). */
  readonly factor: number;
  /**
   * Spread of each wait, as a fraction: 0.2 waits between 80 % and 120 % of the nominal delay, so
   * that deliveries that failed together (an LMS outage) do not all come back in the same second.
   */
  readonly jitter: number;
}

/**
 * 2 s, 4 s, 8 s … doubling up to 5 minutes; 20 tries in all. The waits add up to about 63 minutes
 * (2 + 4 + … + 256 = 510 s, then eleven waits of 300 s), so an LMS that is down for up to an hour
 * still gets the score without anyone doing anything.
 */
export const passbackRetryPolicy: RetryPolicy = Object.freeze({
  maxAttempts: 20,
  firstDelaySeconds: 2,
  maxDelaySeconds: 300,
  factor: 2,
  jitter: 0.2,
});

/**
 * How many times a queued attempt whose processing throws (a crash or an outage of ours, not an
 * LMS's answer) is received before it is dead-lettered: the stack's redrive `maxReceiveCount`
 * (`lib/passback-queue.ts`, checked equal by its test) and the in-process queue's `maxReceives`.
 * Its delivery is then marked `failed` (`./recovery.ts`).
 */
export const passbackMaxReceives = 5;

/** SQS refuses a `DelaySeconds` above 15 minutes. */
export const sqsMaxDelaySeconds = 900;

/** Whether a delivery that has failed `attempts` tries (1 or more) gets another one. */
export function shouldRetry(policy: RetryPolicy, attempts: number): boolean {
  return attempts < policy.maxAttempts;
}

/**
 * Whole seconds to wait after the `attempts`-th failed try (1 → about `firstDelaySeconds`), at least
 * 1 and at most `maxDelaySeconds` (and never above SQS's limit). `random` answers a number in [0, 1).
 *
 * `retryAfterSeconds` is what the LMS asked for (`Retry-After`, RFC 9110 §10.2.3): the wait is never
 * shorter than that, up to `maxDelaySeconds`, so that an LMS that names a time beyond the policy's
 * longest wait is still tried within it (and the delivery does not outlive the policy's hour). The
 * backoff still holds when the LMS asks for less: its jitter spreads deliveries that failed together.
 */
export function retryDelaySeconds(policy: RetryPolicy, attempts: number, random: () => number, retryAfterSeconds?: number): number {
  const exponent = Math.max(0, attempts - 1);
  const nominal = Math.min(policy.maxDelaySeconds, policy.firstDelaySeconds * policy.factor ** exponent);
  const spread = 1 - policy.jitter + 2 * policy.jitter * random();
  const backoff = Math.round(Math.min(policy.maxDelaySeconds, nominal * spread));
  const asked = retryAfterSeconds === undefined ? 0 : Math.min(policy.maxDelaySeconds, Math.ceil(retryAfterSeconds));
  return Math.min(sqsMaxDelaySeconds, Math.max(1, backoff, asked));
}

/** The nominal waits of a policy (no jitter), in order: what `retryDelaySeconds` aims at. */
export function retrySchedule(policy: RetryPolicy): number[] {
  const waits: number[] = [];
  for (let attempts = 1; shouldRetry(policy, attempts); attempts++) waits.push(retryDelaySeconds(policy, attempts, () => 0.5));
  return waits;
}
