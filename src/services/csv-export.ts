// Token CSV for spreadsheets and printers: streamed line by line, UTF-8 (optionally with a
// BOM for Excel), and with formula-looking cells neutralised so a description such as
// "=HYPERLINK(...)" is shown as text, never run.

import { formatCode } from '../core/code.js';
import { formatIsoInZone } from '../core/time.js';
import type { TokenView } from './token-service.js';

/** CSV_COLUMNS are the export's columns, in order. */
export const CSV_COLUMNS = [
  'code',
  'minutes',
  'used',
  'left',
  'valid_from',
  'valid_until',
  'devices',
  'description',
  'batch',
  'state',
  'created',
] as const;

/** csvCell returns one field quoted as RFC 4180 needs, with formula triggers neutralised. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** tokenCsvRow returns the CSV line (with CRLF) for one token. */
export function tokenCsvRow(t: TokenView, timeZone: string): string {
  const date = (ms: number | null) => (ms === null ? null : formatIsoInZone(ms, timeZone));
  return (
    [
      formatCode(t.code),
      t.minutes,
      t.minutesUsed,
      t.minutesLeft,
      date(t.validFrom),
      date(t.validUntil),
      t.maxDevices,
      t.description,
      t.batch,
      t.state,
      date(t.createdAt),
    ]
      .map(csvCell)
      .join(',') + '\r\n'
  );
}

/** tokenCsvLines yields the header and one line per token; `bom` prefixes a UTF-8 BOM. */
export async function* tokenCsvLines(
  tokens: AsyncIterable<TokenView> | Iterable<TokenView>,
  timeZone: string,
  opts: { bom?: boolean } = {},
): AsyncGenerator<string> {
  yield (opts.bom ? '\uFEFF' : '') + CSV_COLUMNS.join(',') + '\r\n';
  for await (const t of tokens) yield tokenCsvRow(t, timeZone);
}
