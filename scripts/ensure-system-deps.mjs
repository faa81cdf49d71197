#!/usr/bin/env node
// Pretest step: the end-to-end tests need Debian's radclient (freeradius-utils), Chromium and
// a real openNDS gateway with what it runs on; the deploy tests systemd-analyze (systemd); the
// PostgreSQL tests Debian's PostgreSQL 15 server programs (postgresql).
// Install whichever is missing instead of letting the tests skip. Needs root and apt-get.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const wanted = [
  { pkg: 'freeradius-utils', bin: '/usr/bin/radclient' },
  { pkg: 'chromium', bin: '/usr/bin/chromium' },
  // Text on screenshots and in the contrast checks needs at least one font.
  { pkg: 'fonts-dejavu-core', bin: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf' },
  // The openNDS end-to-end test: the gateway itself, the legacy iptables it needs, dnsmasq
  // for the guests' DHCP leases, udhcpc as the guests' client, PHP (openNDS encrypts its
  // level 2 parameters with php-cli) and curl as the guests' browser and BinAuth's client.
  { pkg: 'opennds', bin: '/usr/bin/opennds' },
  { pkg: 'iptables', bin: '/usr/sbin/iptables-legacy' },
  { pkg: 'dnsmasq-base', bin: '/usr/sbin/dnsmasq' },
  { pkg: 'udhcpc', bin: '/sbin/udhcpc' },
  { pkg: 'iproute2', bin: '/sbin/ip' },
  { pkg: 'php8.2-cli', bin: '/usr/bin/php' },
  { pkg: 'curl', bin: '/usr/bin/curl' },
  // The PostgreSQL tests start their own throwaway server from Debian's PostgreSQL 15
  // programs (the package's own cluster on port 5432 is left alone; no test uses it).
  { pkg: 'postgresql', bin: '/usr/lib/postgresql/15/bin/postgres' },
  // systemd-analyze verify checks the units in deploy/.
  { pkg: 'systemd', bin: '/usr/bin/systemd-analyze' },
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
  // The package enables openNDS as a service for the machine's own interfaces; the tests
  // run their own in namespaces, so a systemd host must not keep it running.
  if (missing.includes('opennds') && existsSync('/run/systemd/system'))
    execFileSync('systemctl', ['disable', '--now', 'opennds.service'], { stdio: 'inherit' });
} catch (err) {
  console.error(`pretest: could not install ${missing.join(', ')}: ${err.message}`);
  process.exit(1);
}
