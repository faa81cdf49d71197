// The `portico` command. Every command has --help; bad arguments exit 2 with a message that
// says what to fix; scripts get --json.

import { userInfo } from 'node:os';
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatCode } from './core/code.js';
import { formatIsoInZone } from './core/time.js';
import { TOKEN_STATES, type TokenState } from './core/token.js';
import { CONFIG_SPECS, databaseLabel, isSecretSetting, loadConfig, type Config } from './config.js';
import { ERROR_CODES, PorticoError } from './errors.js';
import { createLogger, startPortico } from './main.js';
import { runDbCommand } from './db-command.js';
import { runDemoCommand } from './demo/demo-command.js';
import { tokenCsvLines } from './services/csv-export.js';
import { generatePassword } from './services/passwords.js';
import { createServices, type Services } from './services/services.js';
import type { SessionView } from './services/session-service.js';
import type { TokenInput, TokenView } from './services/token-service.js';
import { systemClock } from './clock.js';
import { openStore } from './storage/open-store.js';
import { NAS_VENDORS } from './storage/nas-repo.js';

/** CliIo is where the CLI reads its environment and writes its output (tests pass their own). */
export type CliIo = {
  env: Record<string, string | undefined>;
  out: (s: string) => void;
  err: (s: string) => void;
  /** Ends the process at once (a shutdown past its grace); tests leave it out. */
  exit?: (code: number) => void;
};

const defaultIo: CliIo = {
  env: process.env,
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
  // stderr is flushed first, so the sentence above is not lost.
  exit: (code) => process.stderr.write('', () => process.exit(code)),
};

/** UsageError is a mistake in the command line: exit 2 with the message and a hint. */
class UsageError extends Error {}

