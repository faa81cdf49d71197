import { describe, expect, it } from 'vitest';
import {
  describeSessionEnd,
  describeToken,
  formatBytes,
  formatDateTime,
  formatMinutes,
  formatRate,
} from '../../src/core/describe.js';
import type { TokenLimits } from '../../src/core/token.js';

// Monday 15 June 2026, 12:00 in Berlin (summer time, UTC+2), 10:00 UTC.
const NOW = Date.UTC(2026, 5, 15, 10, 0);
// 17:40 the same day in Berlin, 15:40 UTC.
const TODAY_1740 = Date.UTC(2026, 5, 15, 15, 40);

const base: TokenLimits = {
  minutes: null,
  validFrom: null,
  validUntil: null,
  expiresAfterFirstUseMinutes: null,
  maxDevices: 1,
  whenFull: 'refuse',
  dataQuotaBytes: null,
  rateDownKbps: null,
  rateUpKbps: null,
};
const limits = (over: Partial<TokenLimits>): TokenLimits => ({ ...base, ...over });

describe('formatDateTime', () => {
  it.each([
    {
      name: 'today, summer, Berlin',
      ms: TODAY_1740,
      tz: 'Europe/Berlin',
      now: NOW,
      out: 'today 17:40',
    },
    { name: 'today, UTC', ms: TODAY_1740, tz: 'UTC', now: NOW, out: 'today 15:40' },
    {
      name: 'today, winter, Berlin (UTC+1)',
      ms: Date.UTC(2026, 0, 15, 16, 40),
      tz: 'Europe/Berlin',
      now: Date.UTC(2026, 0, 15, 8, 0),
      out: 'today 17:40',
    },
    {
      name: 'a leading zero in the hour',
      ms: Date.UTC(2026, 5, 15, 7, 5),
      tz: 'Europe/Berlin',
      now: NOW,
      out: 'today 09:05',
    },
    {
      name: 'midnight',
      ms: Date.UTC(2026, 5, 15, 0, 0),
      tz: 'UTC',
      now: NOW,
      out: 'today 00:00',
    },
    {
      name: 'tomorrow',
      ms: Date.UTC(2026, 5, 16, 15, 40),
      tz: 'Europe/Berlin',
      now: NOW,
      out: 'tomorrow 17:40',
    },
    {
      name: 'yesterday',
      ms: Date.UTC(2026, 5, 14, 15, 40),
      tz: 'UTC',
      now: NOW,
      out: '14 Jun 15:40',
    },
    {
      name: 'another month this year',
      ms: Date.UTC(2026, 11, 3, 16, 40),
      tz: 'Europe/Berlin',
      now: NOW,
      out: '3 Dec 17:40',
    },
    {
      name: 'another year',
      ms: Date.UTC(2027, 0, 2, 8, 0),
      tz: 'Europe/Berlin',
      now: NOW,
      out: '2 Jan 2027 09:00',
    },
    {
      name: 'the same day and month next year',
      ms: Date.UTC(2027, 5, 15, 15, 40),
      tz: 'Europe/Berlin',
      now: NOW,
      out: '15 Jun 2027 17:40',
    },
    {
      name: 'last year',
      ms: Date.UTC(2025, 11, 3, 16, 40),
      tz: 'UTC',
      now: NOW,
      out: '3 Dec 2025 16:40',
    },
    // 22:30 UTC is already tomorrow in Berlin but still today in UTC.
    {
      name: 'after midnight in Berlin, before it in UTC (Berlin)',
      ms: Date.UTC(2026, 5, 15, 22, 30),
      tz: 'Europe/Berlin',
      now: Date.UTC(2026, 5, 15, 21, 30),
      out: 'tomorrow 00:30',
    },
    {
      name: 'after midnight in Berlin, before it in UTC (UTC)',
      ms: Date.UTC(2026, 5, 15, 22, 30),
      tz: 'UTC',
      now: Date.UTC(2026, 5, 15, 21, 30),
      out: 'today 22:30',
    },
    // New Year's Eve 23:30 UTC is already 1 January in Berlin.
    {
      name: 'new year in Berlin, not yet in UTC (Berlin)',
      ms: Date.UTC(2027, 0, 1, 10, 0),
      tz: 'Europe/Berlin',
      now: Date.UTC(2026, 11, 31, 23, 30),
      out: 'today 11:00',
    },
    {
      name: 'new year in Berlin, not yet in UTC (UTC)',
      ms: Date.UTC(2027, 0, 1, 10, 0),
      tz: 'UTC',
      now: Date.UTC(2026, 11, 31, 23, 30),
      out: 'tomorrow 10:00',
    },
  ])('writes $name as $out', ({ ms, tz, now, out }) => {
    expect(formatDateTime(ms, tz, now)).toBe(out);
  });
});

