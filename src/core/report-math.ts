// The arithmetic behind the reports: cutting charged intervals into hours of the venue's
// day, and counting how many devices were online at once. Pure: times come in as numbers.

import type { Interval } from './intervals.js';

const HOUR_MS = 3_600_000;

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
 * hourSlots returns the hours of [from, to) in UTC steps of one hour from `from`, labelled by
 * `localIso` (which returns `YYYY-MM-DDTHH:…` for an instant in the venue's zone).
 */
export function hourSlots(from: number, to: number, localIso: (ms: number) => string): HourSlot[] {
  const out: HourSlot[] = [];
  for (let t = from; t < to; t += HOUR_MS) {
    const iso = localIso(t);
    const date = iso.slice(0, 10);
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const weekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
    out.push({ start: t, date, hour: Number(iso.slice(11, 13)), weekday });
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
  // Ends sort before starts at the same instant: [a, b) and [b, c) never overlap.
  const events: Array<[number, number]> = [];
  for (const i of intervals) {
    if (i.end <= i.start) continue;
    events.push([i.start, 1], [i.end, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const peaks = ranges.map(() => 0);
  let count = 0;
  let e = 0;
  for (let r = 0; r < ranges.length; r++) {
    const range = ranges[r] as Interval;
    while (e < events.length && (events[e] as [number, number])[0] <= range.start) {
      count += (events[e] as [number, number])[1];
      e++;
    }
    let peak = count;
    while (e < events.length && (events[e] as [number, number])[0] < range.end) {
      count += (events[e] as [number, number])[1];
      if (count > peak) peak = count;
      e++;
    }
    peaks[r] = peak;
  }
  return peaks;
}