const HELP: Record<string, string> = {
  main: `portico: captive-portal gateway for Wi-Fi routers

Usage: portico <command> [options]

Commands:
  serve                      start Portico (web server and RADIUS)
  demo                       try the guest journey with a simulated router (no setup)
  tokens create              create one token or a batch
  tokens list                list tokens, optionally by state or batch
  tokens show CODE           show one token (state, minutes used and left, devices online)
  tokens export              write tokens as CSV to standard output
  tokens update CODE         change a token: add minutes, move the window, limits
  tokens revoke CODE...      end tokens for good (live sessions are cut off)
  tokens delete CODE...      delete tokens (live sessions are cut off; usage history stays)
  sessions list              devices online now (or recent sessions with --all)
  sessions disconnect ID...  ask the router to end sessions (Disconnect-Request)
  nas add|list|remove        manage routers (RADIUS clients)
  admin add USERNAME         add a staff account
  admin reset-password USER  give a staff account a new password
  apikey create|list|revoke  manage API keys for /api/v1 (scripts, booking systems)
  config                     list every setting with its environment variable and value
  db migrate                 bring the database's schema up to date (SQLite or PostgreSQL)
  db backup|restore|check    back up the SQLite database while serving, restore a backup, check it

Run 'portico <command> --help' for a command's options.
Configuration comes from PORTICO_* environment variables (see .env.example) or the file
named by PORTICO_CONFIG.
`,
  serve: `Usage: portico serve [--pretty]

Starts Portico with the configuration from the environment: opens (and creates, and
migrates) the database, creates the first admin on first start (password from
PORTICO_ADMIN_PASSWORD or generated and printed once), and listens for HTTP and RADIUS.
The database is the SQLite file PORTICO_DB, or the PostgreSQL database named by
PORTICO_DATABASE_URL, which several Portico nodes (PORTICO_NODE_ID) can share; work that
must run once (calendar feeds, retention, controller ticker) then runs on one node at a time.
The database (file, or PostgreSQL server and login) and the ports are checked before
anything is written; a start that fails prints one sentence saying what to fix (the stack
with PORTICO_LOG_LEVEL=debug), stops whatever it had started and exits with 1.
Stops gracefully on SIGINT or SIGTERM, within PORTICO_SHUTDOWN_GRACE seconds (default
10), after which it exits anyway with 1.

Logs go to standard output, one JSON object per line: one line per HTTP request (with its
reqId, also sent back as X-Request-Id) and per RADIUS decision (with its rid) at info,
per-packet detail at debug (PORTICO_LOG_LEVEL).
  --pretty   readable coloured lines for a terminal instead (PORTICO_LOG_FORMAT=pretty)
`,
  'tokens create': `Usage: portico tokens create --minutes M [options]

  --minutes M              online minutes (metered: they run down only while a device is on)
  --count N                how many tokens (1 to 10000; more than 1 makes a batch)
  --batch NAME             batch name, e.g. the event ("Open Day"); one batch per name
  --valid-from DATE        not usable before (ISO 8601, e.g. 2026-12-03 or 2026-12-03T09:00)
  --valid-until DATE       not usable from (a bare date includes that whole day)
  --allow-past             create it even though --valid-until is already over
  --first-use-expiry MIN   lifetime in minutes from the first login (a "day pass": 1440)
  --devices D              devices online at the same time (default 1)
  --when-full POLICY       refuse (default) or replace-oldest
  --data-mb MB             data quota in megabytes
  --down-kbps K            download rate limit in kbit/s
  --up-kbps K              upload rate limit in kbit/s
  --description TEXT       note shown to staff
  --csv | --json           print CSV or JSON instead of one code per line
Dates without an offset are in PORTICO_TIMEZONE.
`,
  'tokens list': `Usage: portico tokens list [--state STATE] [--batch NAME] [--search TEXT] [--limit N] [--json]

  --state STATE   one of ${TOKEN_STATES.join(', ')}
  --batch NAME    only tokens of that batch
  --search TEXT   code prefix, description or batch text
  --limit N       at most N tokens (default 100)
`,
  'tokens show': `Usage: portico tokens show CODE [--json]

Prints the token's state, minutes used and left, validity window and devices online. The code
may be typed in any case, with dashes, or split by a space (portico tokens show 7kq4 m2xd).
`,
  'tokens export': `Usage: portico tokens export [--state STATE] [--batch NAME] [--bom] > tokens.csv

Writes every matching token as CSV (code, minutes, used, left, valid_from, valid_until,
devices, description, batch, state, created). --bom adds a UTF-8 byte order mark for Excel.
`,
  'tokens update': `Usage: portico tokens update CODE [options]

Changes a token; what you leave out stays as it is. Devices online get a CoA-Request with
the new limits (sent by the running server), or are cut off if the token no longer allows
them.

  --add-minutes N          add N online minutes to what the token has
  --minutes M              set the online minutes (none: no limit)
  --valid-from DATE        move the start of the window (none: no start)
  --valid-until DATE       move the end of the window (a bare date includes that day;
                           none: no end)
  --first-use-expiry MIN   lifetime in minutes from the first login (none: no lifetime)
  --devices D              devices online at the same time
  --when-full POLICY       refuse or replace-oldest
  --data-mb MB             data quota in megabytes (none: no quota)
  --down-kbps K            download rate limit in kbit/s (none: no limit)
  --up-kbps K              upload rate limit in kbit/s (none: no limit)
  --description TEXT       note shown to staff
  --json                   print the token as JSON
Dates without an offset are in PORTICO_TIMEZONE.
`,
  'tokens delete': `Usage: portico tokens delete CODE...

Deletes tokens. Their live sessions are disconnected; usage history is kept for reports.
`,
  'tokens revoke': `Usage: portico tokens revoke CODE...

Revokes tokens: they stop working at once and their live sessions are disconnected.
`,
  'sessions list': `Usage: portico sessions list [--token CODE] [--nas NAME] [--all] [--limit N] [--json]

Lists the devices online now, newest first: session id, code, device MAC and IP, router,
when it started and last reported, and the latest Disconnect/CoA with the router's answer.

  --token CODE    only the sessions of this token
  --nas NAME      only the sessions on this router (name or address)
  --all           recent sessions too, not only those online now
  --limit N       at most N sessions (1 to 1000, default 100)
`,
  'sessions disconnect': `Usage: portico sessions disconnect ID... [--reason TEXT] [--wait SECONDS] [--json]

Asks the router to end each session (RFC 5176 Disconnect-Request); the id is the first
column of 'portico sessions list'. The running Portico server sends the request; with
--wait the command waits up to SECONDS for the router's answer (ack, nak or timeout).
A session Portico closed as stale is still sent to the router, which decides whether it
exists; a device that had only reserved a slot is simply released.

  --reason TEXT     recorded with the request (default admin-reset)
  --wait SECONDS    wait for the router's answer (0 to 120, default 0: just queue it)
`,
  'nas add': `Usage: portico nas add --name NAME --address IP [--secret S] [options]

  --name NAME                 a name for the router
  --address IP                the address it sends RADIUS from
  --secret S                  shared secret (generated and printed when omitted)
  --vendor V                  ${NAS_VENDORS.join(', ')} (default generic)
  --coa-port P                where it listens for Disconnect/CoA (default 3799)
  --uam-secret S              CoovaChilli/uspot: REQUIRED when the router has a
                              uamsecret, and must be exactly that secret (HS_UAMSECRET,
                              option uamsecret / uam_secret). It checks the redirect's md
                              and the CHAP login; without it every sign-in fails.
  --fas-key KEY               openNDS (--vendor opennds): REQUIRED, exactly the gateway's
                              faskey option, at every fas_secure_enabled level; it answers
                              level 1, decrypts level 2 and checks BinAuth's reports
                              (deploy/routers/opennds/)
  --login-host HOST           a host name or IP address the router's login page may be on
                              (MikroTik link-login-only, CoovaChilli uamip); repeat for
                              more, at most 20. Without it, the splash page sends codes only
                              to private, loopback, CGNAT or link-local IP addresses. Give
                              the hotspot profile's dns-name here when it has one.
  --no-message-authenticator  accept Access-Requests without Message-Authenticator (old
                              routers; weakens BlastRADIUS protection)
  --coa-no-event-timestamp    leave Event-Timestamp out of Disconnect/CoA (for openwrt,
                              uspot, both are always left out: it NAKs them)
  --coa-no-message-authenticator  leave Message-Authenticator out of Disconnect/CoA
  --controller-url URL        UniFi: the controller (or UniFi OS console) that authorises
                              guests from the external portal, e.g. https://unifi.lan:8443
  --controller-site SITE      UniFi: the site's short name, as in /guest/s/SITE/
  --controller-user USER      UniFi: the controller account Portico logs in with
  --controller-password-file FILE  UniFi: a file holding that account's password (first
                              line); stored encrypted, so PORTICO_SECRET_KEY must be set
  --json                      print the router as JSON (without secrets)
`,
  'nas list': `Usage: portico nas list [--json]

Lists routers (secrets are not shown).
`,
  'nas remove': `Usage: portico nas remove NAME|ADDRESS
`,
  'admin add': `Usage: portico admin add USERNAME [--role admin|staff] [--password P]

Adds a staff account. Without --password, the password is read from PORTICO_NEW_PASSWORD or
generated and printed once.
`,
  'admin reset-password': `Usage: portico admin reset-password USERNAME [--password P]

Gives a staff account a new password (for a forgotten one, or the first admin's printed
password that scrolled away) and ends that account's dashboard sessions. Without --password,
the password is read from PORTICO_NEW_PASSWORD or generated and printed once.
`,
  'apikey create': `Usage: portico apikey create --name NAME [--role admin|staff] [--json]

Creates an API key for the JSON API (/api/v1, described at /api/docs) and prints it once:
only its hash is kept. Send it as "Authorization: Bearer KEY" or "X-API-Key: KEY".
  --name NAME    who or what uses the key, e.g. "Nexudus bookings"
  --role ROLE    staff (default): tokens, batches, sessions, lockouts;
                 admin: also routers and API keys
`,
  'apikey list': `Usage: portico apikey list [--json]

Lists API keys (id, prefix, name, role, last used, revoked); never the keys themselves.
`,
  'apikey revoke': `Usage: portico apikey revoke ID

Revokes an API key: requests with it are refused (401) from now on.
`,
  config: `Usage: portico config

Lists every setting: environment variable, current value and meaning. Passwords, secrets
and tokens show as ***, and so does the password inside PORTICO_DATABASE_URL.
`,
};