describe('formatMinutes', () => {
  it.each([
    { minutes: 1, out: '1 minute' },
    { minutes: 30, out: '30 minutes' },
    { minutes: 60, out: '60 minutes' },
    { minutes: 90, out: '90 minutes' },
    { minutes: 120, out: '2 hours' },
    { minutes: 150, out: '150 minutes' },
    { minutes: 720, out: '12 hours' },
    { minutes: 1440, out: '1 day' },
    { minutes: 1500, out: '25 hours' },
    { minutes: 2880, out: '2 days' },
    { minutes: 10080, out: '7 days' },
  ])('writes $minutes as $out', ({ minutes, out }) => {
    expect(formatMinutes(minutes)).toBe(out);
  });
});

describe('formatBytes', () => {
  it.each([
    { bytes: 0, out: '0 bytes' },
    { bytes: 999, out: '999 bytes' },
    { bytes: 1000, out: '1 kB' },
    { bytes: 1500, out: '1.5 kB' },
    { bytes: 500_000_000, out: '500 MB' },
    { bytes: 1_000_000_000, out: '1 GB' },
    { bytes: 1_500_000_000, out: '1.5 GB' },
    { bytes: 1_234_000_000, out: '1.2 GB' },
    { bytes: 2_000_000_000_000, out: '2 TB' },
    { bytes: 5_000_000_000_000_000, out: '5000 TB' },
  ])('writes $bytes as $out', ({ bytes, out }) => {
    expect(formatBytes(bytes)).toBe(out);
  });
});

describe('formatRate', () => {
  it.each([
    { kbps: 512, out: '512 kbit/s' },
    { kbps: 1000, out: '1 Mbit/s' },
    { kbps: 1500, out: '1500 kbit/s' },
    { kbps: 4000, out: '4 Mbit/s' },
    { kbps: 100_000, out: '100 Mbit/s' },
  ])('writes $kbps as $out', ({ kbps, out }) => {
    expect(formatRate(kbps)).toBe(out);
  });
});

