// Importing tokens from a CSV file, for venues moving from another system: every row is
// checked first and every problem reported with its line number; only a file without any
// problem is written, in one transaction, as one batch whose tokens have the source `import`.
// Codes are stored in the form Portico matches typed codes in (normalizeCode), so a guest
// who types the code as printed by the old system gets in.

import { formatCode, normalizeCode } from '../core/code.js';
import { formatIsoInZone } from '../core/time.js';
import type { Clock } from '../clock.js';
import { ERROR_CODES, PorticoError } from '../errors.js';
import type { Store } from '../storage/store.js';
import { MAX_BULK, type TokenService } from './token-service.js';

/** MAX_IMPORT_ROWS is the most tokens one file may bring (as many as one bulk run). */
export const MAX_IMPORT_ROWS = MAX_BULK;

/** MAX_IMPORT_BYTES is the largest file accepted: 10,000 rows of about 200 characters. */
export const MAX_IMPORT_BYTES = 2_097_152;

/** IMPORT_COLUMNS are the columns a file's header line may name (code is required). */
export const IMPORT_COLUMNS = [
  'code',
  'minutes',
  'valid_from',
  'valid_until',
  'devices',
  'description',
] as const;
type Column = (typeof IMPORT_COLUMNS)[number];

// Header spellings, compared without case, spaces, dashes and underscores.
const HEADER_NAMES: Record<string, Column> = {
  code: 'code',
  accesscode: 'code',
  minutes: 'minutes',
  validfrom: 'valid_from',
  from: 'valid_from',
  start: 'valid_from',
  starts: 'valid_from',
  validuntil: 'valid_until',
  validto: 'valid_until',
  until: 'valid_until',
  expires: 'valid_until',
  end: 'valid_until',
  devices: 'devices',
  maxdevices: 'devices',
  description: 'description',
};

// The token service's field names, as the file's columns call them.
const FIELD_COLUMN: Record<string, Column> = {
  minutes: 'minutes',
  validFrom: 'valid_from',
  validUntil: 'valid_until',
  maxDevices: 'devices',
  description: 'description',
};

/** ImportProblem is one thing wrong with the file: where (line, column) and what. */
export type ImportProblem = { line: number; column: Column | 'file'; message: string };

/** ImportOutcome is what an import did, or every reason it did nothing. */
export type ImportOutcome =
  | { ok: true; dryRun: boolean; count: number; batchId: number | null; batch: string | null }
  | { ok: false; problems: ImportProblem[] };

/** CsvRecord is one record of a CSV text with the line it starts on (1-based). */
export type CsvRecord = { line: number; cells: string[] };

/**
 * parseCsv returns the records of `text` (RFC 4180: quoted cells may hold the delimiter,
 * doubled quotes and line breaks), skipping a UTF-8 BOM and blank lines. The delimiter is a
 * comma, or a semicolon when the first line has more semicolons than commas (Excel in many
 * European locales). Throws PORTICO_BAD_INPUT for a quote that is never closed.
 */
export function parseCsv(text: string): CsvRecord[] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const firstLine = src.split(/\r?\n/, 1)[0] ?? '';
  const count = (ch: string) => firstLine.split(ch).length - 1;
  const delim = count(';') > count(',') ? ';' : ',';
  const out: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let start = 1;
  let quoted = false;
  let touched = false;
  const endRecord = () => {
    cells.push(cell);
    // A line of nothing but delimiters (a spreadsheet's trailing rows) is blank too.
    if (touched || cells.some((c) => c.trim() !== '')) out.push({ line: start, cells });
    cells = [];
    cell = '';
    touched = false;
  };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i] as string;
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"') {
      quoted = true;
      touched = true;
    } else if (ch === delim) {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else cell += ch;
  }
  if (quoted)
    throw new PorticoError(
      ERROR_CODES.BAD_INPUT,
      `line ${start}: a quoted cell is never closed (a " is missing)`,
      { fields: [{ field: `line ${start}`, message: 'a quoted cell is never closed' }] },
    );
  if (cell !== '' || cells.length > 0 || touched) endRecord();
  return out;
}

/** TokenImportDeps are what importing needs. */
export type TokenImportDeps = {
  store: Store;
  clock: Clock;
  tokens: TokenService;
  timeZone: () => string;
  /** Raises `token.created` in the importing transaction (outgoing webhooks). */
  events?: { emit(type: 'token.created', data: Record<string, unknown>): Promise<unknown> };
};

