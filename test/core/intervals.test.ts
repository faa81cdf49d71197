import { describe, expect, it } from 'vitest';
import {
  intervalMs,
  mergeIntoCoverage,
  uncoveredMs,
  unionMs,
  type Interval,
} from '../../src/core/intervals.js';

const T = Date.UTC(2026, 5, 15, 9, 0, 0);
const MIN = 60_000;
/** at returns the interval from `a` to `b` minutes after T. */
const at = (a: number, b: number): Interval => ({ start: T + a * MIN, end: T + b * MIN });

describe('intervalMs', () => {
  it.each([
    { name: 'ten minutes', i: at(0, 10), ms: 10 * MIN },
    { name: 'an empty interval', i: at(5, 5), ms: 0 },
    { name: 'a reversed interval', i: at(5, 0), ms: 0 },
  ])('measures $name', ({ i, ms }) => {
    expect(intervalMs(i)).toBe(ms);
  });
});

describe('mergeIntoCoverage', () => {
  it.each([
    { name: 'into empty coverage', touching: [], add: at(0, 10), merged: at(0, 10), added: 10 },
    {
      name: 'overlapping the end of one interval',
      touching: [at(0, 10)],
      add: at(5, 15),
      merged: at(0, 15),
      added: 5,
    },
    {
      name: 'overlapping the start of one interval',
      touching: [at(10, 20)],
      add: at(5, 15),
      merged: at(5, 20),
      added: 5,
    },
    {
      name: 'touching the end of one interval',
      touching: [at(0, 10)],
      add: at(10, 20),
      merged: at(0, 20),
      added: 10,
    },
    {
      name: 'touching the start of one interval',
      touching: [at(10, 20)],
      add: at(0, 10),
      merged: at(0, 20),
      added: 10,
    },
    {
      name: 'contained in one interval',
      touching: [at(0, 60)],
      add: at(10, 20),
      merged: at(0, 60),
      added: 0,
    },
    {
      name: 'equal to one interval (a duplicate)',
      touching: [at(0, 10)],
      add: at(0, 10),
      merged: at(0, 10),
      added: 0,
    },
    {
      name: 'containing one interval',
      touching: [at(10, 20)],
      add: at(0, 60),
      merged: at(0, 60),
      added: 50,
    },
    {
      // Gaps 10–15 and 20–30 are new: 15 minutes.
      name: 'spanning several intervals',
      touching: [at(0, 10), at(15, 20), at(30, 40)],
      add: at(5, 35),
      merged: at(0, 40),
      added: 15,
    },
    {
      name: 'bridging two intervals it touches at both ends',
      touching: [at(0, 10), at(20, 30)],
      add: at(10, 20),
      merged: at(0, 30),
      added: 10,
    },
    {
      name: 'spanning several intervals given in any order',
      touching: [at(30, 40), at(0, 10), at(15, 20)],
      add: at(5, 50),
      merged: at(0, 50),
      added: 25,
    },
    { name: 'an empty interval', touching: [], add: at(7, 7), merged: at(7, 7), added: 0 },
  ])('merges $name', ({ touching, add, merged, added }) => {
    expect(mergeIntoCoverage(touching, add)).toEqual({ merged, addedMs: added * MIN });
  });

  it.each([
    { name: 'an interval wholly before', touching: [at(0, 10)], add: at(11, 20) },
    { name: 'an interval wholly after', touching: [at(21, 30)], add: at(11, 20) },
    {
      name: 'one bad interval among good ones',
      touching: [at(0, 12), at(40, 50)],
      add: at(11, 20),
    },
    { name: 'an empty interval with coverage', touching: [at(0, 10)], add: at(5, 5) },
  ])('throws a RangeError for $name', ({ touching, add }) => {
    expect(() => mergeIntoCoverage(touching, add)).toThrow(RangeError);
  });

  it('one millisecond apart does not touch', () => {
    const add = { start: T + 1001, end: T + 2000 };
    expect(() => mergeIntoCoverage([{ start: T, end: T + 1000 }], add)).toThrow(RangeError);
    expect(mergeIntoCoverage([{ start: T, end: T + 1001 }], add)).toEqual({
      merged: { start: T, end: T + 2000 },
      addedMs: 999,
    });
  });
});

describe('unionMs', () => {
  it.each([
    { name: 'no intervals', intervals: [], minutes: 0 },
    { name: 'one device for ten minutes', intervals: [at(0, 10)], minutes: 10 },
    {
      name: 'two devices online at the same time for ten minutes',
      intervals: [at(0, 10), at(0, 10)],
      minutes: 10,
    },
    { name: 'two overlapping devices', intervals: [at(0, 10), at(5, 15)], minutes: 15 },
    { name: 'one device inside another', intervals: [at(0, 60), at(10, 20)], minutes: 60 },
    { name: 'two disjoint devices', intervals: [at(0, 10), at(20, 30)], minutes: 20 },
    { name: 'two touching devices', intervals: [at(0, 10), at(10, 20)], minutes: 20 },
    {
      name: 'three devices, unsorted, overlapping in a chain',
      intervals: [at(20, 40), at(0, 10), at(5, 25)],
      minutes: 40,
    },
    {
      name: 'overlapping and disjoint devices together',
      intervals: [at(0, 10), at(5, 12), at(30, 35), at(32, 33), at(50, 51)],
      minutes: 18,
    },
    { name: 'empty and reversed intervals', intervals: [at(5, 5), at(10, 0)], minutes: 0 },
    {
      name: 'a reversed interval next to a real one',
      intervals: [at(0, 10), at(30, 20)],
      minutes: 10,
    },
  ])('measures $name', ({ intervals, minutes }) => {
    expect(unionMs(intervals)).toBe(minutes * MIN);
  });
});

describe('uncoveredMs', () => {
  it.each([
    { name: 'no coverage', coverage: [], query: at(0, 10), minutes: 10 },
    { name: 'full coverage', coverage: [at(0, 10)], query: at(0, 10), minutes: 0 },
    { name: 'wider coverage', coverage: [at(0, 60)], query: at(10, 20), minutes: 0 },
    { name: 'coverage of the start', coverage: [at(0, 5)], query: at(0, 10), minutes: 5 },
    { name: 'coverage of the end', coverage: [at(8, 20)], query: at(0, 10), minutes: 8 },
    { name: 'coverage elsewhere', coverage: [at(20, 30)], query: at(0, 10), minutes: 10 },
    {
      name: 'several pieces in any order',
      coverage: [at(8, 9), at(-5, 2), at(4, 6), at(50, 60)],
      query: at(0, 10),
      minutes: 5,
    },
    { name: 'an empty query', coverage: [], query: at(3, 3), minutes: 0 },
  ])('measures $name', ({ coverage, query, minutes }) => {
    expect(uncoveredMs(coverage, query)).toBe(minutes * MIN);
  });
});