describe('describeToken', () => {
  it.each<{ name: string; t: TokenLimits; tz?: string; out: string }>([
    {
      name: 'the DESIGN.md example',
      t: limits({ validUntil: TODAY_1740, minutes: 120, maxDevices: 2 }),
      out: 'works until today 17:40 or 120 minutes online, whichever comes first, on up to 2 devices',
    },
    {
      name: 'the same token read in UTC',
      t: limits({ validUntil: TODAY_1740, minutes: 120, maxDevices: 2 }),
      tz: 'UTC',
      out: 'works until today 15:40 or 120 minutes online, whichever comes first, on up to 2 devices',
    },
    {
      name: 'no limits',
      t: limits({}),
      out: 'works without a time limit, on 1 device',
    },
    {
      name: 'only minutes',
      t: limits({ minutes: 120 }),
      out: 'works for 120 minutes online, on 1 device',
    },
    {
      name: 'only valid-until, another day',
      t: limits({ validUntil: Date.UTC(2026, 5, 20, 16, 0) }),
      out: 'works until 20 Jun 18:00, on 1 device',
    },
    {
      name: 'only valid-until, another year',
      t: limits({ validUntil: Date.UTC(2027, 0, 2, 8, 0) }),
      out: 'works until 2 Jan 2027 09:00, on 1 device',
    },
    {
      name: 'only a first-use lifetime',
      t: limits({ expiresAfterFirstUseMinutes: 1440 }),
      out: 'works for 1 day after first use, on 1 device',
    },
    {
      name: 'only a data quota',
      t: limits({ dataQuotaBytes: 1_500_000_000 }),
      out: 'works for 1.5 GB of data, on 1 device',
    },
    {
      name: 'minutes and a first-use lifetime',
      t: limits({ minutes: 60, expiresAfterFirstUseMinutes: 1440 }),
      out: 'works for 60 minutes online or 1 day after first use, whichever comes first, on 1 device',
    },
    {
      name: 'minutes and a data quota',
      t: limits({ minutes: 120, dataQuotaBytes: 500_000_000 }),
      out: 'works for 120 minutes online or 500 MB of data, whichever comes first, on 1 device',
    },
    {
      name: 'every limit',
      t: limits({
        validUntil: TODAY_1740,
        minutes: 120,
        expiresAfterFirstUseMinutes: 480,
        dataQuotaBytes: 2_000_000_000,
        maxDevices: 3,
      }),
      out:
        'works until today 17:40, 120 minutes online, 8 hours after first use or 2 GB of data, ' +
        'whichever comes first, on up to 3 devices',
    },
    {
      name: 'a valid-from today',
      t: limits({ validFrom: Date.UTC(2026, 5, 15, 7, 0), validUntil: TODAY_1740 }),
      out: 'works from today 09:00 until today 17:40, on 1 device',
    },
    {
      name: 'a valid-from another day with minutes',
      t: limits({ validFrom: Date.UTC(2026, 6, 1, 6, 30), minutes: 90 }),
      out: 'works from 1 Jul 08:30 for 90 minutes online, on 1 device',
    },
    {
      name: 'a valid-from in UTC',
      t: limits({ validFrom: Date.UTC(2026, 6, 1, 6, 30), minutes: 90 }),
      tz: 'UTC',
      out: 'works from 1 Jul 06:30 for 90 minutes online, on 1 device',
    },
    {
      name: 'replace-oldest',
      t: limits({ minutes: 120, maxDevices: 2, whenFull: 'replace-oldest' }),
      out: 'works for 120 minutes online, on up to 2 devices (a new device replaces the oldest)',
    },
    {
      name: 'both rate limits',
      t: limits({ minutes: 120, rateDownKbps: 4000, rateUpKbps: 512 }),
      out: 'works for 120 minutes online, on 1 device, at up to 4 Mbit/s down and 512 kbit/s up',
    },
    {
      name: 'only a download rate',
      t: limits({ rateDownKbps: 2000 }),
      out: 'works without a time limit, on 1 device, at up to 2 Mbit/s down',
    },
    {
      name: 'only an upload rate',
      t: limits({ rateUpKbps: 1500 }),
      out: 'works without a time limit, on 1 device, at up to 1500 kbit/s up',
    },
    {
      name: 'replace-oldest with a rate',
      t: limits({ maxDevices: 3, whenFull: 'replace-oldest', rateDownKbps: 10_000 }),
      out:
        'works without a time limit, on up to 3 devices (a new device replaces the oldest), ' +
        'at up to 10 Mbit/s down',
    },
  ])('describes $name', ({ t, tz = 'Europe/Berlin', out }) => {
    expect(describeToken(t, tz, NOW)).toBe(out);
  });
});

describe('describeSessionEnd', () => {
  it.each([
    {
      cause: 'Admin-Reset',
      coa: { kind: 'disconnect', state: 'ack', reason: 'admin-reset', requestedBy: 'alice' },
      text: 'Disconnected by staff, router confirmed',
      term: 'Admin-Reset (disconnect: ack)',
    },
    {
      cause: 'Admin-Reset',
      coa: { kind: 'disconnect', state: 'nak', reason: 'depleted', requestedBy: null },
      text: 'Minutes ran out, router refused',
      term: 'Admin-Reset (disconnect: nak)',
    },
    {
      cause: null,
      coa: { kind: 'disconnect', state: 'timeout', reason: 'signed-out', requestedBy: 'guest' },
      text: 'Signed out by the guest, router did not answer',
      term: '(disconnect: timeout)',
    },
    {
      cause: 'Session-Timeout',
      coa: null,
      text: 'Its time ran out (minutes or validity)',
      term: 'Session-Timeout',
    },
    { cause: 'User-Request', coa: null, text: 'Signed out on the device', term: 'User-Request' },
    { cause: 'Idle-Timeout', coa: null, text: 'Idle too long', term: 'Idle-Timeout' },
    { cause: 'stale', coa: null, text: 'No report from the router for too long', term: 'stale' },
    {
      cause: 'Lost-Carrier',
      coa: { kind: 'coa', state: 'ack', reason: 'token-minutes', requestedBy: null },
      text: 'Connection lost',
      term: 'Lost-Carrier (coa: ack)',
    },
    { cause: 'Callback', coa: null, text: 'Ended (Callback)', term: 'Callback' },
    { cause: null, coa: null, text: '', term: '' },
  ])('words $term as "$text"', ({ cause, coa, text, term }) => {
    expect(describeSessionEnd(cause, coa)).toEqual({ text, term });
  });
});
