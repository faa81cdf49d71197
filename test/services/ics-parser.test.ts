import { describe, expect, it } from 'vitest';
import {
  expandOccurrences,
  parseDuration,
  parseIcs,
  unfoldLines,
} from '../../src/services/ics-parser.js';

const TZ = 'Europe/Berlin';
const cal = (...events: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...events, 'END:VCALENDAR'].join('\r\n');
const ev = (...lines: string[]) => ['BEGIN:VEVENT', ...lines, 'END:VEVENT'].join('\r\n');
const expand = (text: string, from: number, until: number) =>
  expandOccurrences(parseIcs(text), { from, until, timeZone: TZ });
const iso = (ms: number) => new Date(ms).toISOString();

describe('reading iCalendar text', () => {
  it('unfolds continuation lines and unescapes text', () => {
    expect(unfoldLines('SUMMARY:Board\r\n  meeting\r\nUID:1\n\tx\r\n')).toEqual([
      'SUMMARY:Board meeting',
      'UID:1x',
    ]);
    const [e] = parseIcs(
      cal(
        ev(
          'UID:a@b',
          'SUMMARY:Strategy\\, Q1\\nand more',
          'LOCATION:Room \\;Orion\\\\',
          'DTSTART:20261203T080000Z',
          'DTEND:20261203T100000Z',
          'ORGANIZER;CN="Boss, The":mailto:boss@example.org',
          'ATTENDEE;CN=Ada;ROLE=REQ-PARTICIPANT:mailto:ada@example.org',
          'ATTENDEE;CN="Grace: H":MAILTO:grace@example.org',
          'BEGIN:VALARM',
          'TRIGGER:-PT15M',
          'UID:not-this-one',
          'END:VALARM',
        ),
      ),
    );
    expect(e).toMatchObject({
      uid: 'a@b',
      summary: 'Strategy, Q1\nand more',
      location: 'Room ;Orion\\',
      organizer: { email: 'boss@example.org', name: 'Boss, The' },
      attendees: [
        { email: 'ada@example.org', name: 'Ada' },
        { email: 'grace@example.org', name: 'Grace: H' },
      ],
    });
  });

  it.each([
    ['PT1H30M', 5_400_000],
    ['P1D', 86_400_000],
    ['P1W', 604_800_000],
    ['P1DT2H', 93_600_000],
    ['PT45S', 45_000],
  ])('reads DURATION %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it('reads UTC, TZID, floating and all-day times, and DURATION instead of DTEND', () => {
    const occ = expand(
      cal(
        ev('UID:utc', 'DTSTART:20261203T080000Z', 'DTEND:20261203T090000Z'),
        ev('UID:ny', 'DTSTART;TZID=America/New_York:20261203T090000', 'DURATION:PT2H'),
        ev('UID:float', 'DTSTART:20261203T090000', 'DTEND:20261203T100000'),
        ev('UID:day', 'DTSTART;VALUE=DATE:20261204', 'DTEND;VALUE=DATE:20261206'),
        ev(
          'UID:moz',
          'DTSTART;TZID=/mozilla.org/20050126_1/Europe/London:20261203T090000',
          'DTEND;TZID=/mozilla.org/20050126_1/Europe/London:20261203T093000',
        ),
      ),
      Date.UTC(2026, 11, 1),
      Date.UTC(2026, 11, 31),
    );
    const by = Object.fromEntries(occ.map((o) => [o.key, [iso(o.startAt), iso(o.endAt)]]));
    expect(by).toEqual({
      utc: ['2026-12-03T08:00:00.000Z', '2026-12-03T09:00:00.000Z'],
      ny: ['2026-12-03T14:00:00.000Z', '2026-12-03T16:00:00.000Z'],
      float: ['2026-12-03T08:00:00.000Z', '2026-12-03T09:00:00.000Z'],
      day: ['2026-12-03T23:00:00.000Z', '2026-12-05T23:00:00.000Z'],
      moz: ['2026-12-03T09:00:00.000Z', '2026-12-03T09:30:00.000Z'],
    });
  });
});

