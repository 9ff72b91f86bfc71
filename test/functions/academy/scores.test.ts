/** The score → progress rule shared by Basic Outcomes and AGS, and the decimal conversions of Basic Outcomes scores. */
import {
  fractionToPercent,
  percentToFraction,
  progressForScore,
  scoredProgress,
  unscoredProgress,
} from '../../../functions/academy/scores';

describe('progressForScore', () => {
  it('completes an e-learning with the score', () => {
    expect(progressForScore({ type: 'e-learning' }, 0)).toEqual({ status: 'completed', score: 0 });
    expect(progressForScore({ type: 'e-learning' }, 42.5)).toEqual({ status: 'completed', score: 42.5 });
  });

  it.each([
    [69, 'failed'],
    [69.99, 'failed'],
    [70, 'passed'],
    [100, 'passed'],
  ])('an exam with minScore 70 at %p is %s', (percent, status) => {
    expect(progressForScore({ type: 'exam', minScore: 70 }, percent)).toEqual({ status, score: percent });
  });

  it('refuses a score outside 0..100', () => {
    expect(() => progressForScore({ type: 'e-learning' }, 100.01)).toThrow('a score must be 0..100 percent');
    expect(() => progressForScore({ type: 'e-learning' }, Number.NaN)).toThrow(RangeError);
  });

  it('builds the scored and unscored records', () => {
    const activity = { environmentId: 'e', id: 'a', type: 'exam' as const, minScore: 50 };
    const now = Date.parse('2026-01-02T03:04:05.000Z');
    expect(scoredProgress(activity, 'u', 50, now)).toEqual({
      environmentId: 'e',
      activityId: 'a',
      userId: 'u',
      status: 'passed',
      score: 50,
      scoredAt: '2026-01-02T03:04:05.000Z',
      updatedAt: '2026-01-02T03:04:05.000Z',
    });
    expect(unscoredProgress(activity, 'u', now)).toEqual({
      environmentId: 'e',
      activityId: 'a',
      userId: 'u',
      status: 'in-progress',
      updatedAt: '2026-01-02T03:04:05.000Z',
    });
  });
});

describe('fractionToPercent and percentToFraction', () => {
  it.each([
    ['0.92', 92, '0.92'],
    ['0.7', 70, '0.7'],
    ['0.70', 70, '0.7'],
    ['0.07', 7, '0.07'],
    ['1', 100, '1.0'],
    ['1.000', 100, '1.0'],
    ['0', 0, '0.0'],
    ['.5', 50, '0.5'],
    ['0.695', 69.5, '0.695'],
    ['0.00001', 0.001, '0.00001'],
  ])('%s is exactly %p percent and goes back as %s', (text, percent, back) => {
    expect(fractionToPercent(text)).toBe(percent);
    expect(percentToFraction(percent)).toBe(back);
  });

  it.each(['42', 'smurf', '-0.1', '1.01', '1e-1', '0,5', '', '0x1', 'Infinity', '1.0000000000000000000001'])('refuses %p', (text) => {
    expect(fractionToPercent(text)).toBeUndefined();
  });
});