type Opts = NonNullable<ParseArgsConfig['options']>;

/**
 * attachNegativeValues returns `argv` with a value that starts with a dash (`--minutes -5`)
 * joined to its option (`--minutes=-5`), so that it reaches the check that says what is
 * wrong with it instead of being taken for an unknown option.
 */
function attachNegativeValues(argv: string[], options: Opts): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function parse(argv: string[], options: Opts, topic: string, allowPositionals = false) {
  try {
    const r = parseArgs({
      args: attachNegativeValues(argv, options),
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
    return {
      values: r.values as Record<string, string | boolean | string[] | undefined>,
      positionals: r.positionals,
      help: r.values.help === true,
      topic,
    };
  } catch (err) {
    throw new UsageError(
      `${(err as Error).message.split('\n')[0]}\nRun 'portico ${topic} --help' for the options.`,
    );
  }
}

/** withServices runs `fn` with the services over the configured database, closed afterwards. */
async function withServices<T>(config: Config, fn: (s: Services) => Promise<T>): Promise<T> {
  const opened = await openStore(config);
  try {
    const services = createServices({ store: opened.store, clock: systemClock, config });
    await services.settings.refresh();
    return await fn(services);
  } finally {
    await opened.close();
  }
}

const str = (v: string | boolean | string[] | undefined) => (typeof v === 'string' ? v : undefined);

/**
 * cliActor returns who a CLI change is recorded as: `cli:` and the login name from the
 * environment or, when that is unset (cron, containers), from the operating system; plain
 * `cli` when neither knows.
 */
export function cliActor(env: Record<string, string | undefined>): string {
  let name = env.USER || env.LOGNAME || '';
  if (!name) {
    try {
      name = userInfo().username;
    } catch {
      name = '';
    }
  }
  return name ? `cli:${name}` : 'cli';
}
const strs = (v: string | boolean | string[] | undefined) => (Array.isArray(v) ? v : undefined);

/** limitOf returns a --limit value (default 100); exits 2 unless it is 1 to 1000. */
function limitOf(v: string | boolean | string[] | undefined): number {
  const limit = Number(str(v) ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError('--limit must be a whole number from 1 to 1000');
  return limit;
}

/**
 * createNamingFlags runs `create` and, when it refuses a valid-until that is already over,
 * names the flag that confirms it.
 */
async function createNamingFlags<T>(create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (err) {
    const fields = err instanceof PorticoError ? err.fields : [];
    if (fields.some((f) => f.field === 'validUntil' && f.message.startsWith('is already over')))
      throw new PorticoError(ERROR_CODES.BAD_INPUT, `${(err as Error).message} with --allow-past`, {
        fields,
        cause: err,
      });
    throw err;
  }
}

function tokenLines(t: TokenView, tz: string): string {
  const d = (ms: number | null) => (ms === null ? '-' : formatIsoInZone(ms, tz));
  return (
    [
      `code:          ${formatCode(t.code)}`,
      `state:         ${t.state}`,
      `summary:       ${t.summary}`,
      `minutes:       ${t.minutes ?? 'no limit'} (used ${t.minutesUsed}, left ${t.minutesLeft ?? '-'})`,
      `valid from:    ${d(t.validFrom)}`,
      `valid until:   ${d(t.validUntil)}`,
      `first used:    ${d(t.firstUsedAt)}`,
      `devices:       ${t.devicesOnline} online of ${t.maxDevices} (${t.whenFull})`,
      `description:   ${t.description || '-'}`,
      `batch:         ${t.batch ?? '-'}`,
      `created:       ${d(t.createdAt)} by ${t.createdBy ?? '-'} (${t.source})`,
    ].join('\n') + '\n'
  );
}

function jsonToken(t: TokenView, tz: string) {
  const d = (ms: number | null) => (ms === null ? null : formatIsoInZone(ms, tz));
  return {
    ...t,
    code: formatCode(t.code),
    validFrom: d(t.validFrom),
    validUntil: d(t.validUntil),
    firstUsedAt: d(t.firstUsedAt),
    createdAt: d(t.createdAt),
    revokedAt: d(t.revokedAt),
  };
}

/** debugWanted returns whether PORTICO_LOG_LEVEL asks for stacks (debug or trace). */
const debugWanted = (env: CliIo['env']) =>
  env.PORTICO_LOG_LEVEL === 'debug' || env.PORTICO_LOG_LEVEL === 'trace';

/** stackOf returns an error's stack and those of its causes, for PORTICO_LOG_LEVEL=debug. */
function stackOf(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 5; e = e.cause)
    parts.push(e.stack ?? e.message);
  return parts.join('\ncaused by: ');
}

/**
 * firstStartBanner returns the framed notice of the first admin account, set apart from the
 * log lines around it so the password printed once is not missed.
 */
export function firstStartBanner(
  u: { username: string; generatedPassword?: string },
  publicUrl: string,
): string {
  const rule = '='.repeat(72);
  const lines = u.generatedPassword
    ? [
        `FIRST START: created the admin account '${u.username}'`,
        `  password: ${u.generatedPassword}`,
        `Shown only this once. Sign in at ${publicUrl}/admin and change it under`,
        `your name. Lost it? portico admin reset-password ${u.username}`,
      ]
    : [
        `FIRST START: created the admin account '${u.username}'`,
        '  with the password from PORTICO_ADMIN_PASSWORD',
        `Sign in at ${publicUrl}/admin`,
      ];
  return `\n${rule}\n${lines.join('\n')}\n${rule}\n\n`;
}

async function runServe(argv: string[], io: CliIo): Promise<number> {
  const a = parse(argv, { pretty: { type: 'boolean' } }, 'serve');
  if (a.help) return (io.out(HELP.serve as string), 0);
  const config = loadConfig(io.env);
  const logger = createLogger(a.values.pretty ? { ...config, logFormat: 'pretty' } : config);
  let running: Awaited<ReturnType<typeof startPortico>>;
  try {
    running = await startPortico(config, {
      logger,
      onFirstAdmin: (u) => {
        io.out(firstStartBanner(u, config.publicUrl));
      },
    });
  } catch (err) {
    // Everything that started has stopped again; say what to fix, the stack only on request.
    io.err(`portico: ${(err as Error).message}\n`);
    if (debugWanted(io.env)) io.err(`${stackOf(err)}\n`);
    return 1;
  }
  io.out(
    `Portico is running.\n  web:      ${running.httpUrl}/ (sign in at ${running.httpUrl}/admin)\n  radius:   ${config.radiusHost} auth ${running.radiusPorts.auth}/udp, accounting ${running.radiusPorts.acct}/udp\n  database: ${databaseLabel(config)}\nPress Ctrl+C to stop.\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  // A stuck part (a client that never finishes its request, a hung delivery) must not keep
  // a supervisor waiting: after the grace the process exits anyway, with code 1.
  const graceMs = config.shutdownGraceSeconds * 1000;
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    running.close().then(
      () => true,
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        return true;
      },
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (!closed) {
    io.err(
      `portico: did not stop within ${config.shutdownGraceSeconds} s (PORTICO_SHUTDOWN_GRACE); exiting anyway.\n`,
    );
    io.exit?.(1);
    return 1;
  }
  io.out('Portico stopped.\n');
  return 0;
}

async function runTokens(sub: string | undefined, argv: string[], io: CliIo): Promise<number> {
  const topic = `tokens ${sub ?? ''}`.trim();
  switch (sub) {
    case 'create': {
      const a = parse(
        argv,
        {
          minutes: { type: 'string' },
          count: { type: 'string' },
          batch: { type: 'string' },
          'valid-from': { type: 'string' },
          'valid-until': { type: 'string' },
          'allow-past': { type: 'boolean' },
          'first-use-expiry': { type: 'string' },
          devices: { type: 'string' },
          'when-full': { type: 'string' },
          'data-mb': { type: 'string' },
          'down-kbps': { type: 'string' },
          'up-kbps': { type: 'string' },
          description: { type: 'string' },
          csv: { type: 'boolean' },
          json: { type: 'boolean' },
        },
        topic,
      );
      if (a.help) return (io.out(HELP[topic] as string), 0);
      const v = a.values;
      const config = loadConfig(io.env);
      return withServices(config, async (s) => {
        const r = await createNamingFlags(() =>
          s.tokens.create(
            {
              minutes: str(v.minutes),
              count: str(v.count),
              batchName: str(v.batch),
              validFrom: str(v['valid-from']),
              validUntil: str(v['valid-until']),
              expiresAfterFirstUseMinutes: str(v['first-use-expiry']),
              maxDevices: str(v.devices),
              whenFull: str(v['when-full']),
              dataQuotaMb: str(v['data-mb']),
              rateDownKbps: str(v['down-kbps']),
              rateUpKbps: str(v['up-kbps']),
              description: str(v.description),
              allowPast: v['allow-past'] === true,
            },
            cliActor(io.env),
            Number(str(v.count) ?? 1) > 1 ? 'bulk' : 'manual',
          ),
        );
        const tz = s.timeZone();
        if (v.json)
          io.out(
            JSON.stringify(
              { batchId: r.batchId, tokens: r.tokens.map((t) => jsonToken(t, tz)) },
              null,
              2,
            ) + '\n',
          );
        else if (v.csv) for await (const line of tokenCsvLines(r.tokens, tz)) io.out(line);
        else io.out(r.tokens.map((t) => formatCode(t.code)).join('\n') + '\n');
        return 0;
      });
    }
    case 'list': {
      const a = parse(
        argv,
        {
          state: { type: 'string' },
          batch: { type: 'string' },
          search: { type: 'string' },
          limit: { type: 'string' },
          json: { type: 'boolean' },
        },
        topic,
      );
      if (a.help) return (io.out(HELP[topic] as string), 0);
      const v = a.values;
      const state = str(v.state);
      if (state && !(TOKEN_STATES as readonly string[]).includes(state))
        throw new UsageError(`--state must be one of ${TOKEN_STATES.join(', ')}`);
      const limit = limitOf(v.limit);
      const config = loadConfig(io.env);
      return withServices(config, async (s) => {
        const batchName = str(v.batch);
        const batch = batchName ? await s.store.tokens.findBatchByName(batchName) : undefined;
        if (batchName && !batch)
          throw new PorticoError(ERROR_CODES.NOT_FOUND, `no batch named ${batchName}`);
        const r = await s.tokens.list(
          { state: state as TokenState | undefined, batchId: batch?.id, text: str(v.search) },
          { limit },
        );
        const tz = s.timeZone();
        if (v.json) {
          io.out(
            JSON.stringify(
              { total: r.total, counts: r.counts, tokens: r.tokens.map((t) => jsonToken(t, tz)) },
              null,
              2,
            ) + '\n',
          );
          return 0;
        }
        for (const t of r.tokens) {
          io.out(
            `${formatCode(t.code).padEnd(14)} ${t.state.padEnd(9)} ${String(t.minutesLeft ?? '-').padStart(6)} min left  ${t.summary}${t.description ? `  (${t.description})` : ''}\n`,
          );
        }
        io.out(`${r.tokens.length} of ${r.total} shown\n`);
        return 0;
      });
    }
    case 'show': {
      const a = parse(argv, { json: { type: 'boolean' } }, topic, true);
      if (a.help) return (io.out(HELP[topic] as string), 0);
      if (a.positionals.length === 0)
        throw new UsageError('give a CODE, e.g. portico tokens show 7KQ4-M2XD');
      const config = loadConfig(io.env);
      return withServices(config, async (s) => {
        // A code copied from a card may come split by a space ("7kq4 m2xd"): one code.
        const t = await s.tokens.get(a.positionals.join(''));
        const tz = s.timeZone();
        io.out(
          a.values.json ? JSON.stringify(jsonToken(t, tz), null, 2) + '\n' : tokenLines(t, tz),
        );
        return 0;
      });
    }
    case 'export': {
      const a = parse(
        argv,
        { state: { type: 'string' }, batch: { type: 'string' }, bom: { type: 'boolean' } },
        topic,
      );
      if (a.help) return (io.out(HELP[topic] as string), 0);
      const state = str(a.values.state);
      if (state && !(TOKEN_STATES as readonly string[]).includes(state))
        throw new UsageError(`--state must be one of ${TOKEN_STATES.join(', ')}`);
      const config = loadConfig(io.env);
      return withServices(config, async (s) => {
        const batchName = str(a.values.batch);
        const batch = batchName ? await s.store.tokens.findBatchByName(batchName) : undefined;
        if (batchName && !batch)
          throw new PorticoError(ERROR_CODES.NOT_FOUND, `no batch named ${batchName}`);
        const lines = tokenCsvLines(
          s.tokens.iterate({ state: state as TokenState | undefined, batchId: batch?.id }),
          s.timeZone(),
          { bom: a.values.bom === true },
        );
        let buf = '';
        for await (const line of lines) {
          buf += line;
          if (buf.length > 65536) {
            io.out(buf);
            buf = '';
          }
        }
        io.out(buf);
        await s.store.audit.record({
          at: s.clock.now(),
          actor: 'cli',
          action: 'tokens.export',
          targetType: batch ? 'batch' : null,
          targetId: batch ? String(batch.id) : null,
          details: { state: state ?? null },
        });
        return 0;
      });
    }
    case 'update': {
      const a = parse(
        argv,
        {
          'add-minutes': { type: 'string' },
          minutes: { type: 'string' },
          'valid-from': { type: 'string' },
          'valid-until': { type: 'string' },
          'first-use-expiry': { type: 'string' },
          devices: { type: 'string' },
          'when-full': { type: 'string' },
          'data-mb': { type: 'string' },
          'down-kbps': { type: 'string' },
          'up-kbps': { type: 'string' },
          description: { type: 'string' },
          json: { type: 'boolean' },
        },
        topic,
        true,
      );
      if (a.help) return (io.out(HELP[topic] as string), 0);
      if (a.positionals.length !== 1)
        throw new UsageError(
          'give exactly one CODE, e.g. portico tokens update 7KQ4-M2XD --add-minutes 30',
        );
      const v = a.values;
      // "none" clears a limit; the service reads a blank value as "no limit".
      const limit = (k: string) => {
        const x = str(v[k]);
        return x === undefined ? undefined : x.trim().toLowerCase() === 'none' ? '' : x;
      };
      const input: TokenInput & { addMinutes?: string } = {
        addMinutes: str(v['add-minutes']),
        minutes: limit('minutes'),
        validFrom: limit('valid-from'),
        validUntil: limit('valid-until'),
        expiresAfterFirstUseMinutes: limit('first-use-expiry'),
        maxDevices: str(v.devices),
        whenFull: str(v['when-full']),
        dataQuotaMb: limit('data-mb'),
        rateDownKbps: limit('down-kbps'),
        rateUpKbps: limit('up-kbps'),
        description: str(v.description),
      };
      const given = Object.fromEntries(Object.entries(input).filter(([, x]) => x !== undefined));
      if (Object.keys(given).length === 0)
        throw new UsageError(
          `say what to change, e.g. --add-minutes 30 or --valid-until 2026-12-24\nRun 'portico ${topic} --help' for the options.`,
        );
      if (input.addMinutes !== undefined && input.minutes !== undefined)
        throw new UsageError('give --add-minutes or --minutes, not both');
      const config = loadConfig(io.env);
      return withServices(config, async (s) => {
        const t = await s.tokens.update(a.positionals[0] as string, given, cliActor(io.env));
        const tz = s.timeZone();
        io.out(v.json ? JSON.stringify(jsonToken(t, tz), null, 2) + '\n' : tokenLines(t, tz));
        return 0;
      });
    }
    case 'delete':
    case 'revoke': {
      const a = parse(argv, {}, topic, true);
      if (a.help) return (io.out(HELP[topic] as string), 0);
      if (a.positionals.length === 0)
        throw new UsageError(`give at least one CODE, e.g. portico tokens ${sub} 7KQ4-M2XD`);
      const config = loadConfig(io.env);
      return withServices(config, async (s) => {
        if (sub === 'delete') {
          const r = await s.tokens.remove(a.positionals, cliActor(io.env));
          io.out(`deleted ${r.deleted.length} token(s)\n`);
          if (r.missing.length > 0) io.err(`portico: not found: ${r.missing.join(', ')}\n`);
          return r.missing.length > 0 ? 1 : 0;
        }
        let missing = 0;
        for (const code of a.positionals) {
          try {
            await s.tokens.revoke(code, cliActor(io.env));
            io.out(`revoked ${code}\n`);
          } catch (err) {
            if (!(err instanceof PorticoError) || err.code !== ERROR_CODES.NOT_FOUND) throw err;
            io.err(`portico: not found: ${code}\n`);
            missing++;
          }
        }
        return missing > 0 ? 1 : 0;
      });
    }
    default:
      if (sub === undefined || sub === '--help' || sub === '-h')
        return (io.out(HELP.main as string), sub ? 0 : 2);
      throw new UsageError(
        `unknown command 'tokens ${sub}'; try create, list, show, export, update, revoke, delete`,
      );
  }
}

function sessionLine(x: SessionView, tz: string): string {
  const d = (ms: number | null) => (ms === null ? '-' : formatIsoInZone(ms, tz));
  const coa = x.lastCoa ? `${x.lastCoa.kind} ${x.lastCoa.state}` : '-';
  return [
    String(x.id).padStart(6),
    formatCode(x.code).padEnd(14),
    x.status.padEnd(6),
    (x.mac ?? '-').padEnd(17),
    (x.ip ?? '-').padEnd(15),
    (x.nasName ?? '-').padEnd(12),
    d(x.startedAt),
    d(x.lastSeenAt),
    coa,
  ].join(' ');
}

function jsonSession(x: SessionView, tz: string) {
  const d = (ms: number | null) => (ms === null ? null : formatIsoInZone(ms, tz));
  return {
    ...x,
    code: formatCode(x.code),
    startedAt: d(x.startedAt),
    lastSeenAt: d(x.lastSeenAt),
    stoppedAt: d(x.stoppedAt),
    lastCoa: x.lastCoa && { ...x.lastCoa, at: d(x.lastCoa.at) },
  };
}

async function runSessions(sub: string | undefined, argv: string[], io: CliIo): Promise<number> {
  const topic = `sessions ${sub ?? ''}`.trim();
  switch (sub) {
    case 'list': {
      const a = parse(
        argv,
        {
          token: { type: 'string' },
          nas: { type: 'string' },
          all: { type: 'boolean' },
          limit: { type: 'string' },
          json: { type: 'boolean' },
        },
        topic,
      );
      if (a.help) return (io.out(HELP[topic] as string), 0);
      const v = a.values;
      const limit = limitOf(v.limit);
      const config = loadConfig(io.env);
      return withServices(config, async (s) => {
        const code = str(v.token);
        const tokenId = code === undefined ? undefined : (await s.tokens.get(code)).id;
        const nasName = str(v.nas);
        const nas =
          nasName === undefined
            ? undefined
            : (await s.nas.list()).find((n) => n.name === nasName || n.address === nasName);
        if (nasName !== undefined && !nas)
          throw new PorticoError(ERROR_CODES.NOT_FOUND, `no router named ${nasName}`);
        const r = await (v.all ? s.sessions.history : s.sessions.listLive)({
          tokenId,
          nasId: nas?.id,
          limit,
        });
        const tz = s.timeZone();
        if (v.json) {
          io.out(
            JSON.stringify(
              { total: r.total, sessions: r.sessions.map((x) => jsonSession(x, tz)) },
              null,
              2,
            ) + '\n',
          );
          return 0;
        }
        if (r.sessions.length === 0) {
          io.out(v.all ? 'no sessions\n' : 'no devices online\n');
          return 0;
        }
        io.out(
          `${'id'.padStart(6)} ${'code'.padEnd(14)} ${'status'.padEnd(6)} ${'mac'.padEnd(17)} ${'ip'.padEnd(15)} ${'router'.padEnd(12)} started / last report / last Disconnect-CoA\n`,
        );
        for (const x of r.sessions) io.out(`${sessionLine(x, tz)}\n`);
        io.out(`${r.sessions.length} of ${r.total} shown\n`);
        return 0;
      });
    }
    case 'disconnect': {
      const a = parse(
        argv,
        { reason: { type: 'string' }, wait: { type: 'string' }, json: { type: 'boolean' } },
        topic,
        true,
      );
      if (a.help) return (io.out(HELP[topic] as string), 0);
      if (a.positionals.length === 0)
        throw new UsageError(
          "give at least one session ID (see 'portico sessions list'), e.g. portico sessions disconnect 42",
        );
      const ids = a.positionals.map(Number);
      const bad = a.positionals.find((p, i) => !/^[0-9]{1,12}$/.test(p) || ids[i] === 0);
      if (bad !== undefined)
        throw new UsageError(`'${bad}' is not a session id: ids are whole numbers`);
      const wait = Number(str(a.values.wait) ?? 0);
      if (!Number.isFinite(wait) || wait < 0 || wait > 120)
        throw new UsageError('--wait must be a number of seconds from 0 to 120');
      const reason = str(a.values.reason)?.slice(0, 200);
      const config = loadConfig(io.env);
      return withServices(config, async (s) => {
        const actor = cliActor(io.env);
        const results: Array<{ sessionId: number; jobId: number | null; state: string }> = [];
        let missing = 0;
        for (const id of ids) {
          try {
            const { jobId } = await s.sessions.disconnect(id, actor, reason);
            results.push({ sessionId: id, jobId, state: jobId === null ? 'released' : 'pending' });
          } catch (err) {
            if (!(err instanceof PorticoError) || err.code !== ERROR_CODES.NOT_FOUND) throw err;
            io.err(`portico: not found: session ${id}\n`);
            missing++;
          }
        }
        if (wait > 0) {
          // The running server sends the jobs; its answers land in the shared database.
          const deadline = Date.now() + wait * 1000;
          for (const r of results) {
            if (r.jobId === null) continue;
            r.state = (
              await s.sessions.waitForJob(r.jobId, Math.max(0, deadline - Date.now()))
            ).state;
          }
        }
        if (a.values.json) io.out(JSON.stringify({ results }, null, 2) + '\n');
        else
          for (const r of results) {
            io.out(
              r.jobId === null
                ? `session ${r.sessionId}: only a reserved slot, released\n`
                : r.state === 'pending' || r.state === 'sending'
                  ? `session ${r.sessionId}: Disconnect queued (job ${r.jobId}); the running server sends it\n`
                  : `session ${r.sessionId}: router answered ${r.state} (job ${r.jobId})\n`,
            );
          }
        return missing > 0 ? 1 : 0;
      });
    }
    default:
      if (sub === undefined || sub === '--help' || sub === '-h')
        return (io.out(`${HELP['sessions list']}\n${HELP['sessions disconnect']}`), sub ? 0 : 2);
      throw new UsageError(`unknown command 'sessions ${sub}'; try list, disconnect`);
  }
}

async function runNas(sub: string | undefined, argv: string[], io: CliIo): Promise<number> {
  const topic = `nas ${sub ?? ''}`.trim();
  switch (sub) {
    case 'add': {
      const a = parse(
        argv,
        {
          name: { type: 'string' },
          address: { type: 'string' },
          secret: { type: 'string' },
          vendor: { type: 'string' },
          'coa-port': { type: 'string' },
          'uam-secret': { type: 'string' },
          'fas-key': { type: 'string' },
          'login-host': { type: 'string', multiple: true },
          'no-message-authenticator': { type: 'boolean' },
          'coa-no-event-timestamp': { type: 'boolean' },
          'coa-no-message-authenticator': { type: 'boolean' },
          'controller-url': { type: 'string' },
          'controller-site': { type: 'string' },
          'controller-user': { type: 'string' },
          'controller-password-file': { type: 'string' },
          json: { type: 'boolean' },
        },
        topic,
      );
      if (a.help) return (io.out(HELP[topic] as string), 0);
      const v = a.values;
      if (!str(v.name) || !str(v.address))
        throw new UsageError(
          '--name and --address are required, e.g. portico nas add --name lobby --address 192.0.2.10',
        );
      const passwordFile = str(v['controller-password-file']);
      let controllerPassword: string | undefined;
      if (passwordFile !== undefined) {
        try {
          controllerPassword = readFileSync(passwordFile, 'utf8').split(/\r?\n/, 1)[0];
        } catch (err) {
          throw new UsageError(`cannot read ${passwordFile}: ${(err as Error).message}`);
        }
      }
      const config = loadConfig(io.env);
      return withServices(config, async (s) => {
        const added = await s.nas.add(
          {
            name: str(v.name),
            address: str(v.address),
            secret: str(v.secret),
            vendor: str(v.vendor),
            coaPort: str(v['coa-port']),
            uamSecret: str(v['uam-secret']),
            fasKey: str(v['fas-key']),
            loginHosts: strs(v['login-host']),
            requireMessageAuthenticator: !v['no-message-authenticator'],
            coaEventTimestamp: !v['coa-no-event-timestamp'],
            coaMessageAuthenticator: !v['coa-no-message-authenticator'],
            controllerUrl: str(v['controller-url']),
            controllerSite: str(v['controller-site']),
            controllerUsername: str(v['controller-user']),
            controllerPassword,
          },
          'cli',
        );
        const { controllerCredentials: _c, ...n } = added;
        if (v.json) io.out(JSON.stringify(n, null, 2) + '\n');
        else
          io.out(
            `added router ${n.name} (${n.address}, ${n.vendor}, CoA port ${n.coaPort})\n${str(v.secret) ? '' : `shared secret: ${n.secret}\n`}`,
          );
        if (n.vendor === 'opennds' && n.fasKey === null)
          io.err(
            'note: an openNDS router needs --fas-key (its faskey) before guests can sign in; set it with the router form or the API\n',
          );
        return 0;
      });
    }
    case 'list': {
      const a = parse(argv, { json: { type: 'boolean' } }, topic);
      if (a.help) return (io.out(HELP[topic] as string), 0);
      const config = loadConfig(io.env);
      return withServices(config, async (s) => {
        const list = (await s.nas.list()).map(
          ({ secret: _s, uamSecret: _u, controllerCredentials: _c, fasKey: _f, ...n }) => n,
        );
        if (a.values.json) io.out(JSON.stringify(list, null, 2) + '\n');
        else
          for (const n of list)
            io.out(
              `${n.name.padEnd(20)} ${n.address.padEnd(40)} ${n.vendor.padEnd(13)} CoA ${n.coaPort}  MA ${n.requireMessageAuthenticator ? 'required' : 'optional'}\n`,
            );
        if (!a.values.json && list.length === 0)
          io.out('no routers yet: portico nas add --name NAME --address IP\n');
        return 0;
      });
    }
    case 'remove': {
      const a = parse(argv, {}, topic, true);
      if (a.help) return (io.out(HELP[topic] as string), 0);
      if (a.positionals.length !== 1) throw new UsageError('give one router name or address');
      const config = loadConfig(io.env);
      return withServices(config, async (s) => {
        await s.nas.remove(a.positionals[0] as string, 'cli');
        io.out(`removed router ${a.positionals[0]}\n`);
        return 0;
      });
    }
    default:
      if (sub === undefined || sub === '--help' || sub === '-h')
        return (
          io.out(`${HELP['nas add']}\n${HELP['nas list']}\n${HELP['nas remove']}`),
          sub ? 0 : 2
        );
      throw new UsageError(`unknown command 'nas ${sub}'; try add, list, remove`);
  }
}

async function runAdmin(sub: string | undefined, argv: string[], io: CliIo): Promise<number> {
  if (sub === 'reset-password') return runAdminResetPassword(argv, io);
  if (sub !== 'add') {
    if (sub === '--help' || sub === '-h')
      return (io.out(`${HELP['admin add']}\n${HELP['admin reset-password']}`), 0);
    throw new UsageError(
      "try 'portico admin add USERNAME' or 'portico admin reset-password USERNAME'",
    );
  }
  const a = parse(
    argv,
    { role: { type: 'string' }, password: { type: 'string' } },
    'admin add',
    true,
  );
  if (a.help) return (io.out(HELP['admin add'] as string), 0);
  if (a.positionals.length !== 1) throw new UsageError('give one USERNAME');
  const role = str(a.values.role) ?? 'admin';
  if (role !== 'admin' && role !== 'staff') throw new UsageError('--role must be admin or staff');
  const config = loadConfig(io.env);
  return withServices(config, async (s) => {
    const given = str(a.values.password) ?? io.env.PORTICO_NEW_PASSWORD;
    const password = given ?? generatePassword();
    await s.staff.add(a.positionals[0] as string, password, role, 'cli');
    io.out(`added ${role} ${a.positionals[0]}${given ? '' : ` with password: ${password}`}\n`);
    return 0;
  });
}

async function runAdminResetPassword(argv: string[], io: CliIo): Promise<number> {
  const topic = 'admin reset-password';
  const a = parse(argv, { password: { type: 'string' } }, topic, true);
  if (a.help) return (io.out(HELP[topic] as string), 0);
  if (a.positionals.length !== 1)
    throw new UsageError('give one USERNAME, e.g. portico admin reset-password admin');
  const username = a.positionals[0] as string;
  return withServices(loadConfig(io.env), async (s) => {
    const user = (await s.staff.list()).find((u) => u.username === username);
    if (!user)
      throw new PorticoError(
        ERROR_CODES.NOT_FOUND,
        `no staff account ${username} (see the Staff page, or portico admin add ${username})`,
      );
    const given = str(a.values.password) ?? io.env.PORTICO_NEW_PASSWORD;
    const password = given ?? generatePassword();
    await s.staff.setPassword(username, password, 'cli');
    await s.webSessions.endSessionsOf(user.id);
    io.out(
      `new password for ${username}${given ? ' set' : `: ${password}`}\n(their dashboard sessions were ended)\n`,
    );
    return 0;
  });
}

async function runApiKey(sub: string | undefined, argv: string[], io: CliIo): Promise<number> {
  const topic = `apikey ${sub ?? ''}`.trim();
  const d = (ms: number | null, tz: string) => (ms === null ? '-' : formatIsoInZone(ms, tz));
  switch (sub) {
    case 'create': {
      const a = parse(
        argv,
        { name: { type: 'string' }, role: { type: 'string' }, json: { type: 'boolean' } },
        topic,
      );
      if (a.help) return (io.out(HELP[topic] as string), 0);
      if (!str(a.values.name))
        throw new UsageError('--name is required, e.g. portico apikey create --name "Nexudus"');
      const role = str(a.values.role) ?? 'staff';
      if (role !== 'admin' && role !== 'staff')
        throw new UsageError('--role must be admin or staff');
      return withServices(loadConfig(io.env), async (s) => {
        const r = await s.apiKeys.create({ name: str(a.values.name), role }, 'cli');
        if (a.values.json) io.out(JSON.stringify({ ...r.apiKey, key: r.key }, null, 2) + '\n');
        else
          io.out(
            `created ${role} API key #${r.apiKey.id} (${r.apiKey.name})\n${r.key}\n(shown once: store it now; only its hash is kept)\n`,
          );
        return 0;
      });
    }
    case 'list': {
      const a = parse(argv, { json: { type: 'boolean' } }, topic);
      if (a.help) return (io.out(HELP[topic] as string), 0);
      return withServices(loadConfig(io.env), async (s) => {
        const keys = await s.apiKeys.list();
        const tz = s.timeZone();
        if (a.values.json) io.out(JSON.stringify(keys, null, 2) + '\n');
        else
          for (const k of keys)
            io.out(
              `#${String(k.id).padEnd(4)} pk_${k.prefix}_…  ${k.role.padEnd(5)}  ${k.name.padEnd(24)} last used ${d(k.lastUsedAt, tz)}${k.revokedAt === null ? '' : `  REVOKED ${d(k.revokedAt, tz)}`}\n`,
            );
        if (!a.values.json && keys.length === 0)
          io.out('no API keys yet: portico apikey create --name NAME\n');
        return 0;
      });
    }
    case 'revoke': {
      const a = parse(argv, {}, topic, true);
      if (a.help) return (io.out(HELP[topic] as string), 0);
      const id = Number(a.positionals[0]);
      if (a.positionals.length !== 1 || !Number.isInteger(id) || id < 1)
        throw new UsageError(
          'give one key ID (from portico apikey list), e.g. portico apikey revoke 3',
        );
      return withServices(loadConfig(io.env), async (s) => {
        const k = await s.apiKeys.revoke(id, 'cli');
        io.out(`revoked API key #${k.id} (${k.name})\n`);
        return 0;
      });
    }
    default:
      if (sub === undefined || sub === '--help' || sub === '-h')
        return (
          io.out(`${HELP['apikey create']}\n${HELP['apikey list']}\n${HELP['apikey revoke']}`),
          sub ? 0 : 2
        );
      throw new UsageError(`unknown command 'apikey ${sub}'; try create, list, revoke`);
  }
}

