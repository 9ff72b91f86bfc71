/**
 * The passback queue in local mode: the local counterpart of SQS and the worker Lambda, in the
 * server's own process. A message runs after its delay on an unref'd timer (a queued retry never
 * keeps a process or a test alive); retries are queued by the same `attemptDelivery` as on AWS,
 * so they follow the same retry policy. A message whose processing throws is run again after the
 * policy's delay, at most `maxReceives` times in all (SQS: visibility timeout and `maxReceiveCount`),
 * then dead-lettered: logged and handed to `onDeadLetter`, which marks its delivery `failed` (as the
 * dead-letter queue's consumer does on AWS).
 *
 * Messages live in memory: a local server that stops loses its queued attempts. Their deliveries
 * stay `pending` in the store, and the next process queues them again when it creates its queue
 * (`./passback-queue.ts`, `requeuePending` in `../academy/passback/recovery.ts`).
 */
import { randomInt } from 'node:crypto';
import { passbackMaxReceives, passbackRetryPolicy, retryDelaySeconds, type RetryPolicy } from '../academy/passback/retry-policy';
import type { PassbackMessage, PassbackQueue } from '../ports';

export interface InProcessQueueOptions {
  /** How many times a message whose processing throws is run in all; `passbackMaxReceives` as the stack's redrive policy. */
  readonly maxReceives?: number;
  /** Receives a message that failed `maxReceives` times (with that count); an error it throws is logged. */
  readonly onDeadLetter?: (message: PassbackMessage, receives: number) => Promise<unknown>;
  readonly retryPolicy?: RetryPolicy;
  readonly log?: (line: string) => void;
}

export class InProcessQueue implements PassbackQueue {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly maxReceives: number;
  private readonly policy: RetryPolicy;
  private readonly log: (line: string) => void;
  private readonly onDeadLetter?: (message: PassbackMessage, receives: number) => Promise<unknown>;

  constructor(
    private readonly consume: (message: PassbackMessage) => Promise<unknown>,
    options: InProcessQueueOptions = {},
  ) {
    this.maxReceives = options.maxReceives ?? passbackMaxReceives;
    this.onDeadLetter = options.onDeadLetter;
    this.policy = options.retryPolicy ?? passbackRetryPolicy;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  async send(message: PassbackMessage, options: { delaySeconds?: number } = {}): Promise<void> {
    // A copy, as a queue would hold: the sender may not change what was queued.
    this.schedule({ ...message }, Math.max(0, options.delaySeconds ?? 0), 1);
  }

  /** Messages waiting for their timer. */
  get size(): number {
    return this.timers.size;
  }

  /** Drops every waiting message. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(message: PassbackMessage, delaySeconds: number, receive: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.run(message, receive);
    }, delaySeconds * 1000);
    timer.unref();
    this.timers.add(timer);
  }

  private async run(message: PassbackMessage, receive: number): Promise<void> {
    try {
      await this.consume(message);
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (receive < this.maxReceives) {
        const delay = retryDelaySeconds(this.policy, receive, () => randomInt(0, 2 ** 32) / 2 ** 32);
        this.log(JSON.stringify({ level: 'error', message: `passback message failed; run again in ${delay} s`, receive, error: detail }));
        this.schedule(message, delay, receive + 1);
      } else {
        this.log(
          JSON.stringify({
            level: 'error',
            message: 'passback message failed too often; dead-lettered',
            receive,
            delivery: message,
            error: detail,
          }),
        );
        await this.deadLetter(message, receive);
      }
    }
  }

  private async deadLetter(message: PassbackMessage, receives: number): Promise<void> {
    try {
      await this.onDeadLetter?.(message, receives);
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.log(
        JSON.stringify({
          level: 'error',
          message: 'dead-lettered passback message could not be settled',
          delivery: message,
          error: detail,
        }),
      );
    }
  }
}
