// /api/v1/bookings/{externalId} and /api/v1/visitors: a booking system creates, moves and
// cancels bookings by its own id (idempotent: a resend changes nothing), and gets back the
// access code(s) and the /t/CODE link so it can render {accesscode} in its own e-mail.
// /api/v1/bookings (list, manual entry) and /api/v1/bookings/{id}/cancel|resend act by
// Portico's own id, on bookings from any origin, as the dashboard's list does.

import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TOKEN_STATES } from '../../core/token.js';
import type { BookingOutcome, BookingView } from '../../services/booking-service.js';
import type { Services } from '../../services/services.js';
import { apiActor } from '../plugins/api-auth.js';
import { isoOrNull } from './present.js';
import { errorResponses, IsoDateTime, Nullable, StringEnum } from './schemas/common.js';

const tags = ['bookings'];
const staff = { role: 'staff' as const };

const BookingInstant = Type.String({
  minLength: 1,
  maxLength: 40,
  description: "ISO 8601 date-time; without an offset it is wall time in the venue's zone",
  examples: ['2026-12-03T09:00:00+01:00'],
});

/** BookingBody is a booking as the booking system sends it. */
const BookingBody = Type.Object(
  {
    resource: Type.Optional(
      Type.String({ maxLength: 200, description: 'Room or desk', examples: ['Orion'] }),
    ),
    start: BookingInstant,
    end: BookingInstant,
    guestName: Type.Optional(Type.String({ maxLength: 200, examples: ['Ada Lovelace'] })),
    guestEmail: Type.Optional(
      Nullable(Type.String({ maxLength: 254 }), {
        description: 'Where the confirmation with the code goes; none is sent without it',
        examples: ['ada@example.org'],
      }),
    ),
    attendees: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 500, default: 1, description: 'People in the booking' }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        resource: 'Meeting room Orion',
        start: '2026-12-03T09:00:00+01:00',
        end: '2026-12-03T11:00:00+01:00',
        guestName: 'Ada Lovelace',
        guestEmail: 'ada@example.org',
        attendees: 4,
      },
    ],
  },
);

const ExternalIdParams = Type.Object({
  externalId: Type.String({
    minLength: 1,
    maxLength: 200,
    description: "The booking system's own id for the booking",
    examples: ['a3f1c2d0-booking-42'],
  }),
});

const BookingTokenSchema = Type.Object({
  code: Type.String({ description: 'Grouped for display', examples: ['7KQ4-M2XD'] }),
  link: Type.String({
    description: 'Opens the splash page with the code filled in',
    examples: ['https://wifi.example.org/t/7KQ4M2XD'],
  }),
  state: StringEnum(TOKEN_STATES),
  validFrom: Nullable(IsoDateTime),
  validUntil: Nullable(IsoDateTime),
  minutes: Nullable(Type.Integer()),
  maxDevices: Type.Integer(),
});

const EmailStatusSchema = Type.Object({
  id: Type.Integer(),
  status: StringEnum(['queued', 'sending', 'sent', 'retrying', 'failed'] as const),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  sentAt: Nullable(IsoDateTime),
});

/** BookingResponse is a booking with its tokens, e-mails and what the call did. */
const BookingResponse = Type.Object(
  {
    outcome: StringEnum(['created', 'updated', 'unchanged', 'cancelled'] as const, {
      description: 'What this call changed; a resend of the same booking is `unchanged`',
    }),
    id: Type.Integer({ description: "Portico's own id for the booking" }),
    origin: StringEnum(['api', 'ics', 'desk'] as const, {
      description: 'Where it came from: this API, a calendar feed, or staff (desk)',
    }),
    externalId: Type.String(),
    kind: StringEnum(['booking', 'visitor'] as const),
    status: StringEnum(['confirmed', 'cancelled'] as const),
    resource: Type.String(),
    start: IsoDateTime,
    end: IsoDateTime,
    guestName: Type.String(),
    guestEmail: Nullable(Type.String()),
    attendees: Type.Integer(),
    accessCode: Nullable(Type.String({ description: 'The (first) code, for {accesscode}' })),
    accessCodeLink: Nullable(
      Type.String({ description: 'Its /t/CODE link, for {accesscode_link}' }),
    ),
    tokens: Type.Array(BookingTokenSchema),
    emails: Type.Array(EmailStatusSchema),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
    cancelledAt: Nullable(IsoDateTime),
  },
  { description: 'A booking and its Wi-Fi access' },
);

const VisitorBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, examples: ['Grace Hopper'] }),
    email: Type.Optional(Nullable(Type.String({ maxLength: 254 }))),
    expectedArrival: Type.Optional(
      Type.String({
        maxLength: 40,
        description:
          'When the visitor is expected (default: now); the token works from then to the end of that day',
        examples: ['2026-12-03T14:30'],
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      { name: 'Grace Hopper', email: 'grace@example.org', expectedArrival: '2026-12-03T14:30' },
    ],
  },
);

/** ManualBookingBody is a booking staff enter by hand. */
const ManualBookingBody = Type.Object(
  {
    guestName: Type.String({ minLength: 1, maxLength: 200, examples: ['Ada Lovelace'] }),
    guestEmail: Type.Optional(Nullable(Type.String({ maxLength: 254 }))),
    resource: Type.Optional(Type.String({ maxLength: 200, examples: ['Orion'] })),
    start: BookingInstant,
    end: BookingInstant,
    attendees: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 1 })),
    sendEmail: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Queue the confirmation with the code to guestEmail (which is then required)',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        guestName: 'Ada Lovelace',
        guestEmail: 'ada@example.org',
        resource: 'Orion',
        start: '2026-12-03T09:00',
        end: '2026-12-03T11:00',
        sendEmail: true,
      },
    ],
  },
);

const IdParams = Type.Object({
  id: Type.Integer({ minimum: 1, description: "Portico's id for the booking (`id` in replies)" }),
});

