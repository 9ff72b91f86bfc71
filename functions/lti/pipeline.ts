/**
 * How every endpoint reads as one list of steps (STYLE.md, principle 2): the request goes through
 * typed phases, each made by one step from the phase before, and within a phase a list of small
 * checks, in order, each of which throws the endpoint's own error or returns.
 */

/** A check over one phase: throws, or returns. `deps` are the endpoint's ports, for checks that read or write. */
export type Check<Phase, Deps = unknown> = (phase: Phase, deps: Deps) => void | Promise<void>;

/** Runs a phase's checks in order and answers the phase, now checked. */
export async function passes<Phase, Deps>(phase: Phase, checks: readonly Check<Phase, Deps>[], deps: Deps): Promise<Phase> {
  for (const check of checks) await check(phase, deps);
  return phase;
}