describe('recurrence', () => {
  it('expands a weekly BYDAY rule with COUNT in wall time across the DST change, minus EXDATEs', () => {
    const occ = expand(
      cal(
        ev(
          'UID:standup',
          'DTSTART;TZID=Europe/Berlin:20260323T090000',
          'DTEND;TZID=Europe/Berlin:20260323T093000',
          'RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6',
          'EXDATE;TZID=Europe/Berlin:20260325T090000',
        ),
      ),
      Date.UTC(2026, 0, 1),
      Date.UTC(2026, 11, 31),
    );
    expect(occ.map((o) => iso(o.startAt))).toEqual([
      '2026-03-23T08:00:00.000Z', // Mon, still winter time (UTC+1)
      // Wed 25 excluded
      '2026-03-30T07:00:00.000Z', // Mon, summer time: still 09:00 in Berlin
      '2026-04-01T07:00:00.000Z',
      '2026-04-06T07:00:00.000Z',
      '2026-04-08T07:00:00.000Z',
    ]);
    expect(occ.every((o) => o.endAt - o.startAt === 30 * 60_000)).toBe(true);
    expect(occ[0]!.key).toBe('standup@20260323T080000Z');
  });

  it('expands DAILY with INTERVAL and UNTIL, and keys all-day occurrences by date', () => {
    const occ = expand(
      cal(
        ev(
          'UID:pass',
          'DTSTART;VALUE=DATE:20261201',
          'DTEND;VALUE=DATE:20261202',
          'RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20261207',
        ),
      ),
      Date.UTC(2026, 10, 1),
      Date.UTC(2026, 11, 31),
    );
    expect(occ.map((o) => o.key)).toEqual([
      'pass@20261201',
      'pass@20261203',
      'pass@20261205',
      'pass@20261207',
    ]);
  });

  it('expands a biweekly rule without COUNT only up to the window, and skips what ended before it', () => {
    const occ = expand(
      cal(
        ev(
          'UID:review',
          'DTSTART:20261005T130000Z',
          'DTEND:20261005T140000Z',
          'RRULE:FREQ=WEEKLY;INTERVAL=2',
        ),
      ),
      Date.UTC(2026, 10, 10),
      Date.UTC(2026, 11, 10),
    );
    expect(occ.map((o) => iso(o.startAt).slice(0, 10))).toEqual(['2026-11-16', '2026-11-30']);
  });

  it('applies RECURRENCE-ID overrides (moved, cancelled) and a cancelled series', () => {
    const occ = expand(
      cal(
        ev(
          'UID:series',
          'SUMMARY:Team',
          'DTSTART:20261201T090000Z',
          'DTEND:20261201T100000Z',
          'RRULE:FREQ=DAILY;COUNT=3',
        ),
        ev(
          'UID:series',
          'RECURRENCE-ID:20261202T090000Z',
          'SUMMARY:Team (moved)',
          'DTSTART:20261202T150000Z',
          'DTEND:20261202T163000Z',
        ),
        ev(
          'UID:series',
          'RECURRENCE-ID:20261203T090000Z',
          'STATUS:CANCELLED',
          'DTSTART:20261203T090000Z',
        ),
        ev('UID:gone', 'STATUS:CANCELLED', 'DTSTART:20261201T120000Z', 'DTEND:20261201T130000Z'),
      ),
      Date.UTC(2026, 10, 1),
      Date.UTC(2026, 11, 31),
    );
    expect(
      occ.map((o) => [
        o.key,
        iso(o.startAt).slice(5, 16),
        iso(o.endAt).slice(11, 16),
        o.summary,
        o.cancelled,
      ]),
    ).toEqual([
      ['series@20261201T090000Z', '12-01T09:00', '10:00', 'Team', false],
      ['series@20261202T090000Z', '12-02T15:00', '16:30', 'Team (moved)', false],
      ['series@20261203T090000Z', '12-03T09:00', '10:00', '', true],
      ['gone', '12-01T12:00', '13:00', '', true],
    ]);
  });

  it('skips a monthly occurrence in a month without that day', () => {
    const occ = expand(
      cal(
        ev(
          'UID:m',
          'DTSTART:20260131T090000Z',
          'DTEND:20260131T100000Z',
          'RRULE:FREQ=MONTHLY;COUNT=3',
        ),
      ),
      Date.UTC(2026, 0, 1),
      Date.UTC(2026, 11, 31),
    );
    expect(occ.map((o) => iso(o.startAt).slice(0, 10))).toEqual([
      '2026-01-31',
      '2026-03-31',
      '2026-05-31',
    ]);
  });
});
