// Minutes are metered as the union of the devices' online intervals: two devices online at
// the same time for ten minutes use ten minutes. A token's charged coverage is kept as a set
// of disjoint intervals; each accounting update adds the stretch a session grew by.

/** Interval is a half-open span of time [start, end) in milliseconds since the epoch. */
export type Interval = { readonly start: number; readonly end: number };

/** intervalMs returns the length of an interval in milliseconds, 0 when it is empty. */
export function intervalMs(i: Interval): number {
  return Math.max(0, i.end - i.start);
}

/**
 * mergeIntoCoverage returns the interval that replaces `touching` (the coverage intervals that
 * overlap or touch `add`) once `add` is merged in, and how many milliseconds became newly
 * covered. Intervals in `touching` that do not touch `add` are a caller error and throw.
 */
export function mergeIntoCoverage(
  touching: readonly Interval[],
  add: Interval,
): { merged: Interval; addedMs: number } {
  if (add.end <= add.start) {
    if (touching.length > 0) throw new RangeError('an empty interval touches nothing');
    return { merged: add, addedMs: 0 };
  }
  let start = add.start;
  let end = add.end;
  let before = 0;
  for (const t of touching) {
    if (t.end < add.start || t.start > add.end) throw new RangeError('interval does not touch');
    start = Math.min(start, t.start);
    end = Math.max(end, t.end);
    before += intervalMs(t);
  }
  return { merged: { start, end }, addedMs: end - start - before };
}

/** unionMs returns the measure of the union of any intervals, overlapping or not. */
export function unionMs(intervals: readonly Interval[]): number {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const i of sorted) {
    if (i.start > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = i.start;
      curEnd = i.end;
    } else if (i.end > curEnd) {
      curEnd = i.end;
    }
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

/**
 * uncoveredMs returns how much of `query` is not covered by `coverage` (disjoint intervals,
 * any order): the online time that live sessions have used but accounting has not yet charged.
 */
export function uncoveredMs(coverage: readonly Interval[], query: Interval): number {
  const total = intervalMs(query);
  if (total === 0) return 0;
  let covered = 0;
  for (const c of coverage) {
    covered += Math.max(0, Math.min(c.end, query.end) - Math.max(c.start, query.start));
  }
  return Math.max(0, total - covered);
}
