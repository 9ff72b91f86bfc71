'use strict';
/**
 * Child process of `npm run bench`: a fresh `node` that requires one bundle and reports, as one
 * JSON line after a marker, how long the `require` took (module initialisation: read, compile,
 * run the top level, load the source map under `--enable-source-maps`), in wall-clock time and in
 * CPU time of the process (less sensitive to other load on the machine), and what the bundle left
 * pending on the event loop (timers, sockets, file reads: I/O that a handler must not start at
 * import). Plain CommonJS, so nothing but the bundle itself is loaded inside the timed window.
 */
const { writeSync } = require('node:fs');
const { performance } = require('node:perf_hooks');

const bundle = process.argv[2];
const before = new Set(process.getActiveResourcesInfo());
const bootMs = performance.now();
const cpuStart = process.cpuUsage();
const start = process.hrtime.bigint();
let mod;
let error;
try {
  mod = require(bundle);
} catch (e) {
  error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
const initNs = process.hrtime.bigint() - start;
const cpu = process.cpuUsage(cpuStart);

if (error === undefined && (mod === null || typeof mod !== 'object' || typeof mod.handler !== 'function')) {
  error = 'the bundle exports no `handler` function';
}
const pending = process.getActiveResourcesInfo().filter((resource) => !before.has(resource));

writeSync(
  1,
  `\nBENCH_RESULT ${JSON.stringify({ initMs: Number(initNs) / 1e6, cpuMs: (cpu.user + cpu.system) / 1e3, bootMs, pending, error })}\n`,
);
// A bundle that opened a socket or set a timer would keep the process alive: leave regardless.
process.exit(0);
