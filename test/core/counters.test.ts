import { describe, expect, it } from 'vitest';
import { advanceCounters, octets64, type Counters } from '../../src/core/counters.js';

const GIGAWORD = 2 ** 32;

describe('octets64', () => {
  it.each([
    { octets: undefined, gigawords: undefined, total: 0 },
    { octets: 0, gigawords: 0, total: 0 },
    { octets: 1000, gigawords: undefined, total: 1000 },
    { octets: 1000, gigawords: 0, total: 1000 },
    { octets: 4294967295, gigawords: 0, total: 4294967295 },
    { octets: 0, gigawords: 1, total: 4294967296 },
    { octets: 5, gigawords: 1, total: 4294967301 },
    { octets: undefined, gigawords: 2, total: 8589934592 },
    { octets: 4294967295, gigawords: 3, total: 17179869183 },
    { octets: 123, gigawords: 2_000_000, total: 8589934592000123 },
  ])('reads $octets octets and $gigawords gigawords as $total', ({ octets, gigawords, total }) => {
    expect(octets64(octets, gigawords)).toBe(total);
  });

  it('is exact above 2^32', () => {
    expect(octets64(1, 1) - GIGAWORD).toBe(1);
    expect(octets64(4294967295, 1)).toBe(2 * GIGAWORD - 1);
  });
});

describe('advanceCounters', () => {
  const recorded: Counters = { sessionSeconds: 60, inputOctets: 1000, outputOctets: 2000 };
  const zero: Counters = { sessionSeconds: 0, inputOctets: 0, outputOctets: 0 };

  it.each<{ name: string; reported: Partial<Counters>; next: Counters; delta: Counters }>([
    {
      name: 'a normal increase',
      reported: { sessionSeconds: 120, inputOctets: 1500, outputOctets: 2600 },
      next: { sessionSeconds: 120, inputOctets: 1500, outputOctets: 2600 },
      delta: { sessionSeconds: 60, inputOctets: 500, outputOctets: 600 },
    },
    {
      name: 'a duplicate',
      reported: { sessionSeconds: 60, inputOctets: 1000, outputOctets: 2000 },
      next: recorded,
      delta: zero,
    },
    {
      name: 'every counter going backwards',
      reported: { sessionSeconds: 30, inputOctets: 900, outputOctets: 0 },
      next: recorded,
      delta: zero,
    },
    {
      name: 'one counter going backwards, the others forwards',
      reported: { sessionSeconds: 120, inputOctets: 900, outputOctets: 2600 },
      next: { sessionSeconds: 120, inputOctets: 1000, outputOctets: 2600 },
      delta: { sessionSeconds: 60, inputOctets: 0, outputOctets: 600 },
    },
    {
      name: 'only session time',
      reported: { sessionSeconds: 90 },
      next: { sessionSeconds: 90, inputOctets: 1000, outputOctets: 2000 },
      delta: { sessionSeconds: 30, inputOctets: 0, outputOctets: 0 },
    },
    {
      name: 'only octets',
      reported: { inputOctets: 1100, outputOctets: 2200 },
      next: { sessionSeconds: 60, inputOctets: 1100, outputOctets: 2200 },
      delta: { sessionSeconds: 0, inputOctets: 100, outputOctets: 200 },
    },
    { name: 'nothing', reported: {}, next: recorded, delta: zero },
    {
      name: 'values that are not finite',
      reported: { sessionSeconds: Number.NaN, inputOctets: Infinity, outputOctets: 2001 },
      next: { sessionSeconds: 60, inputOctets: 1000, outputOctets: 2001 },
      delta: { sessionSeconds: 0, inputOctets: 0, outputOctets: 1 },
    },
    {
      name: 'octets above 2^32 (with Gigawords)',
      reported: {
        sessionSeconds: 3600,
        inputOctets: octets64(10, 1),
        outputOctets: octets64(2000, 2),
      },
      next: { sessionSeconds: 3600, inputOctets: GIGAWORD + 10, outputOctets: 2 * GIGAWORD + 2000 },
      delta: { sessionSeconds: 3540, inputOctets: GIGAWORD - 990, outputOctets: 2 * GIGAWORD },
    },
  ])('charges $name', ({ reported, next, delta }) => {
    expect(advanceCounters(recorded, reported)).toEqual({ next, delta });
  });

  it('does not change the record it was given', () => {
    const before = { ...recorded };
    advanceCounters(recorded, { sessionSeconds: 999, inputOctets: 9999, outputOctets: 9999 });
    expect(recorded).toEqual(before);
  });

  it('charges a session once however its packets arrive (retransmits, reordering)', () => {
    const packets: Partial<Counters>[] = [
      { sessionSeconds: 0, inputOctets: 0, outputOctets: 0 },
      { sessionSeconds: 300, inputOctets: 5000, outputOctets: 7000 },
      { sessionSeconds: 300, inputOctets: 5000, outputOctets: 7000 },
      { sessionSeconds: 600, inputOctets: 9000, outputOctets: 15000 },
      { sessionSeconds: 300, inputOctets: 5000, outputOctets: 7000 },
      { sessionSeconds: 720, inputOctets: 9500, outputOctets: 16000 },
      { sessionSeconds: 720, inputOctets: 9500, outputOctets: 16000 },
    ];
    let rec = zero;
    const charged = { ...zero };
    for (const p of packets) {
      const { next, delta } = advanceCounters(rec, p);
      rec = next;
      charged.sessionSeconds += delta.sessionSeconds;
      charged.inputOctets += delta.inputOctets;
      charged.outputOctets += delta.outputOctets;
    }
    expect(rec).toEqual({ sessionSeconds: 720, inputOctets: 9500, outputOctets: 16000 });
    expect(charged).toEqual({ sessionSeconds: 720, inputOctets: 9500, outputOctets: 16000 });
  });
});
