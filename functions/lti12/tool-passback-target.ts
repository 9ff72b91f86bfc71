/**
 * Where an LTI 1.2 passback goes and which progress it carries (Basic Outcomes, LTI 1.1 IG §6): all
 * that opening a delivery needs, apart from the sending in `./tool-passback.ts` so that the admin
 * API, which opens deliveries, bundles no XML or OAuth code.
 */
import type { DeliveryTarget } from '../academy/passback/deliverer';
import type { Progress } from '../academy/model';
import type { Lti12Binding } from '../ports';

/**
 * The `resultScore/textString` for a progress (IG §6.1.1: a decimal 0.0 … 1.0), or undefined when
 * LTI 1.2 has nothing to say about it:
 *
 * - `completed`, `passed`, `failed` with a score: score / 100 (85 → "0.85"), to four decimals;
 * - `completed` or `passed` without a score: "1.0" (done, and nothing was held back);
 * - `failed` without a score: "0.0" (Basic Outcomes has no status, only a score, and a failure
 *   reported as full marks would be worse than one reported as none);
 * - `not-attempted`, `in-progress`: nothing. Basic Outcomes cannot say "started", and a score sent
 *   while the learner is still working would show in the LMS's gradebook as a final result.
 */
export function lti12Score(progress: Pick<Progress, 'status' | 'score'>): string | undefined {
  if (progress.status === 'not-attempted' || progress.status === 'in-progress') return undefined;
  const fraction = progress.score !== undefined ? progress.score / 100 : progress.status === 'failed' ? 0 : 1;
  const text = String(Number(Math.min(1, Math.max(0, fraction)).toFixed(4)));
  return text.includes('.') ? text : `${text}.0`;
}

export const lti12DeliveryTarget: DeliveryTarget<Lti12Binding> = {
  target: (binding) => binding.serviceUrl,
  carries: (progress) => lti12Score(progress) !== undefined,
};
