import { describe, expect, it } from 'vitest';
import type { BookingFields } from '../../../src/storage/booking-repo.js';
import { isUniqueViolation } from '../../../src/storage/store.js';
import { onBoth, seedTokens, T0 } from './both.js';

const H = 3_600_000;
const fields = (over: Partial<BookingFields> = {}): BookingFields => ({
  resource: 'Orion',
  startAt: T0 + H,
  endAt: T0 + 3 * H,
  guestName: 'Ada Lovelace',
  guestEmail: 'ada@example.org',
  attendees: 2,
  guests: [
    { name: 'Ada Lovelace', email: 'ada@example.org' },
    { name: 'Ch. Babbage', email: null },
  ],
  ...over,
});

describe('bookings repository', () => {
  it('inserts, finds, links tokens, updates, cancels and lists as SQLite does', async () => {
    const out = await onBoth(async ({ store, ...side }) => {
      await seedTokens({ store, ...side }, [{}, {}, {}]);
      const b = store.bookings;
      const api = await b.insert(
        { ...fields(), kind: 'booking', origin: 'api', externalId: 'A-1', createdBy: 'api:x' },
        T0,
      );
      const ics1 = await b.insert(
        {
          ...fields({ startAt: T0 + 5 * H, endAt: T0 + 6 * H, guestEmail: null, guests: [] }),
          kind: 'booking',
          origin: 'ics',
          externalId: '1/uid-a',
          createdBy: null,
        },
        T0,
      );
      const ics2 = await b.insert(
        {
          ...fields({ startAt: T0 - 5 * H, endAt: T0 - 4 * H }),
          kind: 'booking',
          origin: 'ics',
          externalId: '2/uid-b',
          createdBy: null,
        },
        T0,
      );
      const visitor = await b.insert(
        {
          ...fields({ resource: '', attendees: 1, guests: [] }),
          kind: 'visitor',
          origin: 'desk',
          externalId: 'desk-1',
          createdBy: 'staff:ann',
        },
        T0,
      );
      await b.linkToken(api, 3);
      await b.linkToken(api, 1);
      await b.linkToken(visitor, 2);
      const cancelled = await b.cancel(ics1, T0 + 10);
      const again = await b.cancel(ics1, T0 + 20);
      const cancelledRow = await b.findById(ics1);
      // An update from the booking system un-cancels.
      await b.update(
        ics1,
        fields({ resource: 'Vega', startAt: T0 + 7 * H, endAt: T0 + 8 * H }),
        T0 + 30,
      );
      let dup = false;
      try {
        await b.insert(
          { ...fields(), kind: 'booking', origin: 'api', externalId: 'A-1', createdBy: null },
          T0,
        );
      } catch (err) {
        dup = isUniqueViolation(err);
      }
      return {
        ids: [api, ics1, ics2, visitor],
        byExternal: await b.findByExternalId('api', 'A-1'),
        otherOrigin: await b.findByExternalId('ics', 'A-1'),
        missing: await b.findById(999),
        cancelled,
        again,
        cancelledRow,
        updated: await b.findById(ics1),
        confirmedIcs: await b.listConfirmed('ics', T0),
        confirmedAll: await b.listConfirmed('ics', 0),
        prefixed: await b.listConfirmedWithPrefix('ics', '1/', 0),
        prefixedNone: await b.listConfirmedWithPrefix('ics', '1%', 0),
        list: await b.list({ limit: 10 }),
        visitors: await b.list({ kind: 'visitor', limit: 10 }),
        page2: await b.list({ limit: 2, offset: 1 }),
        dup,
      };
    });
    expect(out.byExternal).toMatchObject({
      kind: 'booking',
      origin: 'api',
      tokenIds: [1, 3],
      guests: [
        { name: 'Ada Lovelace', email: 'ada@example.org' },
        { name: 'Ch. Babbage', email: null },
      ],
      createdBy: 'api:x',
      cancelledAt: null,
    });
    expect(out.otherOrigin).toBeUndefined();
    expect(out.missing).toBeUndefined();
    expect([out.cancelled, out.again]).toEqual([true, false]);
    expect(out.cancelledRow).toMatchObject({ status: 'cancelled', cancelledAt: T0 + 10 });
    expect(out.updated).toMatchObject({
      status: 'confirmed',
      cancelledAt: null,
      resource: 'Vega',
      updatedAt: T0 + 30,
      tokenIds: [],
    });
    expect(out.confirmedIcs.map((r) => r.externalId)).toEqual(['1/uid-a']);
    expect(out.confirmedAll.map((r) => r.externalId)).toEqual(['1/uid-a', '2/uid-b']);
    expect(out.prefixed.map((r) => r.externalId)).toEqual(['1/uid-a']);
    expect(out.prefixedNone).toEqual([]);
    expect(out.list.map((r) => r.externalId)).toEqual(['1/uid-a', 'desk-1', 'A-1', '2/uid-b']);
    expect(out.visitors.map((r) => r.tokenIds)).toEqual([[2]]);
    expect(out.page2.map((r) => r.externalId)).toEqual(['desk-1', 'A-1']);
    expect(out.dup).toBe(true);
  });
});
