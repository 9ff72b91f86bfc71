import {
  passbackRetryPolicy,
  retryDelaySeconds,
  retrySchedule,
  shouldRetry,
  sqsMaxDelaySeconds,
  type RetryPolicy,
} from '../../../../functions/academy/passback/retry-policy';

const middle = () => 0.5;
const lowest = () => 0;
const highest = () => 0.999999;

describe('passback retry policy', () => {
  it('first retry within seconds, doubling to at most 5 minutes between tries', () => {
    expect(retrySchedule(passbackRetryPolicy)).toEqual([
      2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300,
    ]);
  });

  it('gives up after 20 tries in all, about an hour after the first', () => {
    expect(shouldRetry(passbackRetryPolicy, 1)).toBe(true);
    expect(shouldRetry(passbackRetryPolicy, 19)).toBe(true);
    expect(shouldRetry(passbackRetryPolicy, 20)).toBe(false);
    const total = retrySchedule(passbackRetryPolicy).reduce((a, b) => a + b, 0);
    expect(total).toBe(3810);
    expect(total / 60).toBeGreaterThan(60);
    expect(total / 60).toBeLessThan(70);
  });

  it('spreads each wait by ±20 % (jitter), within the cap', () => {
    expect(retryDelaySeconds(passbackRetryPolicy, 1, lowest)).toBe(2); // 1.6 rounds to 2
    expect(retryDelaySeconds(passbackRetryPolicy, 4, lowest)).toBe(13); // 16 × 0.8 = 12.8
    expect(retryDelaySeconds(passbackRetryPolicy, 4, highest)).toBe(19); // 16 × 1.2 = 19.2
    expect(retryDelaySeconds(passbackRetryPolicy, 4, middle)).toBe(16);
    expect(retryDelaySeconds(passbackRetryPolicy, 15, lowest)).toBe(240);
    // The cap holds after jitter too.
    expect(retryDelaySeconds(passbackRetryPolicy, 15, highest)).toBe(300);
  });

  it('never waits less than a second, nor longer than SQS allows', () => {
    const eager: RetryPolicy = { maxAttempts: 5, firstDelaySeconds: 0.1, maxDelaySeconds: 10, factor: 2, jitter: 0 };
    expect(retryDelaySeconds(eager, 1, middle)).toBe(1);
    const patient: RetryPolicy = { maxAttempts: 5, firstDelaySeconds: 600, maxDelaySeconds: 3600, factor: 2, jitter: 0 };
    expect(retryDelaySeconds(patient, 3, middle)).toBe(sqsMaxDelaySeconds);
  });

  it('treats attempt counts below 1 as the first retry', () => {
    expect(retryDelaySeconds(passbackRetryPolicy, 0, middle)).toBe(2);
  });

  it("waits at least the LMS's Retry-After, up to the policy's longest wait; the backoff holds when it asks for less", () => {
    expect(retryDelaySeconds(passbackRetryPolicy, 1, middle, 120)).toBe(120);
    expect(retryDelaySeconds(passbackRetryPolicy, 1, middle, 29.2)).toBe(30);
    expect(retryDelaySeconds(passbackRetryPolicy, 1, middle, 3600)).toBe(300);
    expect(retryDelaySeconds(passbackRetryPolicy, 6, middle, 1)).toBe(64);
    expect(retryDelaySeconds(passbackRetryPolicy, 1, middle, 0)).toBe(2);
    expect(retryDelaySeconds(passbackRetryPolicy, 1, middle, undefined)).toBe(2);
  });
});