type Row = {
  line: number;
  code: string;
  limits: ReturnType<TokenService['validate']>;
};

/** createTokenImport returns the CSV import use case. */
export function createTokenImport(deps: TokenImportDeps) {
  const { store, clock, tokens } = deps;

  /** check returns the rows of `text` ready to insert, and every problem found. */
  const check = async (
    text: string,
    now: number,
  ): Promise<{ rows: Row[]; problems: ImportProblem[] }> => {
    const problems: ImportProblem[] = [];
    if (Buffer.byteLength(text, 'utf8') > MAX_IMPORT_BYTES)
      return {
        rows: [],
        problems: [
          {
            line: 0,
            column: 'file',
            message: `the file is larger than ${MAX_IMPORT_BYTES / 1_048_576} MiB; split it`,
          },
        ],
      };
    let records: CsvRecord[];
    try {
      records = parseCsv(text);
    } catch (err) {
      if (!(err instanceof PorticoError)) throw err;
      return { rows: [], problems: [{ line: 0, column: 'file', message: err.message }] };
    }
    // The first line names the columns, in any order: a file's own order is never guessed.
    const first = records.shift();
    if (first === undefined)
      return { rows: [], problems: [{ line: 1, column: 'file', message: 'the file is empty' }] };
    const key = (s: string) => s.toLowerCase().replace(/[\s_-]/g, '');
    const columns: (Column | null)[] = [];
    for (const [i, name] of first.cells.entries()) {
      const c = HEADER_NAMES[key(name)];
      if (c === undefined && name.trim() === '') columns.push(null);
      else if (c === undefined || columns.includes(c))
        problems.push({
          line: first.line,
          column: 'file',
          message: `column ${i + 1} "${name.trim().slice(0, 40)}" is ${c === undefined ? 'not one Portico knows' : 'named twice'}; the first line names the columns: ${IMPORT_COLUMNS.join(', ')}`,
        });
      else columns.push(c);
    }
    if (problems.length === 0 && !columns.includes('code'))
      problems.push({
        line: first.line,
        column: 'file',
        message: `the first line must name the columns, one of them code (${IMPORT_COLUMNS.join(', ')}, in any order)`,
      });
    if (problems.length > 0) return { rows: [], problems };
    if (records.length === 0)
      return {
        rows: [],
        problems: [
          {
            line: first.line,
            column: 'file',
            message: 'the file has no tokens below its header line',
          },
        ],
      };
    if (records.length > MAX_IMPORT_ROWS)
      problems.push({
        line: (records[MAX_IMPORT_ROWS] as CsvRecord).line,
        column: 'file',
        message: `too many rows: ${records.length} tokens, at most ${MAX_IMPORT_ROWS} per file; split the file`,
      });
    const seen = new Map<string, number>();
    const rows: Row[] = [];
    for (const r of records.slice(0, MAX_IMPORT_ROWS)) {
      if (r.cells.length > columns.length) {
        problems.push({
          line: r.line,
          column: 'file',
          message: `has ${r.cells.length} cells, but the header names ${columns.length} columns; quote a cell that holds the delimiter`,
        });
        continue;
      }
      const cell = (c: Column) => {
        const i = columns.indexOf(c);
        return i < 0 ? '' : (r.cells[i] ?? '').trim();
      };
      const raw = cell('code');
      const code = normalizeCode(raw);
      let rowOk = true;
      if (raw === '') {
        problems.push({ line: r.line, column: 'code', message: 'is empty' });
        rowOk = false;
      } else if (code === undefined) {
        problems.push({
          line: r.line,
          column: 'code',
          message: `"${raw.slice(0, 40)}" cannot be a code: 6 to 16 letters A-Z and digits (spaces, dashes, dots and underscores are ignored)`,
        });
        rowOk = false;
      } else if (seen.has(code)) {
        problems.push({
          line: r.line,
          column: 'code',
          message: `${formatCode(code)} is also on line ${seen.get(code)} (codes are matched ignoring case, dashes and O/0, I/L/1, U/V)`,
        });
        rowOk = false;
      } else {
        seen.set(code, r.line);
        if (await store.tokens.codeExists(code)) {
          problems.push({
            line: r.line,
            column: 'code',
            message: `${formatCode(code)} already exists in Portico`,
          });
          rowOk = false;
        }
      }
      let limits: Row['limits'] | undefined;
      try {
        limits = tokens.validate({
          minutes: cell('minutes'),
          validFrom: cell('valid_from'),
          validUntil: cell('valid_until'),
          maxDevices: cell('devices'),
          description: cell('description'),
        });
        if (limits.validUntil !== null && limits.validUntil <= now) {
          problems.push({
            line: r.line,
            column: 'valid_until',
            message: `is already over (${formatIsoInZone(limits.validUntil, deps.timeZone()).slice(0, 16).replace('T', ' ')}): nobody could use this token`,
          });
          rowOk = false;
        }
      } catch (err) {
        if (!(err instanceof PorticoError) || err.code !== ERROR_CODES.BAD_INPUT) throw err;
        for (const f of err.fields)
          problems.push({
            line: r.line,
            column: FIELD_COLUMN[f.field] ?? 'file',
            message: f.message,
          });
        rowOk = false;
      }
      if (rowOk && code !== undefined && limits !== undefined)
        rows.push({ line: r.line, code, limits });
    }
    return { rows, problems };
  };

  const batchNameFor = async (tx: Store, given: string | null, now: number): Promise<string> => {
    const base =
      given ?? `Import ${formatIsoInZone(now, deps.timeZone()).slice(0, 16).replace('T', ' ')}`;
    let name = base;
    for (let n = 2; await tx.tokens.findBatchByName(name); n++) name = `${base} (${n})`;
    return name;
  };

  return {
    /**
     * importCsv checks every row of `text` and, when none has a problem and `dryRun` is not
     * set, creates all of its tokens in one transaction as one batch (named `batchName`, or
     * "Import <date time>"), source `import`. A problem is a value, not an exception.
     */
    async importCsv(
      text: string,
      opts: { batchName?: string | null; dryRun?: boolean },
      actor: string,
    ): Promise<ImportOutcome> {
      const now = clock.now();
      const given = opts.batchName?.trim() ? opts.batchName.trim() : null;
      const { rows, problems } = await check(text, now);
      if (given !== null && given.length > 200)
        problems.unshift({
          line: 0,
          column: 'file',
          message: 'the batch name must be at most 200 characters',
        });
      else if (given !== null && (await store.tokens.findBatchByName(given)))
        problems.unshift({
          line: 0,
          column: 'file',
          message: `a batch is already named "${given}"; choose another name`,
        });
      if (problems.length > 0) return { ok: false, problems };
      if (opts.dryRun)
        return { ok: true, dryRun: true, count: rows.length, batchId: null, batch: null };
      try {
        return await store.transaction(async (tx) => {
          const name = await batchNameFor(tx, given, now);
          const batchId = await tx.tokens.createBatch(name, 'import', actor, now);
          for (const r of rows) {
            const id = await tx.tokens.insert({
              ...r.limits,
              code: r.code,
              batchId,
              source: 'import',
              createdBy: actor,
              createdAt: now,
            });
            await deps.events?.emit('token.created', {
              token: {
                id,
                code: r.code,
                ...r.limits,
                batchId,
                source: 'import',
                createdBy: actor,
                createdAt: now,
              },
            });
          }
          await tx.audit.record({
            at: now,
            actor,
            action: 'tokens.import',
            targetType: 'batch',
            targetId: String(batchId),
            details: { count: rows.length, source: 'import' },
          });
          return { ok: true as const, dryRun: false, count: rows.length, batchId, batch: name };
        });
      } catch (err) {
        // A code created by someone else between the check and the insert: nothing was kept.
        const again = await check(text, now);
        if (again.problems.length > 0) return { ok: false, problems: again.problems };
        throw err;
      }
    },
  };
}

/** problemText returns one problem as a line for people: `line 4, minutes: must be …`. */
export function problemText(p: ImportProblem): string {
  const where = p.line > 0 ? `line ${p.line}` : 'file';
  return p.column === 'file' ? `${where}: ${p.message}` : `${where}, ${p.column}: ${p.message}`;
}

/** TokenImport is the CSV import use case. */
export type TokenImport = ReturnType<typeof createTokenImport>;
