import { describe, expect, it } from 'vitest';
import { ianaZone, readIcs } from '../../src/services/ics-parser.js';

const TZ = 'Europe/Berlin';
const cal = (...events: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...events, 'END:VCALENDAR'].join('\r\n');
const ev = (...lines: string[]) => ['BEGIN:VEVENT', ...lines, 'END:VEVENT'].join('\r\n');
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16) + 'Z';
const read = (text: string, from: number, until: number, timeZone = TZ) =>
  readIcs(text, { from, until, timeZone });
const spans = (text: string, from: number, until: number, timeZone = TZ) =>
  read(text, from, until, timeZone).occurrences.map((o) => [
    o.key,
    iso(o.startAt),
    iso(o.endAt),
    ...(o.cancelled ? ['cancelled'] : []),
  ]);
const Y2027 = [Date.UTC(2027, 0, 1), Date.UTC(2028, 0, 1)] as const;

describe('reading iCalendar text with ical.js', () => {
  it('reads texts, people and flags; rooms and people who declined are not guests', () => {
    const [o] = read(
      cal(
        ev(
          'UID:a@b',
          'SUMMARY:Strategy\\, Q1\\nand more',
          'LOCATION:Room \\;Orion\\\\',
          'DTSTART:20271203T080000Z',
          'DTEND:20271203T100000Z',
          'ORGANIZER;CN="Boss, The":mailto:boss@example.org',
          'ATTENDEE;CN=Ada;ROLE=REQ-PARTICIPANT:mailto:ada@example.org',
          'ATTENDEE;CN="Grace: H":MAILTO:grace@example.org',
          'ATTENDEE;CN=Ada again:mailto:ADA@example.org',
          'ATTENDEE;CUTYPE=ROOM;CN=Orion:mailto:orion@rooms.example.org',
          'ATTENDEE;PARTSTAT=DECLINED;CN=Alan:mailto:alan@example.org',
          'CLASS:CONFIDENTIAL',
          'TRANSP:TRANSPARENT',
          'BEGIN:VALARM',
          'TRIGGER:-PT15M',
          'ACTION:DISPLAY',
          'END:VALARM',
        ),
      ),
      ...Y2027,
    ).occurrences;
    expect(o).toMatchObject({
      key: 'a@b',
      summary: 'Strategy, Q1\nand more',
      location: 'Room ;Orion\\',
      organizer: { email: 'boss@example.org', name: 'Boss, The' },
      attendees: [
        { email: 'ada@example.org', name: 'Ada' },
        { email: 'grace@example.org', name: 'Grace: H' },
      ],
      private: true,
      free: true,
      allDay: false,
    });
  });

  it.each([
    ['W. Europe Standard Time', 'Europe/Berlin'],
    ['GMT Standard Time', 'Europe/London'],
    ['Eastern Standard Time', 'America/New_York'],
    ['Tokyo Standard Time', 'Asia/Tokyo'],
    ['Europe/Paris', 'Europe/Paris'],
    ['/mozilla.org/20050126_1/Europe/Vienna', 'Europe/Vienna'],
    ['UTC', 'UTC'],
    ['(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna', undefined],
  ])('maps the TZID %s to %s', (tzid, zone) => expect(ianaZone(tzid)).toBe(zone));

  it('reads a Windows zone name without a VTIMEZONE, across the DST change', () => {
    const text = cal(
      ev(
        'UID:w',
        'DTSTART;TZID=W. Europe Standard Time:20270326T090000',
        'DTEND;TZID=W. Europe Standard Time:20270326T100000',
        'RRULE:FREQ=DAILY;COUNT=4',
      ),
    );
    expect(spans(text, ...Y2027)).toEqual([
      ['w@20270326T080000Z', '2027-03-26T08:00Z', '2027-03-26T09:00Z'],
      ['w@20270327T080000Z', '2027-03-27T08:00Z', '2027-03-27T09:00Z'],
      ['w@20270328T070000Z', '2027-03-28T07:00Z', '2027-03-28T08:00Z'],
      ['w@20270329T070000Z', '2027-03-29T07:00Z', '2027-03-29T08:00Z'],
    ]);
  });

  it('keeps the last instance when UNTIL is UTC and the event has a zone but no VTIMEZONE', () => {
    // 18:00 Berlin is 17:00 UTC: read as floating, UNTIL would cut the 15th off.
    const text = cal(
      ev(
        'UID:u',
        'DTSTART;TZID=Europe/Berlin:20271201T180000',
        'DURATION:PT1H',
        'RRULE:FREQ=WEEKLY;UNTIL=20271215T170000Z',
      ),
    );
    expect(spans(text, ...Y2027).map((s) => s[1])).toEqual([
      '2027-12-01T17:00Z',
      '2027-12-08T17:00Z',
      '2027-12-15T17:00Z',
    ]);
  });

  it('expands BYMONTHDAY, BYSETPOS and ordinal BYDAY rules', () => {
    const text = cal(
      ev(
        'UID:m',
        'DTSTART:20270115T120000Z',
        'DTEND:20270115T130000Z',
        'RRULE:FREQ=MONTHLY;BYMONTHDAY=15,-1;COUNT=4',
      ),
      ev(
        'UID:p',
        'DTSTART:20270101T120000Z',
        'DTEND:20270101T130000Z',
        'RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1;COUNT=3',
      ),
      ev(
        'UID:y',
        'DTSTART:20271125T120000Z',
        'DTEND:20271125T130000Z',
        'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;COUNT=2',
      ),
    );
    expect(spans(text, Date.UTC(2027, 0, 1), Date.UTC(2029, 0, 1)).map((s) => s[1])).toEqual([
      '2027-01-15T12:00Z',
      '2027-01-31T12:00Z',
      '2027-02-15T12:00Z',
      '2027-02-28T12:00Z',
      '2027-01-01T12:00Z',
      '2027-02-01T12:00Z',
      '2027-03-01T12:00Z',
      '2027-11-25T12:00Z',
      '2028-11-23T12:00Z',
    ]);
  });

  it('maps all-day events to midnight-to-midnight in the venue zone, keyed by date', () => {
    const text = cal(
      ev('UID:d', 'DTSTART;VALUE=DATE:20270327', 'RRULE:FREQ=DAILY;COUNT=2'),
      ev('UID:e', 'DTSTART;VALUE=DATE:20271031', 'DURATION:P2D'),
    );
    expect(spans(text, ...Y2027)).toEqual([
      ['d@20270327', '2027-03-26T23:00Z', '2027-03-27T23:00Z'],
      ['d@20270328', '2027-03-27T23:00Z', '2027-03-28T22:00Z'],
      ['e', '2027-10-30T22:00Z', '2027-11-01T23:00Z'],
    ]);
    // The same feed at a venue in New York.
    expect(spans(text, ...Y2027, 'America/New_York')[0]).toEqual([
      'd@20270327',
      '2027-03-27T04:00Z',
      '2027-03-28T04:00Z',
    ]);
  });

  it('finds an override moved into the window from outside it, and one whose master is cancelled', () => {
    const text = cal(
      ev(
        'UID:s',
        'DTSTART:20270104T090000Z',
        'DTEND:20270104T100000Z',
        'RRULE:FREQ=WEEKLY;COUNT=10',
        'STATUS:CANCELLED',
      ),
      ev(
        'UID:s',
        'RECURRENCE-ID:20270301T090000Z',
        'DTSTART:20270201T150000Z',
        'DTEND:20270201T160000Z',
        'STATUS:CONFIRMED',
      ),
    );
    expect(spans(text, Date.UTC(2027, 1, 1), Date.UTC(2027, 1, 2))).toEqual([
      ['s@20270201T090000Z', '2027-02-01T09:00Z', '2027-02-01T10:00Z', 'cancelled'],
      ['s@20270301T090000Z', '2027-02-01T15:00Z', '2027-02-01T16:00Z'],
    ]);
    expect(spans(text, Date.UTC(2027, 1, 8), Date.UTC(2027, 1, 9))).toEqual([
      ['s@20270208T090000Z', '2027-02-08T09:00Z', '2027-02-08T10:00Z', 'cancelled'],
    ]);
  });

  it('steps a daily series begun years before the window through to it', () => {
    const text = cal(
      ev(
        'UID:old',
        'DTSTART;TZID=Europe/Berlin:20150105T080000',
        'DTEND;TZID=Europe/Berlin:20150105T090000',
        'RRULE:FREQ=DAILY',
      ),
    );
    expect(spans(text, Date.UTC(2027, 5, 1), Date.UTC(2027, 5, 3))).toEqual([
      ['old@20270601T060000Z', '2027-06-01T06:00Z', '2027-06-01T07:00Z'],
      ['old@20270602T060000Z', '2027-06-02T06:00Z', '2027-06-02T07:00Z'],
    ]);
  });

  it('says what is wrong with text that is not iCalendar', () => {
    expect(() => read('<html>nope</html>', ...Y2027)).toThrow(/not valid iCalendar/);
    expect(() => read('BEGIN:VCARD\r\nVERSION:4.0\r\nEND:VCARD', ...Y2027)).toThrow(/no VCALENDAR/);
    expect(read(cal(), ...Y2027)).toEqual({ events: 0, occurrences: [] });
  });
});
