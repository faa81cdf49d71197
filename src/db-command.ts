// The `portico db` command group: migrate (either backend), copy (SQLite to PostgreSQL), and
// backup, restore and check of the SQLite file. Each subcommand is one entry of
// DB_SUBCOMMANDS (its help and its run), so further database commands join by adding one.

import { existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, postgresUrl, redactUrl, type Config } from './config.js';
import { ERROR_CODES, PorticoError } from './errors.js';
import {
  backupDatabase,
  backupStamp,
  checkDatabase,
  restoreDatabase,
  rotateBackups,
} from './storage/backup.js';
import { openDatabase } from './storage/database.js';
import { copySqliteToPostgres } from './storage/db-copy.js';
import { LATEST_VERSION, schemaVersion } from './storage/migrations.js';
import { openStore } from './storage/open-store.js';
import { checkPostgres } from './startup.js';

/** DbIo is where a db subcommand reads its environment and writes its output. */
export type DbIo = {
  env: Record<string, string | undefined>;
  out: (s: string) => void;
  err: (s: string) => void;
};

/** DbSubcommand is one `portico db` subcommand: a line for the list, its --help and its run. */
export type DbSubcommand = {
  summary: string;
  help: string;
  run(argv: string[], io: DbIo): number | Promise<number>;
};

const usage = (topic: string, message: string) =>
  new PorticoError(
    ERROR_CODES.BAD_INPUT,
    `${message}\nRun 'portico db ${topic} --help' for the options.`,
  );

