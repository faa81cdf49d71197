// Dates are typed and shown in the venue's time zone but stored as UTC milliseconds.

// Building an Intl.DateTimeFormat costs far more than using one (about 80 µs against 3 µs),
// and a 100,000-token export formats several dates per row, so keep one per zone.
const offsetFormats = new Map<string, Intl.DateTimeFormat>();
const offsetFormat = (timeZone: string): Intl.DateTimeFormat => {
  let f = offsetFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetFormats.set(timeZone, f);
  }
  return f;
};

/** zoneOffsetMs returns how far `timeZone` is ahead of UTC at the instant `utcMs`. */
export function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const f = offsetFormat(timeZone).formatToParts(utcMs);
  const n = (t: string) => Number(f.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** isValidTimeZone returns true when Intl knows the IANA zone name. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * parseDateTime returns the UTC milliseconds of an ISO 8601 date or date-time. Without an
 * offset it is wall time in `timeZone`; a bare date means the start of that day, or with
 * `endOfDay` the start of the next (so "valid until 2026-12-03" includes the 3rd). Returns
 * undefined when the text is not such a date.
 */
export function parseDateTime(
  text: string,
  timeZone: string,
  opts: { endOfDay?: boolean } = {},
): number | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms, off] = m;
  const parts = [y, mo, d, h ?? '0', mi ?? '0', s ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [Y, M, D, H, MI, S] = parts;
  if (M < 1 || M > 12 || D < 1 || D > 31 || H > 23 || MI > 59 || S > 59) return undefined;
  let wall = Date.UTC(Y, M - 1, D, H, MI, S, Number((ms ?? '0').padEnd(3, '0')));
  if (new Date(wall).getUTCDate() !== D) return undefined;
  if (h === undefined && opts.endOfDay) wall += 86_400_000;
  if (off) {
    if (off.toUpperCase() === 'Z') return wall;
    const sign = off.startsWith('-') ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    const offsetMs = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
    return wall - offsetMs;
  }
  // Wall time in the zone: correct by the zone's offset, twice to settle across a DST change.
  let utc = wall - zoneOffsetMs(wall, timeZone);
  utc = wall - zoneOffsetMs(utc, timeZone);
  return utc;
}

/** formatIsoInZone returns `2026-12-03T17:40:00+01:00` for an instant seen in `timeZone`. */
export function formatIsoInZone(utcMs: number, timeZone: string): string {
  const off = zoneOffsetMs(utcMs, timeZone);
  const local = new Date(Math.floor(utcMs / 1000) * 1000 + off).toISOString().slice(0, 19);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off) / 60_000;
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}
