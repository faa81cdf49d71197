// A real openNDS gateway (Debian's package) in network namespaces this test creates and
// removes: a gateway namespace with a bridge for the guests, dnsmasq for their DHCP leases
// and openNDS on it, guest namespaces behind it, and a veth pair to the root namespace,
// where Portico listens as the FAS. All addresses come from one private /24 picked per run
// and unused on this machine; every name carries the run's id.
//
// Facts that shape it (../shared/reference/radius-and-routers.md §F): openNDS needs the
// legacy iptables backend (a PATH entry of symlinks to iptables-legacy gives it that without
// touching the machine's alternatives); it writes to /etc/opennds and /tmp, so it runs in
// its own mount namespace with its own config bound over /etc/opennds and a tmpfs on /tmp
// (which is why the run's folder lives in /var/tmp, not under /tmp); and it answers 403 to
// guests without a DHCP lease, so dnsmasq writes the /tmp/dhcp.leases openNDS reads. Its
// scripts also edit /etc/dnsmasq.conf and /etc/hosts and call systemctl: /etc gets a
// throwaway overlay, /run a tmpfs, and systemctl a no-op on the PATH.

import { execFile, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** OPENNDS_BIN is where Debian's opennds-daemon installs openNDS. */
export const OPENNDS_BIN = '/usr/bin/opennds';

/** BINAUTH_SCRIPT is Portico's BinAuth script as shipped for routers. */
export const BINAUTH_SCRIPT = join(process.cwd(), 'deploy/routers/opennds/portico-binauth.sh');

/** Run is a finished command's exit code and output. */
export type Run = { code: number; stdout: string; stderr: string };

/** run runs a command without a shell and resolves with its outcome (never rejects on exit). */
export function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function must(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/**
 * namespacesUnavailable returns why this kernel cannot run the test (no network or mount
 * namespaces), or undefined when it can. Anything else missing is a failure, not a skip.
 */
export function namespacesUnavailable(): string | undefined {
  const r = spawnSync('unshare', ['--net', '--mount', 'true'], { encoding: 'utf8' });
  if (r.status === 0) return undefined;
  const why = `${r.error?.message ?? ''}${r.stderr ?? ''}`.trim();
  if (
    /Operation not permitted|Invalid argument|not supported|No such file/i.test(why) &&
    process.getuid?.() === 0
  )
    return `the kernel has no network or mount namespaces (unshare: ${why})`;
  throw new Error(
    `cannot create network namespaces (${why || `exit ${r.status}`}): run the tests as root`,
  );
}

/** pickSubnet returns the first three octets of a 10.x.y.0/24 no interface here uses. */
export async function pickSubnet(): Promise<string> {
  const used = await must('ip', ['-4', 'route', 'show', 'table', 'all']);
  const addrs = await must('ip', ['-4', 'addr']);
  for (let i = 0; i < 50; i++) {
    const s = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}`;
    if (!used.includes(`${s}.`) && !addrs.includes(`${s}.`)) return s;
  }
  throw new Error('no free 10.x.y.0/24 for the openNDS test');
}

/** GatewayOptions are the openNDS settings a test picks. */
export type GatewayOptions = {
  /** fas_secure_enabled: 0, 1 or 2. */
  level: 0 | 1 | 2;
  faskey: string;
  /** Portico's port on the root namespace's veth address (`subnet`.129). */
  fasPort: number;
  gatewayName: string;
};

/** Gateway is a running openNDS with its guests; `close` removes everything it made. */
export type Gateway = {
  id: string;
  subnet: string;
  /** The root namespace's address on the veth pair, where Portico listens. */
  hostAddress: string;
  /** The gateway's address on that pair, where its BinAuth reports come from. */
  uplinkAddress: string;
  guests: string[];
  /** guest runs a command in guest namespace `i`. */
  guest(i: number, cmd: string, args: string[], timeoutMs?: number): Promise<Run>;
  /** dhcp runs udhcpc once in guest `i` and returns the address the gateway leased it. */
  dhcp(i: number): Promise<string>;
  /** ndsctl runs openNDS's ndsctl in the gateway's namespaces. */
  ndsctl(args: string[]): Promise<Run>;
  /** start starts dnsmasq and openNDS with these options (stop first to change them). */
  start(opts: GatewayOptions): Promise<void>;
  /** stop ends openNDS, dnsmasq and BinAuth's watchers, and clears openNDS's firewall. */
  stop(): Promise<void>;
  /** log returns what openNDS printed so far (for assertion messages). */
  log(): string;
  close(): Promise<void>;
};

/**
 * createGateway makes the namespaces, links and addresses for a gateway with `guests`
 * guest namespaces and gives each guest a DHCP client; openNDS starts with `start`.
 */
export async function createGateway(guestCount: number): Promise<Gateway> {
  const id = `${(process.pid % 46656).toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const subnet = await pickSubnet();
  const gw = `pnds-gw-${id}`;
  const guests = Array.from({ length: guestCount }, (_, i) => `pnds-g${i}-${id}`);
  const up = `pn${id}u`;
  const upPeer = `pn${id}v`;
  const work = mkdtempSync(join('/var/tmp', `portico-opennds-${id}-`));
  const hostAddress = `${subnet}.129`;
  const uplinkAddress = `${subnet}.130`;
  const made: { netns: string[]; link?: string } = { netns: [] };
  let pids = '';

  const nsPids = async (ns: string) =>
    (await run('ip', ['netns', 'pids', ns])).stdout.split(/\s+/).filter((p) => /^\d+$/.test(p));

  const gateway: Gateway = {
    id,
    subnet,
    hostAddress,
    uplinkAddress,
    guests,
    guest: (i, cmd, args, timeoutMs) =>
      run('ip', ['netns', 'exec', guests[i] as string, cmd, ...args], timeoutMs),
    dhcp: async (i) => {
      const args = [
        '-i',
        'wifi0',
        '-s',
        join(work, 'udhcpc.sh'),
        '-n',
        '-q',
        '-t',
        '10',
        '-T',
        '2',
      ];
      const r = await gateway.guest(i, 'udhcpc', args, 60_000);
      const m = /lease of ([\d.]+) obtained/.exec(`${r.stdout}${r.stderr}`);
      if (!m) throw new Error(`guest ${i} got no DHCP lease: ${r.stdout}${r.stderr}`);
      return m[1] as string;
    },
    ndsctl: async (args) => {
      const pid = pids.split(' ')[0];
      if (!pid) return { code: 1, stdout: '', stderr: 'openNDS is not running' };
      return run('nsenter', ['-t', pid, '-m', '-n', 'ndsctl', ...args]);
    },
    async start(opts) {
      const etc = join(work, 'etc');
      rmSync(etc, { recursive: true, force: true });
      mkdirSync(etc);
      cpSync('/etc/opennds/htdocs', join(etc, 'htdocs'), { recursive: true });
      copyFileSync(BINAUTH_SCRIPT, join(etc, 'portico-binauth.sh'));
      chmodSync(join(etc, 'portico-binauth.sh'), 0o755);
      writeFileSync(
        join(etc, 'opennds.conf'),
        [
          `GatewayName ${opts.gatewayName}`,
          'GatewayInterface br0',
          'gatewayport 2050',
          `fasport ${opts.fasPort}`,
          `fasremoteip ${hostAddress}`,
          'faspath /portal',
          `fas_secure_enabled ${opts.level}`,
          `faskey ${opts.faskey}`,
          'binauth /etc/opennds/portico-binauth.sh',
          'sessiontimeout 0',
          'checkinterval 5',
          'login_option_enabled 0',
          'debuglevel 2',
          'FirewallRuleSet users-to-router {',
          '    FirewallRule allow udp port 53',
          '    FirewallRule allow tcp port 53',
          '    FirewallRule allow udp port 67',
          '}',
          '',
        ].join('\n'),
      );
      writeFileSync(
        join(work, 'gateway.sh'),
        [
          '#!/bin/sh',
          'set -e',
          `exec > '${join(work, 'opennds.log')}' 2>&1`,
          // openNDS edits /etc/dnsmasq.conf and /etc/hosts: here only a throwaway layer
          // over /etc sees that. Its own config is bound over /etc/opennds on top.
          `mount -t tmpfs tmpfs '${join(work, 'layer')}'`,
          `mkdir '${join(work, 'layer/up')}' '${join(work, 'layer/work')}'`,
          `mount -t overlay overlay -o lowerdir=/etc,upperdir='${join(work, 'layer/up')}',workdir='${join(work, 'layer/work')}' /etc`,
          `mount --bind '${etc}' /etc/opennds`,
          'mount -t tmpfs tmpfs /tmp',
          // A private /run hides the machine's systemd, which openNDS asks to restart dnsmasq.
          'mount -t tmpfs tmpfs /run',
          `export PATH='${join(work, 'bin')}':$PATH`,
          `dnsmasq --conf-file=/dev/null --keep-in-foreground --port=0 --interface=br0 --bind-interfaces --dhcp-range=${subnet}.100,${subnet}.120,255.255.255.128,1h --dhcp-leasefile=/tmp/dhcp.leases --dhcp-option=3,${subnet}.1 --pid-file= --log-facility='${join(work, 'dnsmasq.log')}' >/dev/null 2>&1 &`,
          `echo $! > '${join(work, 'dnsmasq.pid')}'`,
          `exec ${OPENNDS_BIN} -f -d 2 -c /etc/opennds/opennds.conf`,
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      // Its output goes to opennds.log (see `log`), not into the test's.
      const child = spawn('ip', ['netns', 'exec', gw, join(work, 'gateway.sh')], {
        stdio: 'ignore',
      });
      child.on('error', () => undefined);
      pids = String(child.pid ?? '');
    },
    async stop() {
      // Everything in the gateway's namespace is this test's: openNDS, dnsmasq, watchers.
      for (const pid of await nsPids(gw)) spawnSync('kill', ['-TERM', pid]);
      for (let i = 0; i < 50 && (await nsPids(gw)).length > 0; i++)
        await new Promise((r) => setTimeout(r, 100));
      for (const pid of await nsPids(gw)) spawnSync('kill', ['-KILL', pid]);
      pids = '';
      // openNDS leaves its chains behind when stopped; a restart would fail on them.
      for (const table of ['filter', 'nat', 'mangle']) {
        await run('ip', ['netns', 'exec', gw, 'iptables-legacy', '-t', table, '-F']);
        await run('ip', ['netns', 'exec', gw, 'iptables-legacy', '-t', table, '-X']);
      }
    },
    log: () => {
      try {
        return spawnSync('tail', ['-n', '60', join(work, 'opennds.log')], { encoding: 'utf8' })
          .stdout;
      } catch {
        return '';
      }
    },
    async close() {
      await gateway.stop().catch(() => undefined);
      for (const ns of made.netns) {
        for (const pid of await nsPids(ns)) spawnSync('kill', ['-KILL', pid]);
        await run('ip', ['netns', 'del', ns]);
      }
      if (made.link) await run('ip', ['link', 'del', made.link]);
      rmSync(work, { recursive: true, force: true });
    },
  };

  try {
    mkdirSync(join(work, 'bin'));
    mkdirSync(join(work, 'layer'));
    // openNDS's scripts call systemctl (restart dnsmasq, restart itself): never the machine's.
    writeFileSync(join(work, 'bin', 'systemctl'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    for (const tool of ['iptables', 'ip6tables'])
      for (const suffix of ['', '-save', '-restore'])
        symlinkSync(`/usr/sbin/${tool}-legacy${suffix}`, join(work, 'bin', `${tool}${suffix}`));
    writeFileSync(
      join(work, 'udhcpc.sh'),
      [
        '#!/bin/sh',
        'case "$1" in',
        '  bound|renew)',
        '    ip addr flush dev "$interface"',
        '    ip addr add "$ip/${mask:-25}" dev "$interface"',
        '    [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface" ;;',
        '  deconfig) ip addr flush dev "$interface" ;;',
        'esac',
        'exit 0',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );

    await must('ip', ['netns', 'add', gw]);
    made.netns.push(gw);
    await must('ip', ['link', 'add', up, 'type', 'veth', 'peer', 'name', upPeer]);
    made.link = up;
    await must('ip', ['link', 'set', upPeer, 'netns', gw]);
    await must('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', up]);
    await must('ip', ['link', 'set', up, 'up']);
    const inGw = (...args: string[]) => must('ip', ['-n', gw, ...args]);
    await inGw('link', 'set', 'lo', 'up');
    await inGw('addr', 'add', `${uplinkAddress}/30`, 'dev', upPeer);
    await inGw('link', 'set', upPeer, 'up');
    await inGw('link', 'add', 'br0', 'type', 'bridge');
    await inGw('addr', 'add', `${subnet}.1/25`, 'dev', 'br0');
    await inGw('link', 'set', 'br0', 'up');
    await inGw('route', 'add', 'default', 'via', hostAddress);
    await must('ip', ['netns', 'exec', gw, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    // The root namespace reaches the guests through the gateway (no NAT on the gateway).
    await must('ip', ['route', 'add', `${subnet}.0/25`, 'via', uplinkAddress]);
    for (const [i, ns] of guests.entries()) {
      await must('ip', ['netns', 'add', ns]);
      made.netns.push(ns);
      await inGw('link', 'add', `lan${i}`, 'type', 'veth', 'peer', 'name', 'wifi0', 'netns', ns);
      await inGw('link', 'set', `lan${i}`, 'master', 'br0');
      await inGw('link', 'set', `lan${i}`, 'up');
      await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await must('ip', ['-n', ns, 'link', 'set', 'wifi0', 'up']);
    }
  } catch (err) {
    await gateway.close();
    throw err;
  }
  return gateway;
}
