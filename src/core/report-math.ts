// The arithmetic behind the reports: cutting charged intervals into hours of the venue's
// day, and counting how many devices were online at once. Pure: times come in as numbers.

import type { Interval } from './intervals.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** HourSlot is one clock hour of the report's period as the venue reads it. */
export type HourSlot = {
  readonly start: number;
  /** `2026-12-03`, the venue's local date. */
  readonly date: string;
  /** 0–23, the venue's local hour. */
  readonly hour: number;
  /** 0 = Monday … 6 = Sunday. */
  readonly weekday: number;
};

/**
 * hourSlots returns the hours of [from, to) in UTC steps of one hour from `from`, labelled in
 * the venue's zone by `offsetAt` (how far the zone is ahead of UTC at an instant). The offset
 * is asked once a day, and hour by hour only on a day it changes (a DST switch).
 */
export function hourSlots(from: number, to: number, offsetAt: (ms: number) => number): HourSlot[] {
  const out: HourSlot[] = [];
  let off = 0;
  let checkAt = from;
  for (let t = from; t < to; t += HOUR_MS) {
    if (t >= checkAt) {
      off = offsetAt(t);
      const dayOn = Math.min(t + DAY_MS, to - 1);
      checkAt = offsetAt(dayOn) === off ? t + DAY_MS : t + HOUR_MS;
    }
    const local = new Date(t + off);
    out.push({
      start: t,
      date: local.toISOString().slice(0, 10),
      hour: local.getUTCHours(),
      weekday: (local.getUTCDay() + 6) % 7,
    });
  }
  return out;
}

/**
 * addToHours adds the length of `span`, clipped to [from, from + hours × 1 h), into `perHour`
 * (milliseconds per hour slot, slot i starting at from + i h); `weight` scales what is added
 * per millisecond (1 for time, bytes per millisecond for data).
 */
export function addToHours(perHour: number[], from: number, span: Interval, weight = 1): void {
  const end = Math.min(span.end, from + perHour.length * HOUR_MS);
  let t = Math.max(span.start, from);
  while (t < end) {
    const i = Math.floor((t - from) / HOUR_MS);
    const slotEnd = Math.min(end, from + (i + 1) * HOUR_MS);
    perHour[i] = (perHour[i] ?? 0) + (slotEnd - t) * weight;
    t = slotEnd;
  }
}

/** mergeIntervals returns the union of `intervals` as disjoint intervals in time order. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out.at(-1);
    if (last && i.start <= last.end) {
      if (i.end > last.end) out[out.length - 1] = { start: last.start, end: i.end };
    } else out.push(i);
  }
  return out;
}

/**
 * peakPerRange returns, for each range [start, end) in `ranges` (in time order), the most
 * intervals of `intervals` (half-open) that overlap one instant inside that range.
 */
export function peakPerRange(
  intervals: readonly Interval[],
  ranges: readonly Interval[],
): number[] {
  // Starts and ends sorted apart (typed arrays: a year holds ~70,000 sessions); an end at the
  // same instant as a start comes first, as [a, b) and [b, c) never overlap.
  const n = intervals.filter((i) => i.end > i.start).length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  let k = 0;
  for (const i of intervals) {
    if (i.end <= i.start) continue;
    starts[k] = i.start;
    ends[k] = i.end;
    k++;
  }
  starts.sort();
  ends.sort();
  const peaks = ranges.map(() => 0);
  let count = 0;
  let si = 0;
  let ei = 0;
  // step applies the next event before `limit` (or at it, with `inclusive`); false when none.
  const step = (limit: number, inclusive: boolean): boolean => {
    const s = si < n ? (starts[si] as number) : Infinity;
    const e = ei < n ? (ends[ei] as number) : Infinity;
    const next = Math.min(s, e);
    if (next > limit || (!inclusive && next === limit)) return false;
    if (e <= s) {
      count--;
      ei++;
    } else {
      count++;
      si++;
    }
    return true;
  };
  for (let r = 0; r < ranges.length; r++) {
    const range = ranges[r] as Interval;
    while (step(range.start, true));
    let peak = count;
    while (step(range.end, false)) if (count > peak) peak = count;
    peaks[r] = peak;
  }
  return peaks;
}
