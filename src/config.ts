// Configuration from environment variables and an optional file, validated once at start.
// Every bad key is reported together, so one run tells the operator everything to fix.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { CODE_LENGTH_DEFAULT, CODE_LENGTH_MAX, CODE_LENGTH_MIN } from './core/code.js';
import { isValidTimeZone } from './core/time.js';
import { ERROR_CODES, PorticoError } from './errors.js';

/** Config is Portico's validated configuration. */
export type Config = {
  dbFile: string;
  /** PostgreSQL URL; when set it is the database and dbFile is not used. */
  databaseUrl: string | undefined;
  databasePool: number;
  nodeId: string;
  httpHost: string;
  httpPort: number;
  publicUrl: string;
  radiusHost: string;
  radiusAuthPort: number;
  radiusAcctPort: number;
  adminUser: string;
  adminPassword: string | undefined;
  timeZone: string;
  codeLength: number;
  interimIntervalSeconds: number;
  idleTimeoutSeconds: number;
  reservationGraceSeconds: number;
  staleAfterIntervals: number;
  cookieSecure: 'auto' | 'always' | 'never';
  trustProxy: string[];
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  secretKey: string | undefined;
  shutdownGraceSeconds: number;
  logFormat: 'json' | 'pretty';
  metricsToken: string | undefined;
  metricsAllow: string[];
};

/** isSecretSetting returns true for the settings whose values are never printed. */
export function isSecretSetting(env: string): boolean {
  return /PASSWORD|SECRET/.test(env) || env.endsWith('_TOKEN');
}

type Spec = {
  env: string;
  key: keyof Config;
  help: string;
  default: (c: Partial<Config>) => string | undefined;
  parse: (v: string) => unknown;
  /** How the value is shown (config listing, error messages) when it may carry a secret. */
  show?: (v: string) => string;
};

/**
 * redactUrl returns `url` with its password replaced by `***`, so a database URL can be
 * printed and logged; text that is not a URL is returned as `***` when it may hold one.
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.includes('@') ? '***' : url;
  }
  if (u.password === '') return url;
  u.password = '***';
  return u.toString();
}

/** databaseLabel returns what the database is, for the start-up line: the file or the redacted URL. */
export function databaseLabel(config: Pick<Config, 'dbFile' | 'databaseUrl'>): string {
  return config.databaseUrl === undefined
    ? config.dbFile
    : `PostgreSQL ${redactUrl(config.databaseUrl)}`;
}