function runConfig(argv: string[], io: CliIo): number {
  const a = parse(argv, {}, 'config');
  if (a.help) return (io.out(HELP.config as string), 0);
  const config = loadConfig(io.env);
  for (const spec of CONFIG_SPECS) {
    const value = isSecretSetting(spec.env)
      ? config[spec.key]
        ? '***'
        : spec.env.includes('PASSWORD')
          ? '(generated on first start)'
          : '(not set)'
      : spec.show && typeof config[spec.key] === 'string'
        ? spec.show(config[spec.key] as string)
        : String(config[spec.key] ?? '(not set)');
    io.out(`${spec.env.padEnd(26)} ${value.padEnd(24)} ${spec.help}\n`);
  }
  return 0;
}

/** main runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  try {
    switch (cmd) {
      case 'serve':
        return await runServe(argv.slice(1), io);
      case 'demo':
        return await runDemoCommand(argv.slice(1), io);
      case 'tokens':
        return await runTokens(sub, rest, io);
      case 'sessions':
        return await runSessions(sub, rest, io);
      case 'nas':
        return await runNas(sub, rest, io);
      case 'admin':
        return await runAdmin(sub, rest, io);
      case 'apikey':
        return await runApiKey(sub, rest, io);
      case 'config':
        return runConfig(argv.slice(1), io);
      case 'db':
        return await runDbCommand(sub, rest, io);
      case '--version':
      case '-v':
        io.out('portico 0.1.0\n');
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.out(HELP.main as string);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${cmd}'`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`portico: ${err.message}\n`);
      if (!err.message.includes('--help')) io.err("Run 'portico --help' for usage.\n");
      return 2;
    }
    if (err instanceof PorticoError) {
      io.err(`portico: ${err.message}\n`);
      if (err.code === ERROR_CODES.BAD_INPUT || err.code === ERROR_CODES.CONFIG) return 2;
      return 1;
    }
    io.err(
      debugWanted(io.env)
        ? `portico: unexpected error: ${stackOf(err)}\n`
        : `portico: unexpected error: ${(err as Error).message ?? String(err)} (PORTICO_LOG_LEVEL=debug shows where)\n`,
    );
    return 1;
  }
}