const ListQuery = Type.Object({
  kind: Type.Optional(StringEnum(['booking', 'visitor'] as const)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});

/** presentBooking returns a booking as the API shows it, dates in the venue's zone. */
export function presentBooking(outcome: BookingOutcome, b: BookingView, tz: string) {
  const live = b.tokens.find((t) => t.revokedAt === null) ?? null;
  return {
    outcome,
    id: b.id,
    origin: b.origin,
    externalId: b.externalId,
    kind: b.kind,
    status: b.status,
    resource: b.resource,
    start: isoOrNull(b.startAt, tz) as string,
    end: isoOrNull(b.endAt, tz) as string,
    guestName: b.guestName,
    guestEmail: b.guestEmail,
    attendees: b.attendees,
    accessCode: live?.displayCode ?? null,
    accessCodeLink: live?.link ?? null,
    tokens: b.tokens.map((t) => ({
      code: t.displayCode,
      link: t.link,
      state: t.state,
      validFrom: isoOrNull(t.validFrom, tz),
      validUntil: isoOrNull(t.validUntil, tz),
      minutes: t.minutes,
      maxDevices: t.maxDevices,
    })),
    emails: b.emails.map((m) => ({
      id: m.id,
      status: m.status,
      attempts: m.attempts,
      lastError: m.lastError,
      sentAt: isoOrNull(m.sentAt, tz),
    })),
    createdAt: isoOrNull(b.createdAt, tz) as string,
    updatedAt: isoOrNull(b.updatedAt, tz) as string,
    cancelledAt: isoOrNull(b.cancelledAt, tz),
  };
}

/** bookingRoutes registers the booking and visitor endpoints over `services`. */
export const bookingRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const tz = () => services.timeZone();

  const upsert =
    (mode: 'create' | 'replace') =>
    async (
      request: FastifyRequest<{
        Params: Static<typeof ExternalIdParams>;
        Body: Static<typeof BookingBody>;
      }>,
      reply: FastifyReply,
    ) => {
      const r = await services.bookings.upsert(
        'api',
        request.params.externalId,
        request.body,
        apiActor(request),
        mode,
      );
      return reply
        .status(r.outcome === 'created' ? 201 : 200)
        .send(presentBooking(r.outcome, r.booking, tz()));
    };

  app.post(
    '/bookings/:externalId',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Create a booking (idempotent)',
        description:
          'Creates the booking and its token(s) per Settings > Bookings and queues the confirmation e-mail, all in one transaction. Sending the same id again changes nothing (200, `unchanged`); different fields update the booking like PUT; a cancelled booking is not revived.',
        params: ExternalIdParams,
        body: BookingBody,
        response: { 200: BookingResponse, 201: BookingResponse, ...errorResponses(400) },
      },
    },
    upsert('create'),
  );

  app.put(
    '/bookings/:externalId',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Create or change a booking',
        description:
          "Moving the booking moves its tokens' window (live sessions get the new Session-Timeout by CoA) and e-mails the guest the new times. A cancelled booking cannot be changed (409).",
        params: ExternalIdParams,
        body: BookingBody,
        response: { 200: BookingResponse, 201: BookingResponse, ...errorResponses(400, 409) },
      },
    },
    upsert('replace'),
  );

  app.delete(
    '/bookings/:externalId',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Cancel a booking',
        description:
          'Revokes its tokens; live sessions are disconnected. Cancelling again changes nothing (`unchanged`).',
        params: ExternalIdParams,
        response: { 200: BookingResponse, ...errorResponses(404) },
      },
    },
    async (request) => {
      const r = await services.bookings.cancel('api', request.params.externalId, apiActor(request));
      return presentBooking(r.outcome, r.booking, tz());
    },
  );

  app.get(
    '/bookings/:externalId',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Show a booking',
        params: ExternalIdParams,
        response: { 200: BookingResponse, ...errorResponses(404) },
      },
    },
    async (request) =>
      presentBooking(
        'unchanged',
        await services.bookings.get('api', request.params.externalId),
        tz(),
      ),
  );

  app.get(
    '/bookings',
    {
      config: staff,
      schema: {
        tags,
        summary: 'List bookings and visitors',
        description: 'Newest start first, from every origin (API, calendar feeds, desk).',
        querystring: ListQuery,
        response: { 200: Type.Array(BookingResponse), ...errorResponses(400) },
      },
    },
    async (request) =>
      (
        await services.bookings.list({
          ...(request.query.kind ? { kind: request.query.kind } : {}),
          limit: request.query.limit ?? 50,
          offset: request.query.offset ?? 0,
        })
      ).map((b) => presentBooking('unchanged', b, tz())),
  );

  app.post(
    '/bookings',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Enter a booking by hand',
        description:
          "A booking taken at the desk or by phone (origin `desk`, Portico picks the id). Its token(s) are made as for a booking system's booking, under Settings > Bookings (even when bookings are switched off there); the confirmation e-mail is queued only with `sendEmail`.",
        body: ManualBookingBody,
        response: { 201: BookingResponse, ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      const r = await services.bookings.createManual(request.body, apiActor(request));
      return reply.status(201).send(presentBooking(r.outcome, r.booking, tz()));
    },
  );

  app.post(
    '/bookings/:id/cancel',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Cancel a booking by its Portico id',
        description:
          'Any origin. Revokes its tokens; live sessions are disconnected. Cancelling again changes nothing (`unchanged`). A calendar-feed booking comes back at the next read while the event is still in the calendar.',
        params: IdParams,
        response: { 200: BookingResponse, ...errorResponses(404) },
      },
    },
    async (request) => {
      const r = await services.bookings.cancelById(request.params.id, apiActor(request));
      return presentBooking(r.outcome, r.booking, tz());
    },
  );

  app.post(
    '/bookings/:id/resend',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Send the confirmation e-mail again',
        description:
          'Queues the confirmation with the working code(s) in the outbox again (`emails` in the reply shows it). Refused (409) when the booking is cancelled, has no e-mail address or no working code, or e-mail is off.',
        params: IdParams,
        response: { 202: BookingResponse, ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const r = await services.bookings.resend(request.params.id, apiActor(request));
      return reply.status(202).send(presentBooking('unchanged', r.booking, tz()));
    },
  );

  app.post(
    '/visitors',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Register a visitor',
        description:
          "Creates a token valid from the expected arrival to the end of that day (venue's zone) and e-mails it when an address is given.",
        body: VisitorBody,
        response: { 201: BookingResponse, ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      const r = await services.bookings.registerVisitor(request.body, apiActor(request));
      return reply.status(201).send(presentBooking(r.outcome, r.booking, tz()));
    },
  );
};
