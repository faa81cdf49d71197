// The reports' arithmetic: hours of the venue's day across a DST change, clipping spans
// into hours, unions and the most intervals overlapping at once.

import { describe, expect, test } from 'vitest';
import { addToHours, hourSlots, mergeIntervals, peakPerRange } from '../../src/core/report-math.js';
import { parseDateTime, zoneOffsetMs } from '../../src/core/time.js';

const H = 3_600_000;

describe('hourSlots', () => {
  test('labels the hours of a day in the venue’s zone, 23 on the spring DST day', () => {
    const tz = 'Europe/Berlin';
    const from = parseDateTime('2026-03-29', tz)!;
    const to = parseDateTime('2026-03-29', tz, { endOfDay: true })!;
    const slots = hourSlots(from, to, (ms) => zoneOffsetMs(ms, tz));
    expect(slots).toHaveLength(23);
    expect(slots.map((s) => s.hour).slice(0, 4)).toEqual([0, 1, 3, 4]);
    expect(slots.every((s) => s.date === '2026-03-29' && s.weekday === 6)).toBe(true);
  });

  test('labels 25 hours on the autumn DST day, and Monday as weekday 0', () => {
    const tz = 'Europe/Berlin';
    const from = parseDateTime('2026-10-25', tz)!;
    const to = parseDateTime('2026-10-27', tz, { endOfDay: false })!;
    const slots = hourSlots(from, to, (ms) => zoneOffsetMs(ms, tz));
    expect(slots).toHaveLength(49);
    expect(slots.map((s) => s.hour).slice(0, 5)).toEqual([0, 1, 2, 2, 3]);
    expect(slots.at(-1)).toMatchObject({ date: '2026-10-26', hour: 23, weekday: 0 });
  });
});

describe('addToHours', () => {
  test('cuts a span at hour boundaries and the period’s ends, with a weight', () => {
    const per = [0, 0, 0];
    addToHours(per, 0, { start: -H, end: 1.5 * H });
    addToHours(per, 0, { start: 2.5 * H, end: 9 * H }, 2);
    expect(per).toEqual([H, 0.5 * H, H]);
  });
});

describe('mergeIntervals and peakPerRange', () => {
  test('merges overlapping and touching intervals', () => {
    expect(
      mergeIntervals([
        { start: 5, end: 8 },
        { start: 0, end: 2 },
        { start: 2, end: 3 },
        { start: 6, end: 7 },
        { start: 9, end: 9 },
      ]),
    ).toEqual([
      { start: 0, end: 3 },
      { start: 5, end: 8 },
    ]);
  });

  test('counts the most overlapping intervals per range; back-to-back ones do not overlap', () => {
    const intervals = [
      { start: 0, end: 10 },
      { start: 10, end: 20 },
      { start: 5, end: 25 },
      { start: 22, end: 23 },
      { start: 40, end: 50 },
    ];
    const ranges = [
      { start: 0, end: 10 },
      { start: 10, end: 30 },
      { start: 30, end: 40 },
      { start: 40, end: 45 },
    ];
    expect(peakPerRange(intervals, ranges)).toEqual([2, 2, 0, 1]);
  });
});
