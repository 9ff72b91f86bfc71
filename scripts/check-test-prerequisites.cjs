#!/usr/bin/env node
// `npm test` runs interoperability tests against implementations nobody here wrote: Debian's
// python3-oauthlib and python3-jwt, and Debian's Chromium for the real-browser tests. Say clearly
// what is missing and how to install it, instead of letting those tests fail one by one.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const missing = [];
try {
  execFileSync('/usr/bin/python3', ['-c', 'import oauthlib, jwt'], { stdio: 'ignore' });
} catch {
  missing.push('python3-oauthlib', 'python3-jwt');
}
if (!existsSync('/usr/bin/chromium')) missing.push('chromium');

if (missing.length > 0) {
  console.error(
    `npm test needs these Debian packages for its interoperability and browser tests: ${missing.join(' ')}\n` +
      `install them with:  sudo apt-get install -y --no-install-recommends ${missing.join(' ')}\n` +
      '(bash .ci/run installs them, then runs npm ci && npm test)',
  );
  process.exit(1);
}
