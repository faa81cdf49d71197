// Bookings and visitors as the booking system (or the desk) last described them, and the
// tokens each one created.

import type { Db } from './database.js';

/** BOOKING_ORIGINS are where a booking came from; each is its own external-id name space. */
export const BOOKING_ORIGINS = ['api', 'ics', 'desk'] as const;
export type BookingOrigin = (typeof BOOKING_ORIGINS)[number];

/** BookingKind separates meeting-room or day-pass bookings from desk visitors. */
export type BookingKind = 'booking' | 'visitor';

/** BookingStatus is 'cancelled' once the booking system (or staff) cancelled it. */
export type BookingStatus = 'confirmed' | 'cancelled';

/** BookingGuest is one person a booking names (a calendar event's attendee). */
export type BookingGuest = { name: string; email: string | null };

/** BookingFields are what a booking system tells us about a booking. */
export type BookingFields = {
  resource: string;
  startAt: number;
  endAt: number;
  guestName: string;
  guestEmail: string | null;
  attendees: number;
  /** The people named, in order; [] when only guestName/guestEmail are known. */
  guests: BookingGuest[];
};

/** BookingRecord is a booking row with the ids of its tokens. */
export type BookingRecord = BookingFields & {
  id: number;
  kind: BookingKind;
  origin: BookingOrigin;
  externalId: string;
  status: BookingStatus;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  cancelledAt: number | null;
  tokenIds: number[];
};

type Row = Record<string, unknown>;

/** bookingFromRow returns the BookingRecord of a `bookings` row and its token ids. */
export const bookingFromRow = (r: Row, tokenIds: number[]): BookingRecord => ({
  id: r.id as number,
  kind: r.kind as BookingKind,
  origin: r.origin as BookingOrigin,
  externalId: r.external_id as string,
  resource: r.resource as string,
  startAt: r.start_at as number,
  endAt: r.end_at as number,
  guestName: r.guest_name as string,
  guestEmail: r.guest_email as string | null,
  attendees: r.attendees as number,
  guests: JSON.parse(r.guests as string) as BookingGuest[],
  status: r.status as BookingStatus,
  createdBy: r.created_by as string | null,
  createdAt: r.created_at as number,
  updatedAt: r.updated_at as number,
  cancelledAt: r.cancelled_at as number | null,
  tokenIds,
});

/** BOOKING_UPDATE_SET is the SET list of an update from the booking system (it un-cancels). */
export const BOOKING_UPDATE_SET = `resource = @resource, start_at = @startAt,
    end_at = @endAt, guest_name = @guestName, guest_email = @guestEmail, attendees = @attendees,
    guests = @guests, status = 'confirmed', cancelled_at = NULL, updated_at = @now`;

/** BOOKING_INSERT adds a booking (named parameters, `guests` as JSON text). */
export const BOOKING_INSERT = `INSERT INTO bookings (kind, origin, external_id, resource, start_at,
    end_at, guest_name, guest_email, attendees, guests, created_by, created_at, updated_at)
    VALUES (@kind, @origin, @externalId, @resource, @startAt, @endAt, @guestName, @guestEmail,
    @attendees, @guests, @createdBy, @now, @now)`;

/** createBookingRepo returns the booking repository over `db`. */
export function createBookingRepo(db: Db) {
  const insert = db.prepare(BOOKING_INSERT);
  const byExternal = db.prepare('SELECT * FROM bookings WHERE origin = ? AND external_id = ?');
  const byId = db.prepare('SELECT * FROM bookings WHERE id = ?');
  const tokensOf = db
    .prepare('SELECT token_id FROM booking_tokens WHERE booking_id = ? ORDER BY token_id')
    .pluck();
  const link = db.prepare('INSERT INTO booking_tokens (booking_id, token_id) VALUES (?, ?)');
  const update = db.prepare(`UPDATE bookings SET ${BOOKING_UPDATE_SET} WHERE id = @id`);
  const cancel = db.prepare(
    "UPDATE bookings SET status = 'cancelled', cancelled_at = ?, updated_at = ? WHERE id = ? AND status <> 'cancelled'",
  );
  const liveOfOrigin = db.prepare(
    "SELECT * FROM bookings WHERE origin = ? AND status = 'confirmed' AND end_at > ? ORDER BY id",
  );
  const liveOfPrefix = db.prepare(
    "SELECT * FROM bookings WHERE origin = ? AND status = 'confirmed' AND end_at > ? AND substr(external_id, 1, length(?)) = ? ORDER BY id",
  );
  const page = db.prepare(
    'SELECT * FROM bookings WHERE (:kind IS NULL OR kind = :kind) ORDER BY start_at DESC, id DESC LIMIT :limit OFFSET :offset',
  );

  const toRecord = (r: Row): BookingRecord => bookingFromRow(r, tokensOf.all(r.id) as number[]);

  return {
    /** insert adds a booking and returns its id; a known origin + external id throws UNIQUE. */
    insert(
      b: BookingFields & {
        kind: BookingKind;
        origin: BookingOrigin;
        externalId: string;
        createdBy: string | null;
      },
      now: number,
    ): number {
      return Number(insert.run({ ...b, guests: JSON.stringify(b.guests), now }).lastInsertRowid);
    },
    /** findByExternalId returns the booking an origin knows by this id, or undefined. */
    findByExternalId(origin: BookingOrigin, externalId: string): BookingRecord | undefined {
      const r = byExternal.get(origin, externalId) as Row | undefined;
      return r ? toRecord(r) : undefined;
    },
    /** findById returns a booking by id, or undefined. */
    findById(id: number): BookingRecord | undefined {
      const r = byId.get(id) as Row | undefined;
      return r ? toRecord(r) : undefined;
    },
    /** linkToken records that the booking created the token. */
    linkToken(bookingId: number, tokenId: number): void {
      link.run(bookingId, tokenId);
    },
    /** update replaces what the booking system said about a booking (and un-cancels it). */
    update(id: number, b: BookingFields, now: number): void {
      update.run({ ...b, guests: JSON.stringify(b.guests), id, now });
    },
    /** cancel marks a booking cancelled; false when it already was. */
    cancel(id: number, now: number): boolean {
      return cancel.run(now, now, id).changes === 1;
    },
    /** listConfirmed returns an origin's confirmed bookings that end after `after`. */
    listConfirmed(origin: BookingOrigin, after: number): BookingRecord[] {
      return (liveOfOrigin.all(origin, after) as Row[]).map(toRecord);
    },
    /** listConfirmedWithPrefix returns an origin's confirmed bookings whose external id starts with `prefix` and that end after `after`. */
    listConfirmedWithPrefix(origin: BookingOrigin, prefix: string, after: number): BookingRecord[] {
      return (liveOfPrefix.all(origin, after, prefix, prefix) as Row[]).map(toRecord);
    },
    /** list returns bookings newest start first, optionally of one kind. */
    list(opts: { kind?: BookingKind; limit: number; offset?: number }): BookingRecord[] {
      return (
        page.all({ kind: opts.kind ?? null, limit: opts.limit, offset: opts.offset ?? 0 }) as Row[]
      ).map(toRecord);
    },
  };
}

/** BookingRepo is the booking repository's interface. */
export type BookingRepo = ReturnType<typeof createBookingRepo>;
