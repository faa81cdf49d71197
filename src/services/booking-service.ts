// Bookings and desk visitors bring their own Wi-Fi: a booking creates its token(s) and queues
// the confirmation e-mail in the same transaction; a moved booking moves its tokens' window
// (the token service's update reaches live sessions by CoA); a cancelled one revokes them
// (Disconnect). Every entry point is idempotent by origin + external id, so a booking system
// can resend safely: a resend of what we already have changes nothing.

import { randomUUID } from 'node:crypto';
import { formatCode } from '../core/code.js';
import { parseDateTime } from '../core/time.js';
import type { Clock } from '../clock.js';
import { badInput, ERROR_CODES, notFound, PorticoError, type FieldError } from '../errors.js';
import type {
  BookingFields,
  BookingKind,
  BookingOrigin,
  BookingRecord,
} from '../storage/booking-repo.js';
import type { Store } from '../storage/store.js';
import {
  parseEmailAddress,
  type BookingSettings,
  type BookingSettingsService,
} from './booking-settings.js';
import type { EmailKind, EmailService, EmailView } from './email-service.js';
import type { EmailValues } from './email-template.js';
import type { TokenService, TokenView } from './token-service.js';
import { verifySignature, type SignatureCheck } from './webhook-signature.js';

/** BookingInput is a booking as a booking system sends it (dates ISO 8601 or epoch ms). */
export type BookingInput = {
  resource?: unknown;
  start?: unknown;
  end?: unknown;
  guestName?: unknown;
  guestEmail?: unknown;
  attendees?: unknown;
};

/** ManualBookingInput is a booking staff type in: the guest, the window, whether to e-mail. */
export type ManualBookingInput = BookingInput & { sendEmail?: unknown };

/** VisitorInput is a visitor as the desk registers them. */
export type VisitorInput = { name?: unknown; email?: unknown; expectedArrival?: unknown };

/** BookingToken is one token of a booking, with the link a booking system can put in its e-mail. */
export type BookingToken = TokenView & { displayCode: string; link: string };

/** BookingView is a booking with its tokens and e-mails. */
export type BookingView = Omit<BookingRecord, 'tokenIds'> & {
  tokens: BookingToken[];
  emails: EmailView[];
};

/** BookingOutcome says what an intake call did. */
export type BookingOutcome = 'created' | 'updated' | 'unchanged' | 'cancelled';

/** TokenPlan is what a booking's tokens should look like under the current policy. */
export type TokenPlan = {
  count: number;
  validFrom: number;
  validUntil: number;
  minutes: number;
  maxDevices: number;
};

/** WebhookResult is the outcome of a signed incoming webhook. */
export type WebhookResult =
  | { ok: true; outcome: BookingOutcome; booking: BookingView }
  | {
      ok: false;
      reason: Exclude<SignatureCheck, { ok: true }>['reason'] | 'replayed' | 'disabled';
    };

/** REPLAY_WINDOW_MS is how long an incoming signature is remembered: past the tolerance. */
const REPLAY_WINDOW_MS = 11 * 60_000;
const MAX_ATTENDEES = 500;

/**
 * planTokens returns the tokens a booking from `startAt` to `endAt` with `attendees` people
 * gets: the window widened by the grace periods, minutes = the window's length unless a
 * fixed block is set, devices per booking or per attendee, one token or one per attendee.
 */
export function planTokens(
  b: Pick<BookingFields, 'startAt' | 'endAt' | 'attendees'>,
  p: BookingSettings,
): TokenPlan {
  const validFrom = b.startAt - p.graceBeforeMinutes * 60_000;
  const validUntil = b.endAt + p.graceAfterMinutes * 60_000;
  const perAttendee = p.tokensPer === 'attendee';
  return {
    count: perAttendee ? b.attendees : 1,
    validFrom,
    validUntil,
    minutes: p.fixedMinutes ?? Math.ceil((validUntil - validFrom) / 60_000),
    maxDevices: Math.min(
      1000,
      p.devicesPer === 'attendee' && !perAttendee ? p.devices * b.attendees : p.devices,
    ),
  };
}

