#!/usr/bin/env node
// `npx lti-bridge`: the admin CLI (cli/main.ts), run from source through tsx.
require('tsx/cjs');
const { main } = require('../cli/main.ts');
main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(text.startsWith('\r') ? text : `${text}\n`),
  env: process.env,
  isTty: Boolean(process.stderr.isTTY),
  stdin: () => require('node:fs').readFileSync(0, 'utf8'),
}).then((code) => {
  process.exitCode = code;
});
