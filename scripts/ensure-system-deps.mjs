#!/usr/bin/env node
// Pretest step: the end-to-end tests need Debian's radclient (freeradius-utils) and Chromium.
// Install whichever is missing instead of letting the tests skip. Needs root and apt-get.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const wanted = [
  { pkg: 'freeradius-utils', bin: '/usr/bin/radclient' },
  { pkg: 'chromium', bin: '/usr/bin/chromium' },
  // Text on screenshots and in the contrast checks needs at least one font.
  { pkg: 'fonts-dejavu-core', bin: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf' },
];
const missing = wanted.filter((w) => !existsSync(w.bin)).map((w) => w.pkg);
if (missing.length === 0) process.exit(0);

console.log(`pretest: installing ${missing.join(', ')} (needed by the end-to-end tests)`);
const run = (args) =>
  execFileSync('apt-get', args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
try {
  const sudo = process.getuid && process.getuid() !== 0;
  if (sudo) throw new Error('not root: install them with apt-get as root, then run the tests');
  run(['update', '-qq']);
  run(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
} catch (err) {
  console.error(`pretest: could not install ${missing.join(', ')}: ${err.message}`);
  process.exit(1);
}
