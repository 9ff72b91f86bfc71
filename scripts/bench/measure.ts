/**
 * Module-initialisation time of bundles: each run is a fresh `node` process (scripts/bench/runner.cjs)
 * with the environment a Lambda function gets from the stack as far as Node is concerned
 * (`NODE_OPTIONS=--enable-source-maps`) and nothing else: no table names, no AWS credentials, so a
 * bundle that reads configuration or calls AWS at import fails here instead of in a cold start.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** What lib/lti-function.ts sets on every function. */
/** What the Lambdas run with (lib/bundling.ts), and what the comparison column turns on. */
export { lambdaNodeOptions as LAMBDA_NODE_OPTIONS } from '../../lib/bundling';
export const SOURCE_MAPS_NODE_OPTIONS = '--enable-source-maps';

const RUNNER = join(__dirname, 'runner.cjs');
const RUN_TIMEOUT_MS = 30_000;
const MARKER = 'BENCH_RESULT ';

export interface Sample {
  /** `require(bundle)` alone, measured inside the child with `process.hrtime.bigint()`. */
  readonly initMs: number;
  /** CPU time (user + system, all threads) of the process during the same `require`. */
  readonly cpuMs: number;
  /** From spawn to exit, measured by the parent: node's own start-up + init + exit. */
  readonly processMs: number;
  /** Event-loop resources the import left behind (timers, sockets, file requests). */
  readonly pending: readonly string[];
}

export interface Measurement {
  readonly samples: readonly Sample[];
  /** The first failure (throw on require, no handler export, crash); later runs are skipped. */
  readonly error?: string;
}

/** A bundle and the `NODE_OPTIONS` to import it with. */
export interface Job {
  readonly file: string;
  readonly nodeOptions: string;
}

/** One fresh process requiring `job.file`. */
export function runOnce(job: Job): Sample | { readonly error: string } {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [RUNNER, job.file], {
    env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: job.nodeOptions },
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS,
  });
  const processMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.error) return { error: `node did not run: ${child.error.message}` };
  const line = child.stdout.split('\n').find((l) => l.startsWith(MARKER));
  if (child.status !== 0 || line === undefined) {
    const detail = child.stderr.trim().split('\n').slice(-3).join(' | ');
    return { error: `node exited with ${child.status ?? child.signal}${detail ? `: ${detail}` : ''}` };
  }
  const result = JSON.parse(line.slice(MARKER.length)) as { initMs: number; cpuMs: number; pending: string[]; error?: string };
  if (result.error !== undefined) return { error: result.error };
  return { initMs: result.initMs, cpuMs: result.cpuMs, processMs, pending: result.pending };
}

/**
 * Runs every bundle `runs` times, interleaved (round-robin, rotating the start) so that load from
 * other processes on the machine spreads over all bundles instead of skewing one. One warm-up
 * round first, not counted, so that no run pays for reading node and the bundles from disk.
 */
export function measureAll(jobs: readonly Job[], runs: number): Measurement[] {
  const samples = jobs.map((): Sample[] => []);
  const errors = jobs.map((): string | undefined => undefined);
  for (let round = -1; round < runs; round++) {
    for (let k = 0; k < jobs.length; k++) {
      const i = (k + Math.max(round, 0)) % jobs.length;
      if (errors[i] !== undefined) continue;
      const result = runOnce(jobs[i]!);
      if ('error' in result) errors[i] = result.error;
      else if (round >= 0) samples[i]!.push(result);
    }
  }
  return jobs.map((_, i) => (errors[i] === undefined ? { samples: samples[i]! } : { samples: samples[i]!, error: errors[i] }));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