function parse(topic: string, argv: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    const r = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return {
      values: r.values as Record<string, string | boolean | undefined>,
      positionals: r.positionals,
    };
  } catch (err) {
    throw usage(topic, (err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

const DB_NOTE = `The database is the one the server uses: PORTICO_DB, or PORTICO_DB in the file named by
PORTICO_CONFIG (default ./data/portico.db).`;

const PG_NOTE = `On PostgreSQL (PORTICO_DATABASE_URL) use the server's own tools instead: pg_dump -Fc for a
backup while Portico serves, pg_restore to bring one back, and the server's amcheck.`;

/**
 * sqliteOnly throws PORTICO_BAD_INPUT (exit 2) when the configured database is PostgreSQL,
 * whose backups are pg_dump's and pg_restore's business, not Portico's.
 */
function sqliteOnly(topic: string, config: Config): void {
  if (config.databaseUrl === undefined) return;
  throw new PorticoError(
    ERROR_CODES.BAD_INPUT,
    `'portico db ${topic}' works on the SQLite file, but the database is PostgreSQL (${redactUrl(config.databaseUrl)}); use pg_dump -Fc to back it up and pg_restore to restore it.`,
  );
}

const migrateCommand: DbSubcommand = {
  summary: "bring the database's schema up to date",
  help: `Usage: portico db migrate [--json]

Applies the migrations this Portico has and the database lacks, each in one transaction,
and prints the versions applied. The server does the same on start; run this before
starting several nodes on one PostgreSQL database after an upgrade. Refuses (exit 1) a
database whose schema is newer than this Portico. On SQLite a copy of the file as it was
is kept beside it first (FILE.pre-migration-vNNNN-STAMP); on PostgreSQL the nodes take an
advisory lock, so two that migrate at once do it one after the other.

  --json   print {backend, applied, schemaVersion}

The database is PORTICO_DATABASE_URL when set, else the SQLite file PORTICO_DB.
`,
  async run(argv, io) {
    const a = parse('migrate', argv, { json: { type: 'boolean' } });
    if (a.values.help) return (io.out(migrateCommand.help), 0);
    if (a.positionals.length > 0) throw usage('migrate', 'migrate takes no arguments');
    const config = loadConfig(io.env);
    let before: number | null = null;
    if (config.databaseUrl === undefined) {
      const probe = openDatabase(config.dbFile, { migrate: false });
      try {
        before = schemaVersion(probe);
      } finally {
        probe.close();
      }
    }
    const opened = await openStore(config);
    await opened.close();
    const applied =
      before === null
        ? (opened.applied ?? [])
        : Array.from({ length: LATEST_VERSION - before }, (_, i) => before + i + 1);
    const label = config.databaseUrl === undefined ? config.dbFile : redactUrl(config.databaseUrl);
    if (a.values.json)
      io.out(
        JSON.stringify({ backend: opened.backend, applied, schemaVersion: LATEST_VERSION }) + '\n',
      );
    else
      io.out(
        applied.length === 0
          ? `${label}: already at schema version ${LATEST_VERSION}, nothing to apply\n`
          : `${label}: applied ${applied.join(', ')}; now at schema version ${LATEST_VERSION}\n`,
      );
    return 0;
  },
};

const copy: DbSubcommand = {
  summary: 'move a SQLite installation to an empty PostgreSQL database',
  help: `Usage: portico db copy --from FILE --to postgres://USER:PASSWORD@HOST:PORT/DATABASE [--json]

Copies everything in the SQLite database FILE (tokens, sessions and their charged time,
usage per day, bookings, batches, routers, staff accounts, API keys, settings, the audit
log, the outboxes) into the PostgreSQL database, which must be empty. The target is first
migrated to this Portico's schema version; then every table is copied in foreign-key order
in one transaction, the id sequences are set past the copied ids, and the row counts of
every table are compared before the commit: it is all copied or nothing is.

Stop the Portico server on FILE first (it refuses while one runs), or copy a backup taken
with 'portico db backup'. FILE must be at this Portico's schema version: run
'PORTICO_DB=FILE portico db migrate' on an older one first. Afterwards set
PORTICO_DATABASE_URL on each node and start them.

  --from FILE   the SQLite database file (e.g. /var/lib/portico/portico.db)
  --to URL      the PostgreSQL database (postgres://…); its password is shown as ***
  --json        print {from, to, schemaVersion, applied, tables: [{table, rows}], rows, ms}

Exits 2 on bad arguments, 1 when the target holds data, the schemas differ or the copy fails
(then nothing is written).
`,
  async run(argv, io) {
    const a = parse('copy', argv, {
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (a.values.help) return (io.out(copy.help), 0);
    if (a.positionals.length > 0)
      throw usage('copy', 'copy takes --from FILE and --to URL, no other arguments');
    const from = typeof a.values.from === 'string' ? a.values.from : '';
    const to = typeof a.values.to === 'string' ? a.values.to : '';
    if (from === '') throw usage('copy', 'give the SQLite file with --from FILE');
    if (to === '') throw usage('copy', 'give the PostgreSQL database with --to postgres://…');
    try {
      postgresUrl(to);
    } catch (err) {
      throw usage('copy', `--to ${redactUrl(to)} ${(err as Error).message}`);
    }
    if (!existsSync(from)) throw usage('copy', `--from ${from}: no such file`);
    const label = redactUrl(to);
    try {
      await checkPostgres(to);
    } catch (err) {
      // The sentence names the server's setting; here the URL came from --to.
      if (err instanceof PorticoError)
        throw new PorticoError(err.code, err.message.replaceAll('PORTICO_DATABASE_URL', '--to'), {
          cause: err,
        });
      throw err;
    }
    const r = await copySqliteToPostgres({ from, to });
    if (a.values.json) io.out(JSON.stringify({ from, to: label, ...r }) + '\n');
    else {
      const width = Math.max(...r.tables.map((t) => t.table.length));
      io.out(
        `copied ${from} to ${label} (schema version ${r.schemaVersion}${r.applied.length > 0 ? `; migrated the target: ${r.applied.join(', ')}` : ''})\n` +
          r.tables
            .map((t) => `  ${t.table.padEnd(width)} ${String(t.rows).padStart(9)}\n`)
            .join('') +
          `${r.rows} rows in ${r.tables.length} tables, ${(r.ms / 1000).toFixed(1)} s; row counts checked\n` +
          'next: set PORTICO_DATABASE_URL on each node and start them\n',
      );
    }
    return 0;
  },
};

const backup: DbSubcommand = {
  summary: 'copy the database while Portico keeps serving',
  help: `Usage: portico db backup FILE [--check] [--json]
       portico db backup --dir DIR [--keep N] [--check] [--json]

Writes a consistent copy of the database to FILE while Portico keeps answering RADIUS and
HTTP (SQLite's VACUUM INTO: one read transaction, so the copy holds everything committed
before it started, and writers are never blocked). FILE must not exist. The copy is written
to a temporary file, synced and renamed, so FILE is never half-written.

  --dir DIR   write DIR/<database name>-YYYYMMDDTHHMMSS.mmmZ.db instead of FILE
  --keep N    with --dir: afterwards delete all but the newest N backups in DIR (default 14)
  --check     then check the copy as 'portico db check' does; exit 1 when it fails
  --json      print {file, bytes, schemaVersion, ms}

${DB_NOTE}
${PG_NOTE}
Check a backup with 'portico db check --file FILE'; bring it back with 'portico db restore'.
`,
  run(argv, io) {
    const a = parse('backup', argv, {
      dir: { type: 'string' },
      keep: { type: 'string' },
      check: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (a.values.help) return (io.out(backup.help), 0);
    const dir = typeof a.values.dir === 'string' ? a.values.dir : undefined;
    if ((dir === undefined) === (a.positionals.length !== 1))
      throw usage('backup', 'give exactly one FILE, or --dir DIR');
    const keepText = typeof a.values.keep === 'string' ? a.values.keep : undefined;
    if (
      keepText !== undefined &&
      (dir === undefined || !/^\d+$/.test(keepText) || Number(keepText) < 1)
    )
      throw usage('backup', '--keep needs --dir and a whole number of at least 1');
    const config = loadConfig(io.env);
    sqliteOnly('backup', config);
    let target: string;
    let prefix = '';
    if (dir !== undefined) {
      mkdirSync(dir, { recursive: true });
      prefix = `${basename(config.dbFile).replace(/\.db$/, '')}-`;
      target = join(dir, `${prefix}${backupStamp(Date.now())}.db`);
    } else target = a.positionals[0] as string;
    const r = backupDatabase(config.dbFile, target);
    // A copy that fails its check is not rotated in: the older, good ones stay.
    const checked = a.values.check ? checkDatabase(r.file) : undefined;
    const removed =
      dir !== undefined && checked?.ok !== false
        ? rotateBackups(dir, prefix, Number(keepText ?? 14))
        : [];
    if (a.values.json) io.out(JSON.stringify({ ...r, removed, check: checked }) + '\n');
    else
      io.out(
        `backed up ${config.dbFile} to ${r.file} (${r.bytes} bytes, schema version ${r.schemaVersion}, ${r.ms} ms)\n` +
          (checked
            ? checked.ok
              ? 'check: ok\n'
              : 'check: PROBLEMS FOUND (run portico db check --file on it)\n'
            : '') +
          (removed.length > 0 ? `removed ${removed.length} older backup(s)\n` : ''),
      );
    return checked?.ok === false ? 1 : 0;
  },
};

const restore: DbSubcommand = {
  summary: 'replace the database with a backup (server stopped)',
  help: `Usage: portico db restore FILE [--json]

Makes the backup FILE the database. Refuses while a Portico server is running on the
database (it holds DATABASE.server.pid): stop it first (systemctl stop portico), restore,
start it again. FILE is checked first (integrity and foreign keys) and must not be newer
than this Portico. The database it replaces is kept as DATABASE.before-restore-STAMP.

${DB_NOTE}
${PG_NOTE}
`,
  run(argv, io) {
    const a = parse('restore', argv, { json: { type: 'boolean' } });
    if (a.values.help) return (io.out(restore.help), 0);
    if (a.positionals.length !== 1) throw usage('restore', 'give exactly one backup FILE');
    const config = loadConfig(io.env);
    sqliteOnly('restore', config);
    const r = restoreDatabase(config.dbFile, a.positionals[0] as string);
    if (a.values.json) io.out(JSON.stringify(r) + '\n');
    else
      io.out(
        `restored ${a.positionals[0]} to ${r.restored} (schema version ${r.schemaVersion})\n` +
          (r.previous ? `the previous database is kept at ${r.previous}\n` : ''),
      );
    return 0;
  },
};

const check: DbSubcommand = {
  summary: 'check the database (integrity and foreign keys)',
  help: `Usage: portico db check [--file FILE] [--json]

Runs SQLite's integrity_check and foreign_key_check on the database (or on FILE, e.g. a
backup) without changing it. Exits 0 when both find nothing, 1 when they find problems
(each is printed), so a script or timer can alert on it.

  --file FILE   check FILE instead of the database
  --json        print {schemaVersion, latestVersion, integrity, foreignKeys, ok}

${DB_NOTE}
${PG_NOTE}
`,
  run(argv, io) {
    const a = parse('check', argv, { file: { type: 'string' }, json: { type: 'boolean' } });
    if (a.values.help) return (io.out(check.help), 0);
    if (a.positionals.length > 0) throw usage('check', 'use --file FILE to check another file');
    let file: string;
    if (typeof a.values.file === 'string') file = a.values.file;
    else {
      const config = loadConfig(io.env);
      sqliteOnly('check', config);
      file = config.dbFile;
    }
    const r = checkDatabase(file);
    if (a.values.json) io.out(JSON.stringify(r) + '\n');
    else {
      io.out(
        `${file}: schema version ${r.schemaVersion} (this Portico writes ${r.latestVersion})\n`,
      );
      for (const m of r.integrity) io.out(`integrity: ${m}\n`);
      for (const f of r.foreignKeys)
        io.out(
          `foreign key: ${f.table} row ${f.rowid ?? '-'} points to a missing ${f.parent} row\n`,
        );
      io.out(r.ok ? 'ok\n' : 'PROBLEMS FOUND\n');
    }
    return r.ok ? 0 : 1;
  },
};

/** DB_SUBCOMMANDS lists the `portico db` subcommands by name. */
export const DB_SUBCOMMANDS: Record<string, DbSubcommand> = {
  migrate: migrateCommand,
  copy,
  backup,
  restore,
  check,
};

/** DB_HELP is the --help text of `portico db`. */
export const DB_HELP = `Usage: portico db <command> [options]

Commands:
${Object.entries(DB_SUBCOMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run 'portico db <command> --help' for a command's options.
`;

/**
 * runDbCommand runs `portico db SUB` with `argv` and resolves to the exit code; it throws
 * PORTICO_BAD_INPUT for an unknown subcommand or bad options (the CLI exits 2).
 */
export async function runDbCommand(
  sub: string | undefined,
  argv: string[],
  io: DbIo,
): Promise<number> {
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(DB_HELP);
    return sub === undefined ? 2 : 0;
  }
  const command = DB_SUBCOMMANDS[sub];
  if (!command)
    throw new PorticoError(
      ERROR_CODES.BAD_INPUT,
      `unknown command 'db ${sub}'; try ${Object.keys(DB_SUBCOMMANDS).join(', ')}`,
    );
  return command.run(argv, io);
}
