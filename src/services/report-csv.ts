// One CSV per report, with the numbers the reports page shows, through the same cell
// quoting and formula neutralising as the token export.

import { formatCode } from '../core/code.js';
import { TOKEN_SOURCES } from '../core/token.js';
import { csvCell } from './csv-export.js';
import type { Report, TokenUsageRow } from './report-service.js';

/** REPORT_CSVS are the names of the exportable reports. */
export const REPORT_CSVS = [
  'usage',
  'peaks',
  'busy-hours',
  'redeemed',
  'batches',
  'routers',
  'top-minutes',
  'top-data',
] as const;
/** ReportCsv is one of REPORT_CSVS. */
export type ReportCsv = (typeof REPORT_CSVS)[number];

/** reportMinutes returns charged milliseconds as minutes with one decimal, as reports show them. */
export function reportMinutes(ms: number): number {
  return Math.round(ms / 6000) / 10;
}

/** tokenMinutes returns a token's charged minutes as the token pages show them (whole, down). */
export function tokenMinutes(ms: number): number {
  return Math.floor(ms / 60_000);
}

const OUTCOMES = ['ack', 'nak', 'timeout', 'pending'] as const;

const tokenRows = (rows: TokenUsageRow[]) => [
  ['code', 'description', 'minutes', 'bytes'],
  ...rows.map((t) => [formatCode(t.code), t.description, tokenMinutes(t.ms), t.bytes]),
];

/** reportRows returns the header and rows of one report. */
export function reportRows(r: Report, name: ReportCsv): Array<Array<string | number | null>> {
  switch (name) {
    case 'usage':
      return [
        [r.hourly ? 'hour' : 'date', 'minutes', 'bytes'],
        ...r.usage.map((u) => [
          r.hourly ? `${u.date} ${u.label}` : u.date,
          reportMinutes(u.ms),
          u.bytes,
        ]),
      ];
    case 'peaks':
      return [['date', 'peak_devices'], ...r.peaks.map((p) => [p.date, p.devices])];
    case 'busy-hours':
      return [
        ['weekday', ...Array.from({ length: 24 }, (_, h) => `h${String(h).padStart(2, '0')}`)],
        ...r.heat.map((row, d) => [
          ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][d] ?? '',
          ...row.map(reportMinutes),
        ]),
      ];
    case 'redeemed':
      return [
        ['date', 'total', ...TOKEN_SOURCES],
        ...r.redeemed.map((d) => [
          d.date,
          d.total,
          ...TOKEN_SOURCES.map((s) => d.bySource[s] ?? 0),
        ]),
      ];
    case 'batches':
      return [
        [
          'batch',
          'tokens',
          'used',
          'unused',
          'depleted',
          'minutes_issued',
          'minutes_used',
          'minutes_in_period',
        ],
        ...r.batches.map((b) => [
          b.name,
          b.tokens,
          b.used,
          b.unused,
          b.depleted,
          b.minutesIssued,
          tokenMinutes(b.usedMs),
          reportMinutes(b.periodMs),
        ]),
      ];
    case 'routers':
      return [
        [
          'router',
          'sessions',
          'minutes',
          'bytes',
          ...OUTCOMES.map((o) => `disconnect_${o}`),
          ...OUTCOMES.map((o) => `coa_${o}`),
        ],
        ...r.routers.map((x) => [
          x.name,
          x.sessions,
          reportMinutes(x.ms),
          x.bytes,
          ...OUTCOMES.map((o) => x.disconnect[o]),
          ...OUTCOMES.map((o) => x.coa[o]),
        ]),
      ];
    case 'top-minutes':
      return tokenRows(r.topByMinutes);
    case 'top-data':
      return tokenRows(r.topByData);
  }
}

/** reportCsv returns one report as CSV text with CRLF line ends; `bom` prefixes a UTF-8 BOM. */
export function reportCsv(r: Report, name: ReportCsv, opts: { bom?: boolean } = {}): string {
  return (
    (opts.bom ? '\uFEFF' : '') +
    reportRows(r, name)
      .map((row) => row.map(csvCell).join(',') + '\r\n')
      .join('')
  );
}
