// `portico demo`: the whole guest journey on one machine without a router. It starts Portico
// (HTTP and RADIUS on loopback) over a fresh database, registers the simulated gateway as a
// CoovaChilli router with a known secret, creates a few tokens, and starts the gateway, whose
// device pages a browser can open to be sent to the splash page like a real guest.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { loadConfig } from '../config.js';
import { formatCode } from '../core/code.js';
import { startPortico, type Running } from '../main.js';
import { startUamGateway, type UamGateway } from './uam-gateway.js';

/** DEMO_NAS is the simulated gateway as Portico knows it: name, secrets, vendor profile. */
export const DEMO_NAS = {
  name: 'demo-gateway',
  address: '127.0.0.1',
  secret: 'demo-radius-secret',
  uamSecret: 'demo-uam-secret',
  vendor: 'coova-chilli',
} as const;

/** DemoToken is one token the demo created, with what it is for. */
export type DemoToken = { code: string; what: string };

/** DemoOptions tune the demo; everything has a default that works on a laptop. */
export type DemoOptions = {
  /** Database file; default a fresh one in a temporary folder, removed on close. */
  dbFile?: string;
  /** Portico's HTTP port; default 0, a free one. */
  httpPort?: number;
  /** Seconds between the gateway's Interim-Updates; default 15 so the status page moves. */
  interimSeconds?: number;
  /** Whether the gateway sends interims and enforces Session-Timeout by itself (default true). */
  autoTimers?: boolean;
  /** Extra PORTICO_* settings, e.g. from the environment. */
  env?: Record<string, string | undefined>;
  logger: Logger;
  /** Gets the gateway's one-line reports; default: the logger at info level. */
  gatewayLog?: (line: string) => void;
  clock?: Clock;
};

/** Demo is a running demo: Portico, the gateway, the tokens made, and how to stop it all. */
export type Demo = {
  portico: Running;
  gateway: UamGateway;
  tokens: DemoToken[];
  adminPassword: string;
  close(): Promise<void>;
};

/** startDemo starts Portico and the simulated gateway; it rejects when a port is taken. */
export async function startDemo(opts: DemoOptions): Promise<Demo> {
  const tmp = opts.dbFile ? undefined : mkdtempSync(join(tmpdir(), 'portico-demo-'));
  const dbFile = opts.dbFile ?? join(tmp as string, 'demo.db');
  const adminPassword = opts.env?.PORTICO_ADMIN_PASSWORD ?? 'portico-demo';
  const known = Object.fromEntries(
    Object.entries(opts.env ?? {}).filter(([k]) => k.startsWith('PORTICO_')),
  );
  const config = loadConfig({
    ...known,
    PORTICO_CONFIG: undefined,
    PORTICO_DB: dbFile,
    PORTICO_HTTP_HOST: '127.0.0.1',
    PORTICO_HTTP_PORT: String(opts.httpPort ?? 0),
    PORTICO_RADIUS_HOST: '127.0.0.1',
    PORTICO_RADIUS_AUTH_PORT: '0',
    PORTICO_RADIUS_ACCT_PORT: '0',
    PORTICO_ADMIN_PASSWORD: adminPassword,
  });
  const cleanup = () => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  };
  let portico: Running;
  try {
    portico = await startPortico(config, {
      logger: opts.logger,
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
  } catch (err) {
    cleanup();
    throw err;
  }
  let gateway: UamGateway | undefined;
  try {
    gateway = await startUamGateway({
      portalUrl: `${portico.httpUrl}/`,
      radiusHost: '127.0.0.1',
      authPort: portico.radiusPorts.auth,
      acctPort: portico.radiusPorts.acct,
      secret: DEMO_NAS.secret,
      nasId: DEMO_NAS.name,
      uamSecret: DEMO_NAS.uamSecret,
      interimSeconds: opts.interimSeconds ?? 15,
      autoTimers: opts.autoTimers ?? true,
      ...(opts.clock ? { clock: opts.clock } : {}),
      log: opts.gatewayLog ?? ((line) => opts.logger.info({ component: 'demo-gateway' }, line)),
    });
    const s = portico.services;
    const nas = { ...DEMO_NAS, coaPort: gateway.coaPort };
    const existing = (await s.nas.list()).find((n) => n.name === DEMO_NAS.name);
    if (existing) await s.nas.update(existing.id, nas, 'demo');
    else await s.nas.add(nas, 'demo');
    const make = async (input: Record<string, unknown>, what: string): Promise<DemoToken> => {
      const t = (await s.tokens.create({ ...input, description: `demo: ${what}` }, 'demo'))
        .tokens[0];
      return { code: formatCode(t?.code ?? ''), what };
    };
    const tokens = [
      await make({ minutes: 60 }, '60 minutes, one device'),
      await make({ minutes: 120, maxDevices: 2 }, '120 minutes shared by up to two devices'),
      await make({ minutes: 3 }, '3 minutes: shows the low-balance notice'),
    ];
    return {
      portico,
      gateway,
      tokens,
      adminPassword,
      async close() {
        await gateway?.close();
        await portico.close();
        cleanup();
      },
    };
  } catch (err) {
    await gateway?.close();
    await portico.close();
    cleanup();
    throw err;
  }
}

/** demoBanner returns what `portico demo` prints: where to click and which codes to type. */
export function demoBanner(demo: Demo): string {
  const g = demo.gateway.url;
  return [
    'Portico demo is running (everything on 127.0.0.1).',
    '',
    `  Be a guest:   open ${g}/device/phone  (or /device/laptop for a second device)`,
    `                the simulated Wi-Fi gateway sends you to the splash page`,
    `  Gateway:      ${g}/  (lists the simulated devices)`,
    `  Splash page:  ${demo.portico.httpUrl}/`,
    `  Staff:        ${demo.portico.httpUrl}/admin  (admin / ${demo.adminPassword})`,
    `  RADIUS:       127.0.0.1 auth ${demo.portico.radiusPorts.auth}/udp, accounting ${demo.portico.radiusPorts.acct}/udp`,
    '',
    'Codes to try (any case, dashes optional):',
    ...demo.tokens.map((t) => `  ${t.code}   ${t.what}`),
    '',
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}
