/** The local in-process passback queue (`functions/local/in-process-queue.ts`), on jest's fake timers. */
import { passbackMaxReceives, passbackRetryPolicy } from '../../../functions/academy/passback/retry-policy';
import { InProcessQueue } from '../../../functions/local/in-process-queue';
import type { PassbackMessage } from '../../../functions/ports';

const message = (attempt = 0): PassbackMessage => ({
  environmentId: 'e',
  activityId: 'a',
  userId: 'u',
  bindingKey: 'lti12:k',
  sequence: 1,
  attempt,
});

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

it('runs a message after its delay, not before, and not inside send()', async () => {
  const consumed: PassbackMessage[] = [];
  const queue = new InProcessQueue(async (m) => void consumed.push(m));
  await queue.send(message(0));
  await queue.send(message(1), { delaySeconds: 2 });
  expect(consumed).toEqual([]);
  await jest.advanceTimersByTimeAsync(0);
  expect(consumed).toEqual([message(0)]);
  await jest.advanceTimersByTimeAsync(1999);
  expect(consumed).toHaveLength(1);
  await jest.advanceTimersByTimeAsync(1);
  expect(consumed).toEqual([message(0), message(1)]);
  expect(queue.size).toBe(0);
});

it('holds a copy: changing the sent object does not change the queued message', async () => {
  const consumed: PassbackMessage[] = [];
  const queue = new InProcessQueue(async (m) => void consumed.push(m));
  const sent = { ...message(0) };
  await queue.send(sent);
  (sent as { attempt: number }).attempt = 7;
  await jest.advanceTimersByTimeAsync(0);
  expect(consumed[0]!.attempt).toBe(0);
});

it('never keeps the process alive: its timers are unref’d', async () => {
  const spy = jest.spyOn(global, 'setTimeout');
  const queue = new InProcessQueue(async () => undefined);
  await queue.send(message(), { delaySeconds: 300 });
  const timer = spy.mock.results.at(-1)!.value as NodeJS.Timeout;
  expect(timer.hasRef()).toBe(false);
  queue.close();
  expect(queue.size).toBe(0);
  spy.mockRestore();
});

it('runs a message whose processing throws again after the retry policy’s delays, then dead-letters it', async () => {
  const log: string[] = [];
  let runs = 0;
  const queue = new InProcessQueue(
    async () => {
      runs++;
      throw new Error('store unavailable');
    },
    { maxReceives: 3, retryPolicy: { ...passbackRetryPolicy, jitter: 0 }, log: (line) => log.push(line) },
  );
  await queue.send(message());
  await jest.advanceTimersByTimeAsync(0);
  expect(runs).toBe(1);
  await jest.advanceTimersByTimeAsync(2000);
  expect(runs).toBe(2);
  await jest.advanceTimersByTimeAsync(3999);
  expect(runs).toBe(2);
  await jest.advanceTimersByTimeAsync(1);
  expect(runs).toBe(3);
  await jest.advanceTimersByTimeAsync(600_000);
  expect(runs).toBe(3);
  expect(log.map((line) => JSON.parse(line).message)).toEqual([
    'passback message failed; run again in 2 s',
    'passback message failed; run again in 4 s',
    'passback message failed too often; dead-lettered',
  ]);
  expect(JSON.parse(log[2]!)).toMatchObject({ delivery: message(), error: 'Error: store unavailable' });
});

it('hands a dead-lettered message to onDeadLetter with its receive count; an error there is logged', async () => {
  const log: string[] = [];
  const dead: [PassbackMessage, number][] = [];
  const queue = new InProcessQueue(
    async () => {
      throw new Error('store unavailable');
    },
    {
      retryPolicy: { ...passbackRetryPolicy, jitter: 0 },
      log: (line) => log.push(line),
      onDeadLetter: async (m, receives) => {
        dead.push([m, receives]);
        throw new Error('still unavailable');
      },
    },
  );
  await queue.send(message(3));
  await jest.advanceTimersByTimeAsync(60_000);
  // The default number of runs is the stack's redrive count.
  expect(dead).toEqual([[message(3), passbackMaxReceives]]);
  expect(log.map((line) => JSON.parse(line).message).slice(-2)).toEqual([
    'passback message failed too often; dead-lettered',
    'dead-lettered passback message could not be settled',
  ]);
  expect(JSON.parse(log.at(-1)!)).toMatchObject({ delivery: message(3), error: 'Error: still unavailable' });
});

it('a message that succeeds on a later run is not run again', async () => {
  let runs = 0;
  const queue = new InProcessQueue(
    async () => {
      if (++runs === 1) throw new Error('once');
    },
    { log: () => undefined },
  );
  await queue.send(message());
  await jest.advanceTimersByTimeAsync(600_000);
  expect(runs).toBe(2);
});