/** endOfLocalDay returns the first instant of the day after `ms` in `timeZone`. */
export function endOfLocalDay(ms: number, timeZone: string): number {
  const date = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(ms);
  return parseDateTime(date, timeZone, { endOfDay: true }) as number;
}

const isBlank = (v: unknown) =>
  v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** BookingServiceDeps are what the booking service needs. */
export type BookingServiceDeps = {
  store: Store;
  clock: Clock;
  tokens: TokenService;
  emails: EmailService;
  settings: BookingSettingsService;
  timeZone: () => string;
  spaceName: () => string;
  publicUrl: string;
};

/** createBookingService returns the booking and visitor use cases. */
export function createBookingService(deps: BookingServiceDeps) {
  const { store, clock, tokens, emails, settings } = deps;
  const repo = store.bookings;

  const dateField = (errors: FieldError[], field: string, v: unknown): number | null => {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    const ms = typeof v === 'string' ? parseDateTime(v, deps.timeZone()) : undefined;
    if (ms === undefined) {
      errors.push({
        field,
        message: 'must be an ISO 8601 date-time, e.g. 2026-12-03T09:00:00+01:00',
      });
      return null;
    }
    return ms;
  };

  const text = (errors: FieldError[], field: string, v: unknown, max: number): string => {
    if (isBlank(v)) return '';
    if (typeof v !== 'string') {
      errors.push({ field, message: 'must be text' });
      return '';
    }
    const s = v.trim();
    if (s.length > max) errors.push({ field, message: `must be at most ${max} characters` });
    return s;
  };

  const emailField = (errors: FieldError[], field: string, v: unknown): string | null => {
    if (isBlank(v)) return null;
    const e = parseEmailAddress(v);
    if (e === undefined) errors.push({ field, message: 'must be an e-mail address' });
    return e ?? null;
  };

  const checkExternalId = (externalId: string) => {
    if (externalId.length < 1 || externalId.length > 200 || /[\p{Cc}]/u.test(externalId))
      throw badInput([{ field: 'externalId', message: 'must be 1 to 200 printable characters' }]);
  };

  /** validate turns input into booking fields or throws PORTICO_BAD_INPUT naming every field. */
  const validate = (input: BookingInput): BookingFields => {
    const errors: FieldError[] = [];
    const resource = text(errors, 'resource', input.resource, 200);
    const startAt = dateField(errors, 'start', input.start);
    const endAt = dateField(errors, 'end', input.end);
    const guestName = text(errors, 'guestName', input.guestName, 200);
    const guestEmail = emailField(errors, 'guestEmail', input.guestEmail);
    let attendees = 1;
    if (!isBlank(input.attendees)) {
      const n = Number(input.attendees);
      if (!Number.isInteger(n) || n < 1 || n > MAX_ATTENDEES)
        errors.push({
          field: 'attendees',
          message: `must be a whole number from 1 to ${MAX_ATTENDEES}`,
        });
      else attendees = n;
    }
    if (startAt !== null && endAt !== null && endAt <= startAt)
      errors.push({ field: 'end', message: 'must be after start' });
    if (startAt !== null && endAt !== null && endAt - startAt > 366 * 86_400_000)
      errors.push({ field: 'end', message: 'must be at most a year after start' });
    if (errors.length > 0) throw badInput(errors);
    return {
      resource,
      startAt: startAt as number,
      endAt: endAt as number,
      guestName,
      guestEmail,
      attendees,
      guests: [],
    };
  };

  const link = (code: string) => `${deps.publicUrl}/t/${code}`;

  // One formatter per zone: building one costs far more than using it, and a calendar
  // import formats two dates for each of thousands of e-mails.
  const whenFormats = new Map<string, Intl.DateTimeFormat>();
  const when = (ms: number) => {
    const timeZone = deps.timeZone();
    let f = whenFormats.get(timeZone);
    if (!f) {
      f = new Intl.DateTimeFormat('en-GB', {
        timeZone,
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
      });
      whenFormats.set(timeZone, f);
    }
    return f.format(ms);
  };

  const liveTokens = async (b: BookingRecord): Promise<TokenView[]> => {
    const out: TokenView[] = [];
    for (const id of b.tokenIds) {
      const t = await tokens.get(id);
      if (t.revokedAt === null) out.push(t);
    }
    return out;
  };

  const createTokens = async (
    b: BookingRecord,
    plan: TokenPlan,
    count: number,
    actor: string,
  ): Promise<TokenView[]> => {
    const made = (
      await tokens.create(
        {
          minutes: plan.minutes,
          validFrom: plan.validFrom,
          validUntil: plan.validUntil,
          maxDevices: plan.maxDevices,
          description: (b.kind === 'visitor'
            ? `Visitor ${b.guestName}`
            : `Booking ${b.guestName || b.externalId}${b.resource ? `, ${b.resource}` : ''}`
          ).slice(0, 500),
          count,
          batchName: count > 1 ? `Booking ${b.externalId}`.slice(0, 200) : null,
          // The booking system decides the window; a booking entered after it ended still
          // gets its (expired) token, as before.
          allowPast: true,
        },
        actor,
        b.kind === 'visitor' ? 'visitor' : 'booking',
      )
    ).tokens;
    for (const t of made) await repo.linkToken(b.id, t.id);
    return made;
  };

  /**
   * queueEmail sends the booking's codes: with one token per guest named (a calendar's
   * attendees), each guest with an address gets their own code; otherwise the booking's
   * guest gets them all.
   */
  const queueEmail = async (
    b: BookingRecord,
    live: TokenView[],
    updated: boolean,
    given?: BookingSettings,
  ) => {
    const policy = given ?? (await settings.bookings());
    if (live.length === 0 || !(await emails.enabled())) return;
    if (policy.tokensPer === 'attendee' && b.guests.length > 1 && live.length === b.guests.length) {
      for (const [i, g] of b.guests.entries())
        if (g.email !== null) await queueOne(b, [live[i] as TokenView], g.name, g.email, updated);
      return;
    }
    if (b.guestEmail !== null) await queueOne(b, live, b.guestName, b.guestEmail, updated);
  };

  const queueOne = async (
    b: BookingRecord,
    live: TokenView[],
    guestName: string,
    to: string,
    updated: boolean,
  ) => {
    const first = live[0] as TokenView;
    const kind: EmailKind = b.kind === 'visitor' ? 'visitor' : 'booking';
    const values: EmailValues = {
      accesscode: live.map((t) => formatCode(t.code)).join(', '),
      accesscode_link: link(first.code),
      guestname: guestName,
      resource: b.resource,
      start: when(b.startAt),
      end: when(b.endAt),
      minutes: String(first.minutes ?? ''),
      validuntil: first.validUntil === null ? '' : when(first.validUntil),
      spacename: deps.spaceName(),
    };
    const m = await emails.render(kind, values);
    if (updated) m.subject = `Updated: ${m.subject}`;
    await emails.queue(kind, to, m, b.id);
  };

  /**
   * syncTokens makes a booking's live tokens match the plan: windows, minutes and devices
   * updated, tokens added or revoked (newest first) when the count changed. Returns whether
   * any token changed.
   */
  const syncTokens = async (
    b: BookingRecord,
    actor: string,
    policy: BookingSettings,
  ): Promise<boolean> => {
    const plan = planTokens(b, policy);
    const live = await liveTokens(b);
    let changed = false;
    for (const t of live.slice(0, plan.count)) {
      if (
        t.validFrom !== plan.validFrom ||
        t.validUntil !== plan.validUntil ||
        t.minutes !== plan.minutes ||
        t.maxDevices !== plan.maxDevices
      ) {
        await tokens.update(
          t.id,
          {
            validFrom: plan.validFrom,
            validUntil: plan.validUntil,
            minutes: plan.minutes,
            maxDevices: plan.maxDevices,
          },
          actor,
        );
        changed = true;
      }
    }
    for (const t of live.slice(plan.count).reverse()) {
      await tokens.revoke(t.id, actor);
      changed = true;
    }
    if (live.length < plan.count && (policy.enabled || live.length > 0)) {
      await createTokens(b, plan, plan.count - live.length, actor);
      changed = true;
    }
    return changed;
  };

  const view = async (b: BookingRecord): Promise<BookingView> => {
    const { tokenIds, ...rest } = b;
    const views: BookingView['tokens'] = [];
    for (const id of tokenIds) {
      const t = await tokens.get(id);
      views.push({ ...t, displayCode: formatCode(t.code), link: link(t.code) });
    }
    return { ...rest, tokens: views, emails: await emails.forBooking(b.id) };
  };

  const sameFields = (a: BookingFields, b: BookingFields) =>
    a.resource === b.resource &&
    a.startAt === b.startAt &&
    a.endAt === b.endAt &&
    a.guestName === b.guestName &&
    a.guestEmail === b.guestEmail &&
    a.attendees === b.attendees &&
    JSON.stringify(a.guests) === JSON.stringify(b.guests);

  /** upsertIn does the work of `upsert` inside the caller's transaction. */
  const upsertIn = async (
    kind: BookingKind,
    origin: BookingOrigin,
    externalId: string,
    fields: BookingFields,
    actor: string,
    mode: 'create' | 'replace' | 'feed',
    given?: BookingSettings,
    sendEmail = true,
  ): Promise<{ outcome: BookingOutcome; id: number }> => {
    const policy = given ?? (await settings.bookings());
    const now = clock.now();
    const existing = await repo.findByExternalId(origin, externalId);
    if (!existing) {
      const id = await repo.insert({ ...fields, kind, origin, externalId, createdBy: actor }, now);
      const b = (await repo.findById(id)) as BookingRecord;
      if (policy.enabled || kind === 'visitor') {
        const plan =
          kind === 'visitor'
            ? {
                count: 1,
                validFrom: b.startAt,
                validUntil: b.endAt,
                minutes: policy.fixedMinutes ?? Math.ceil((b.endAt - b.startAt) / 60_000),
                maxDevices: policy.devices,
              }
            : planTokens(b, policy);
        const made = await createTokens(b, plan, plan.count, actor);
        if (sendEmail) await queueEmail(b, made, false, policy);
      }
      await store.audit.record({
        at: now,
        actor,
        action: `${kind}.create`,
        targetType: kind,
        targetId: String(id),
        details: { origin, externalId },
      });
      return { outcome: 'created', id };
    }
    // A calendar may take a cancellation back (the occurrence is confirmed again): the
    // booking comes back with new tokens, as the feed is the calendar's current word.
    const reinstated = existing.status === 'cancelled' && mode === 'feed';
    if (existing.status === 'cancelled' && !reinstated) {
      // A late resend of the original create must not bring a cancelled booking back.
      if (mode === 'create') return { outcome: 'unchanged', id: existing.id };
      throw new PorticoError(
        ERROR_CODES.CONFLICT,
        `booking ${externalId} was cancelled; send a new booking with a new id`,
      );
    }
    if (!reinstated && sameFields(existing, fields)) {
      // Bookings taken while tokens were off get theirs once tokens are on.
      const changed = existing.tokenIds.length === 0 && (await syncTokens(existing, actor, policy));
      if (changed)
        await queueEmail(
          existing,
          await liveTokens((await repo.findById(existing.id)) as BookingRecord),
          false,
          policy,
        );
      return { outcome: changed ? 'updated' : 'unchanged', id: existing.id };
    }
    await repo.update(existing.id, fields, now);
    const b = (await repo.findById(existing.id)) as BookingRecord;
    const hadTokens = (await liveTokens(existing)).length > 0;
    await syncTokens(b, actor, policy);
    const moved = existing.startAt !== fields.startAt || existing.endAt !== fields.endAt;
    const after = (await repo.findById(b.id)) as BookingRecord;
    if (!hadTokens || moved || existing.guestEmail !== fields.guestEmail)
      await queueEmail(after, await liveTokens(after), hadTokens, policy);
    await store.audit.record({
      at: now,
      actor,
      action: `${kind}.update`,
      targetType: kind,
      targetId: String(b.id),
      details: { origin, externalId, moved, ...(reinstated ? { reinstated } : {}) },
    });
    return { outcome: 'updated', id: b.id };
  };

  /** cancelIn does the work of `cancel` inside the caller's transaction. */
  const cancelIn = async (
    origin: BookingOrigin,
    externalId: string,
    actor: string,
  ): Promise<{ outcome: BookingOutcome; id: number } | undefined> => {
    const b = await repo.findByExternalId(origin, externalId);
    if (!b) return undefined;
    const now = clock.now();
    if (!(await repo.cancel(b.id, now))) return { outcome: 'unchanged', id: b.id };
    for (const t of await liveTokens(b)) await tokens.revoke(t.id, actor);
    await store.audit.record({
      at: now,
      actor,
      action: `${b.kind}.cancel`,
      targetType: b.kind,
      targetId: String(b.id),
      details: { origin, externalId },
    });
    return { outcome: 'cancelled', id: b.id };
  };

  const result = async (r: { outcome: BookingOutcome; id: number }) => ({
    outcome: r.outcome,
    booking: await view((await repo.findById(r.id)) as BookingRecord),
  });

  return {
    validate,
    /**
     * upsert creates or updates the booking an origin knows as `externalId` and returns what it
     * did with the booking and its tokens. `create` (POST) leaves a cancelled booking alone;
     * `replace` (PUT) refuses it with PORTICO_CONFLICT. Throws PORTICO_BAD_INPUT naming fields.
     */
    async upsert(
      origin: BookingOrigin,
      externalId: string,
      input: BookingInput,
      actor: string,
      mode: 'create' | 'replace' = 'create',
    ): Promise<{ outcome: BookingOutcome; booking: BookingView }> {
      checkExternalId(externalId);
      const fields = validate(input);
      return result(
        await store.transaction(async () =>
          upsertIn('booking', origin, externalId, fields, actor, mode),
        ),
      );
    },
    /** cancel cancels a booking and revokes its tokens; throws PORTICO_NOT_FOUND. */
    async cancel(
      origin: BookingOrigin,
      externalId: string,
      actor: string,
    ): Promise<{ outcome: BookingOutcome; booking: BookingView }> {
      const r = await store.transaction(async () => cancelIn(origin, externalId, actor));
      if (!r) throw notFound(`booking ${externalId}`);
      return result(r);
    },
    /**
     * cancelById cancels the booking with Portico's `id` whatever its origin, revoking its
     * tokens (live sessions are disconnected, as a single revoke does); cancelling again is
     * `unchanged`. Throws PORTICO_NOT_FOUND.
     */
    async cancelById(
      id: number,
      actor: string,
    ): Promise<{ outcome: BookingOutcome; booking: BookingView }> {
      const b = await repo.findById(id);
      if (!b) throw notFound(`booking #${id}`);
      const r = await store.transaction(async () => cancelIn(b.origin, b.externalId, actor));
      return result(r ?? { outcome: 'unchanged', id });
    },
    /**
     * resend queues the booking's confirmation with its working code(s) in the outbox again
     * and returns the booking with how many messages were queued. Throws PORTICO_CONFLICT
     * when the booking is cancelled, has no working code, no e-mail address, or e-mail is
     * off; PORTICO_NOT_FOUND when there is no such booking.
     */
    async resend(id: number, actor: string): Promise<{ queued: number; booking: BookingView }> {
      const queued = await store.transaction(async () => {
        const b = await repo.findById(id);
        if (!b) throw notFound(`booking #${id}`);
        const what = b.kind === 'visitor' ? 'visitor' : 'booking';
        if (b.status === 'cancelled')
          throw new PorticoError(
            ERROR_CODES.CONFLICT,
            `this ${what} was cancelled and its code no longer works, so there is nothing to resend`,
          );
        if (b.guestEmail === null && !b.guests.some((g) => g.email !== null))
          throw new PorticoError(
            ERROR_CODES.CONFLICT,
            `this ${what} has no e-mail address to send the code to`,
          );
        const live = await liveTokens(b);
        if (live.length === 0)
          throw new PorticoError(
            ERROR_CODES.CONFLICT,
            `this ${what} has no working code to send (Settings > Bookings may have been off when it came in)`,
          );
        if (!(await emails.enabled()))
          throw new PorticoError(
            ERROR_CODES.CONFLICT,
            'e-mail is off: turn it on in Settings > E-mail first',
          );
        const before = (await emails.forBooking(b.id)).length;
        await queueEmail(b, live, false);
        const n = (await emails.forBooking(b.id)).length - before;
        await store.audit.record({
          at: clock.now(),
          actor,
          action: `${b.kind}.resend`,
          targetType: b.kind,
          targetId: String(b.id),
          details: { queued: n },
        });
        return n;
      });
      return { queued, booking: await view((await repo.findById(id)) as BookingRecord) };
    },
    /**
     * createManual records a booking staff entered by hand (origin `desk`) and creates its
     * token(s) as a booking system's booking would, under Settings > Bookings (even when
     * bookings from booking systems are switched off: staff asked for it), and queues the
     * confirmation e-mail unless `sendEmail` is false. Throws PORTICO_BAD_INPUT naming fields.
     */
    async createManual(
      input: ManualBookingInput,
      actor: string,
    ): Promise<{ outcome: BookingOutcome; booking: BookingView }> {
      const errors: FieldError[] = [];
      let fields: BookingFields | undefined;
      try {
        fields = validate(input);
      } catch (err) {
        if (!(err instanceof PorticoError)) throw err;
        errors.push(...err.fields);
      }
      if (isBlank(input.guestName)) errors.push({ field: 'guestName', message: 'is required' });
      const sendEmail = input.sendEmail === true || input.sendEmail === '1';
      if (sendEmail && isBlank(input.guestEmail))
        errors.push({ field: 'guestEmail', message: 'is needed to send the code by e-mail' });
      if (errors.length > 0 || !fields) throw badInput(errors);
      const policy = { ...(await settings.bookings()), enabled: true };
      const f = fields;
      return result(
        await store.transaction(async () =>
          upsertIn('booking', 'desk', randomUUID(), f, actor, 'create', policy, sendEmail),
        ),
      );
    },
    /** get returns a booking by origin and external id; throws PORTICO_NOT_FOUND. */
    async get(origin: BookingOrigin, externalId: string): Promise<BookingView> {
      const b = await repo.findByExternalId(origin, externalId);
      if (!b) throw notFound(`booking ${externalId}`);
      return view(b);
    },
    /** getById returns a booking or visitor by id; throws PORTICO_NOT_FOUND. */
    async getById(id: number): Promise<BookingView> {
      const b = await repo.findById(id);
      if (!b) throw notFound(`booking #${id}`);
      return view(b);
    },
    /** list returns bookings (or visitors) newest start first. */
    async list(
      opts: { kind?: BookingKind; limit?: number; offset?: number } = {},
    ): Promise<BookingView[]> {
      const rows = await repo.list({
        ...(opts.kind ? { kind: opts.kind } : {}),
        limit: Math.min(Math.max(opts.limit ?? 50, 1), 500),
        offset: opts.offset ?? 0,
      });
      const out: BookingView[] = [];
      for (const b of rows) out.push(await view(b));
      return out;
    },
    /**
     * registerVisitor records a desk visitor and gives them a token valid from the expected
     * arrival to the end of that day in the venue's zone, e-mailed when an address is given.
     */
    async registerVisitor(
      input: VisitorInput,
      actor: string,
    ): Promise<{ outcome: BookingOutcome; booking: BookingView }> {
      const errors: FieldError[] = [];
      const guestName = text(errors, 'name', input.name, 200);
      if (guestName === '') errors.push({ field: 'name', message: 'is required' });
      const guestEmail = emailField(errors, 'email', input.email);
      const startAt = isBlank(input.expectedArrival)
        ? clock.now()
        : dateField(errors, 'expectedArrival', input.expectedArrival);
      if (errors.length > 0) throw badInput(errors);
      const endAt = endOfLocalDay(startAt as number, deps.timeZone());
      const fields: BookingFields = {
        resource: 'Visitor',
        startAt: startAt as number,
        endAt,
        guestName,
        guestEmail,
        attendees: 1,
        guests: [],
      };
      return result(
        await store.transaction(async () =>
          upsertIn('visitor', 'desk', randomUUID(), fields, actor, 'create'),
        ),
      );
    },
    /**
     * applyFeed makes one feed's bookings (external ids starting with `scope.prefix`) match
     * `events` in one transaction, under the feed's token policy: new and changed ones
     * upserted (a cancelled one the feed confirms again comes back), cancelled ones and
     * confirmed ones missing from the feed (that have not ended and start before
     * `horizonEnd`) cancelled. Returns how many of each; a feed that changed nothing writes
     * nothing.
     */
    async applyFeed(
      scope: { origin: BookingOrigin; prefix: string; policy?: Partial<BookingSettings> },
      events: Array<{ externalId: string; fields: BookingFields; cancelled: boolean }>,
      horizonEnd: number,
      actor: string,
    ): Promise<{ created: number; updated: number; cancelled: number; unchanged: number }> {
      const { origin, prefix } = scope;
      const counts = { created: 0, updated: 0, cancelled: 0, unchanged: 0 };
      await store.transaction(async () => {
        const policy = { ...(await settings.bookings()), ...(scope.policy ?? {}) };
        const seen = new Set<string>();
        for (const e of events) {
          seen.add(e.externalId);
          const r = e.cancelled
            ? await cancelIn(origin, e.externalId, actor)
            : await upsertIn('booking', origin, e.externalId, e.fields, actor, 'feed', policy);
          if (r) counts[r.outcome]++;
        }
        for (const b of await repo.listConfirmedWithPrefix(origin, prefix, clock.now())) {
          if (seen.has(b.externalId) || b.startAt >= horizonEnd) continue;
          if ((await cancelIn(origin, b.externalId, actor))?.outcome === 'cancelled')
            counts.cancelled++;
        }
      });
      return counts;
    },
    /**
     * cancelWithPrefix cancels an origin's upcoming confirmed bookings whose external id
     * starts with `prefix` (a deleted feed's) and revokes their tokens; returns how many.
     */
    async cancelWithPrefix(origin: BookingOrigin, prefix: string, actor: string): Promise<number> {
      return store.transaction(async () => {
        let n = 0;
        for (const b of await repo.listConfirmedWithPrefix(origin, prefix, clock.now()))
          if ((await cancelIn(origin, b.externalId, actor))?.outcome === 'cancelled') n++;
        return n;
      });
    },
    /**
     * handleWebhook verifies a signed booking event and applies it: `booking.created`,
     * `booking.updated` or `booking.cancelled` with `booking.id` and the booking's fields.
     * A missing, stale, forged or replayed signature is a refusal value and changes nothing;
     * a good signature with a bad body throws PORTICO_BAD_INPUT (and is not remembered).
     */
    async handleWebhook(rawBody: string, signature: string | undefined): Promise<WebhookResult> {
      const secret = (await settings.bookings()).webhookSecret;
      if (secret === null) return { ok: false, reason: 'disabled' };
      const now = clock.now();
      const check = verifySignature(signature, rawBody, secret, now);
      if (!check.ok) return check;
      const r = await store.transaction(async (tx) => {
        if (!(await tx.webhooks.rememberSignature(check.signature, now, now - REPLAY_WINDOW_MS)))
          return 'replayed' as const;
        let body: { event?: unknown; booking?: Record<string, unknown> };
        try {
          body = JSON.parse(rawBody) as typeof body;
        } catch {
          throw badInput([{ field: 'body', message: 'must be JSON' }]);
        }
        const b = body?.booking;
        const id = b && (typeof b.id === 'string' || typeof b.id === 'number') ? String(b.id) : '';
        if (!b || id === '') throw badInput([{ field: 'booking.id', message: 'is required' }]);
        checkExternalId(id);
        switch (body.event) {
          case 'booking.created':
          case 'booking.updated':
            return upsertIn(
              'booking',
              'api',
              id,
              validate(b as BookingInput),
              'webhook',
              body.event === 'booking.created' ? 'create' : 'replace',
            );
          case 'booking.cancelled': {
            const c = await cancelIn('api', id, 'webhook');
            if (!c) throw notFound(`booking ${id}`);
            return c;
          }
          default:
            throw badInput([
              {
                field: 'event',
                message: 'must be booking.created, booking.updated or booking.cancelled',
              },
            ]);
        }
      });
      if (r === 'replayed') return { ok: false, reason: 'replayed' };
      return { ok: true, ...(await result(r)) };
    },
  };
}

/** BookingService is the booking use cases' interface. */
export type BookingService = ReturnType<typeof createBookingService>;