/** postgresUrl returns `v` when it is a usable postgres:// URL; it throws saying what is wrong. */
export const postgresUrl = (v: string) => {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new Error('must be a URL such as postgres://portico:PASSWORD@127.0.0.1:5432/portico');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    throw new Error('must start with postgres:// or postgresql://');
  if (u.hostname === '' && !u.searchParams.has('host'))
    throw new Error('must name the server, e.g. postgres://portico@127.0.0.1:5432/portico');
  if (u.pathname.replace(/^\//, '') === '')
    throw new Error('must name the database after the host, e.g. …@127.0.0.1:5432/portico');
  return v;
};

const int = (min: number, max: number) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new Error(`must be a whole number from ${min} to ${max}`);
  const n = Number(v);
  if (n < min || n > max) throw new Error(`must be a whole number from ${min} to ${max}`);
  return n;
};
const oneOf =
  <T extends string>(...values: T[]) =>
  (v: string) => {
    if (!(values as string[]).includes(v)) throw new Error(`must be one of ${values.join(', ')}`);
    return v as T;
  };
const nonEmpty = (v: string) => {
  if (v.trim() === '') throw new Error('must not be empty');
  return v;
};
const host = (v: string) => {
  if (!/^[A-Za-z0-9.:_-]+$/.test(v)) throw new Error('must be an IP address or host name');
  return v;
};
const url = (v: string) => {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new Error('must be an absolute http(s) URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('must be an http(s) URL');
  return v.replace(/\/+$/, '');
};

const proxyList = (v: string) => {
  const items = v.split(/[\s,]+/).filter(Boolean);
  for (const item of items) {
    const [addr, bits, extra] = item.split('/');
    const named = ['loopback', 'linklocal', 'uniquelocal'].includes(item);
    const family = isIP(addr ?? '');
    const prefixOk =
      bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!named && (family === 0 || !prefixOk || extra !== undefined)) {
      throw new Error(
        `${item} is not an address, a CIDR range or one of loopback, linklocal, uniquelocal`,
      );
    }
  }
  return items;
};

const systemZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** CONFIG_SPECS documents every setting: its environment variable, default and meaning. */
export const CONFIG_SPECS: readonly Spec[] = [
  {
    env: 'PORTICO_DB',
    key: 'dbFile',
    help: 'SQLite database file (created on first start)',
    default: () => './data/portico.db',
    parse: nonEmpty,
  },
  {
    env: 'PORTICO_DATABASE_URL',
    key: 'databaseUrl',
    help: 'PostgreSQL database instead of the SQLite file: postgres://USER:PASSWORD@HOST:PORT/DATABASE (empty: SQLite)',
    default: () => undefined,
    parse: postgresUrl,
    show: redactUrl,
  },
  {
    env: 'PORTICO_DATABASE_POOL',
    key: 'databasePool',
    help: 'PostgreSQL connections this node opens at most',
    default: () => '10',
    parse: int(1, 500),
  },
  {
    env: 'PORTICO_NODE_ID',
    key: 'nodeId',
    help: 'name of this Portico node among several on one PostgreSQL (holder of background-work leases)',
    default: () => `${hostname()}:${process.pid}`,
    parse: (v) => {
      if (!/^[\x21-\x7e]{1,100}$/.test(v))
        throw new Error('must be 1 to 100 printable characters without spaces');
      return v;
    },
  },
  {
    env: 'PORTICO_HTTP_HOST',
    key: 'httpHost',
    help: 'address the web server listens on',
    default: () => '127.0.0.1',
    parse: host,
  },
  {
    env: 'PORTICO_HTTP_PORT',
    key: 'httpPort',
    help: 'port of the web server (splash page, dashboard, API)',
    default: () => '8080',
    parse: int(0, 65535),
  },
  {
    env: 'PORTICO_PUBLIC_URL',
    key: 'publicUrl',
    help: 'URL guests and staff reach Portico at (links, QR codes, e-mail)',
    default: (c) =>
      `http://${c.httpHost && c.httpHost.includes(':') ? `[${c.httpHost}]` : (c.httpHost ?? '127.0.0.1')}:${c.httpPort ?? 8080}`,
    parse: url,
  },
  {
    env: 'PORTICO_RADIUS_HOST',
    key: 'radiusHost',
    help: 'address the RADIUS server listens on',
    default: () => '127.0.0.1',
    parse: host,
  },
  {
    env: 'PORTICO_RADIUS_AUTH_PORT',
    key: 'radiusAuthPort',
    help: 'RADIUS authentication port',
    default: () => '1812',
    parse: int(0, 65535),
  },
  {
    env: 'PORTICO_RADIUS_ACCT_PORT',
    key: 'radiusAcctPort',
    help: 'RADIUS accounting port',
    default: () => '1813',
    parse: int(0, 65535),
  },
  {
    env: 'PORTICO_ADMIN_USER',
    key: 'adminUser',
    help: 'username of the first admin, created on first start',
    default: () => 'admin',
    parse: nonEmpty,
  },
  {
    env: 'PORTICO_ADMIN_PASSWORD',
    key: 'adminPassword',
    help: 'password of the first admin (otherwise one is generated and printed once)',
    default: () => undefined,
    parse: (v) => {
      if (v.length < 10) throw new Error('must be at least 10 characters');
      return v;
    },
  },
  {
    env: 'PORTICO_TIMEZONE',
    key: 'timeZone',
    help: 'IANA time zone dates are typed and shown in',
    default: systemZone,
    parse: (v) => {
      if (!isValidTimeZone(v)) throw new Error('must be an IANA time zone such as Europe/Berlin');
      return v;
    },
  },
  {
    env: 'PORTICO_CODE_LENGTH',
    key: 'codeLength',
    help: 'characters in a generated code (5 bits each)',
    default: () => String(CODE_LENGTH_DEFAULT),
    parse: int(CODE_LENGTH_MIN, CODE_LENGTH_MAX),
  },
  {
    env: 'PORTICO_INTERIM_INTERVAL',
    key: 'interimIntervalSeconds',
    help: 'Acct-Interim-Interval sent to routers, seconds (RFC 2869: at least 60)',
    default: () => '60',
    parse: int(60, 3600),
  },
  {
    env: 'PORTICO_IDLE_TIMEOUT',
    key: 'idleTimeoutSeconds',
    help: 'Idle-Timeout sent to routers, seconds (0: none)',
    default: () => '900',
    parse: int(0, 86400),
  },
  {
    env: 'PORTICO_RESERVATION_GRACE',
    key: 'reservationGraceSeconds',
    help: 'how long an accepted device holds its slot before accounting Start arrives, seconds',
    default: () => '90',
    parse: int(5, 3600),
  },
  {
    env: 'PORTICO_STALE_INTERVALS',
    key: 'staleAfterIntervals',
    help: 'interim intervals without accounting after which a session is closed',
    default: () => '3',
    parse: int(2, 100),
  },
  {
    env: 'PORTICO_COOKIE_SECURE',
    key: 'cookieSecure',
    help: 'Secure flag on staff cookies: auto (when the public URL is https), always, never',
    default: () => 'auto',
    parse: oneOf('auto', 'always', 'never'),
  },
  {
    env: 'PORTICO_TRUST_PROXY',
    key: 'trustProxy',
    help: 'reverse proxies whose X-Forwarded-For is believed: addresses, CIDR ranges or loopback (empty: none)',
    default: () => '',
    parse: proxyList,
  },
  {
    env: 'PORTICO_SECRET_KEY',
    key: 'secretKey',
    help: 'server secret the router controller credentials are encrypted under (at least 32 characters; needed only for UniFi controllers)',
    default: () => undefined,
    parse: (v) => {
      if (v.length < 32) throw new Error('must be at least 32 characters');
      return v;
    },
  },
  {
    env: 'PORTICO_LOG_LEVEL',
    key: 'logLevel',
    help: 'log level',
    default: () => 'info',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  },
  {
    env: 'PORTICO_SHUTDOWN_GRACE',
    key: 'shutdownGraceSeconds',
    help: 'seconds a stop (SIGTERM, SIGINT) may take before Portico exits anyway, with code 1',
    default: () => '10',
    parse: int(1, 300),
  },
  {
    env: 'PORTICO_LOG_FORMAT',
    key: 'logFormat',
    help: 'json (one line per event, for journald and log shippers) or pretty (for a terminal)',
    default: () => 'json',
    parse: oneOf('json', 'pretty'),
  },
  {
    env: 'PORTICO_METRICS_TOKEN',
    key: 'metricsToken',
    help: 'bearer token Prometheus sends to scrape /metrics (empty: only the allow-list)',
    default: () => undefined,
    parse: (v) => {
      if (v.length < 16 || /\s/.test(v))
        throw new Error('must be at least 16 characters, no spaces');
      return v;
    },
  },
  {
    env: 'PORTICO_METRICS_ALLOW',
    key: 'metricsAllow',
    help: 'addresses that may scrape /metrics without the token: addresses, CIDR ranges, loopback, or none',
    default: () => 'loopback',
    parse: (v) => (v.trim() === 'none' ? [] : proxyList(v)),
  },
];

/** parseEnvFile returns the KEY=VALUE pairs of a .env-style file (# comments, optional quotes). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2] ?? '';
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))
      v = v.slice(1, -1);
    out[m[1] as string] = v;
  }
  return out;
}

/**
 * loadConfig returns the validated configuration from `env` (and the file named by
 * PORTICO_CONFIG, whose values the environment overrides); it throws PORTICO_CONFIG listing
 * every bad or unknown PORTICO_ key.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const errors: string[] = [];
  let merged: Record<string, string | undefined> = { ...env };
  const file = env.PORTICO_CONFIG;
  if (file) {
    try {
      merged = { ...parseEnvFile(readFileSync(file, 'utf8')), ...env };
    } catch (err) {
      errors.push(`PORTICO_CONFIG: cannot read ${file}: ${(err as Error).message}`);
    }
  }
  const known = new Set([...CONFIG_SPECS.map((s) => s.env), 'PORTICO_CONFIG']);
  for (const k of Object.keys(merged)) {
    if (k.startsWith('PORTICO_') && !known.has(k))
      errors.push(`${k}: unknown setting (see .env.example)`);
  }
  const cfg: Partial<Config> = {};
  for (const spec of CONFIG_SPECS) {
    const given = merged[spec.env];
    const text = given === undefined || given === '' ? spec.default(cfg) : given;
    if (text === undefined) continue;
    try {
      (cfg as Record<string, unknown>)[spec.key] = spec.parse(text);
    } catch (err) {
      errors.push(
        `${spec.env}=${JSON.stringify(isSecretSetting(spec.env) ? '***' : (spec.show?.(text) ?? text))}: ${(err as Error).message}`,
      );
    }
  }
  if (errors.length > 0) {
    throw new PorticoError(ERROR_CODES.CONFIG, `invalid configuration:\n  ${errors.join('\n  ')}`);
  }
  return cfg as Config;
}
