/**
 * How a score that an external tool sends back becomes the learner's progress (docs/product.md "Launch
 * an external activity"): an external e-learning becomes `completed` with the score; an external
 * exam becomes `passed` when the score in percent is at least its `minScore`, else `failed`.
 * Basic Outcomes (LTI 1.1 IG §6) and AGS scores (LTI 1.3) both go through this one rule.
 */
import type { Activity, Progress, ProgressStatus } from './model';

/** The status and score (percent, 0..100) a score gives in an activity. */
export function progressForScore(
  activity: Pick<Activity, 'type' | 'minScore'>,
  percent: number,
): { status: ProgressStatus; score: number } {
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) throw new RangeError('a score must be 0..100 percent');
  if (activity.type === 'exam') {
    return { status: percent >= (activity.minScore ?? 100) ? 'passed' : 'failed', score: percent };
  }
  return { status: 'completed', score: percent };
}

/**
 * The progress record of a scored learner. `scoredAt` is when the score was produced (AGS
 * `timestamp`; for Basic Outcomes, which carries none, when it arrived).
 */
export function scoredProgress(
  activity: Pick<Activity, 'environmentId' | 'id' | 'type' | 'minScore'>,
  userId: string,
  percent: number,
  now: number,
  scoredAt = new Date(now).toISOString(),
): Progress {
  return {
    environmentId: activity.environmentId,
    activityId: activity.id,
    userId,
    ...progressForScore(activity, percent),
    scoredAt,
    updatedAt: new Date(now).toISOString(),
  };
}

/**
 * The progress record once a tool deletes the score (Basic Outcomes `deleteResult`): the learner
 * was launched and may try again, so the activity is `in-progress`, without a score, rather than
 * `not-attempted` or gone.
 */
export function unscoredProgress(activity: Pick<Activity, 'environmentId' | 'id'>, userId: string, now: number): Progress {
  return {
    environmentId: activity.environmentId,
    activityId: activity.id,
    userId,
    status: 'in-progress',
    updatedAt: new Date(now).toISOString(),
  };
}

const decimal = /^(\d{1,20})(?:\.(\d{0,20}))?$|^\.(\d{1,20})$/;

/**
 * A Basic Outcomes `textString` (LTI 1.1 IG §6.1.1: "decimal values numeric in the range 0.0 - 1.0
 * … use a period as the decimal point") in percent, or undefined when it is not such a number.
 * The decimal point is moved as text, so `0.7` is exactly 70 (not 70.00000000000001) and an exam
 * at `minScore` passes.
 */
export function fractionToPercent(textString: string): number | undefined {
  const match = decimal.exec(textString.trim());
  if (!match) return undefined;
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? match[3] ?? '').padEnd(2, '0');
  const percent = Number(`${whole}${fraction.slice(0, 2)}.${fraction.slice(2) || '0'}`);
  return percent >= 0 && percent <= 100 ? percent : undefined;
}

/** A percent as a Basic Outcomes decimal 0.0..1.0, moving the decimal point as text. */
export function percentToFraction(percent: number): string {
  const text = String(percent);
  if (!/^\d+(\.\d+)?$/.test(text)) return String(percent / 100);
  const [whole = '0', fraction = ''] = text.split('.');
  const digits = whole.padStart(3, '0');
  const result = `${digits.slice(0, -2)}.${digits.slice(-2)}${fraction}`.replace(/^0+(?=\d)/, '');
  return result.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '.0');
}
