// Schemas for calendar feeds under /api/v1/feeds.

import { Type } from '@fastify/type-provider-typebox';
import { FEED_OUTCOMES } from '../../../storage/feed-repo.js';
import { PER_OPTIONS } from '../../../services/booking-settings.js';
import { IsoDateTime, Nullable, StringEnum } from './common.js';

const Policy = Type.Object(
  {
    graceBeforeMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440 })),
    graceAfterMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440 })),
    devices: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    devicesPer: Type.Optional(StringEnum(PER_OPTIONS)),
    tokensPer: Type.Optional(StringEnum(PER_OPTIONS)),
  },
  {
    additionalProperties: false,
    description:
      'Token-policy fields that differ from Settings > Bookings; a field left out takes the default',
    examples: [{ tokensPer: 'attendee' }],
  },
);

/** FeedBody adds or replaces a feed. */
export const FeedBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, examples: ['Room Orion'] }),
    url: Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'The http(s) (or webcal) address of the iCalendar feed',
      examples: ['https://calendar.google.com/calendar/ical/…/basic.ics'],
    }),
    resource: Type.Optional(
      Type.String({
        maxLength: 200,
        description: "The room or desk the calendar stands for; blank: each event's location",
      }),
    ),
    policy: Type.Optional(Policy),
    pollMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, default: 15 })),
    horizonDays: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 730,
        default: 60,
        description: 'How far ahead events become bookings',
      }),
    ),
    skipFree: Type.Optional(
      Type.Boolean({ description: 'Skip events marked free (TRANSP:TRANSPARENT)' }),
    ),
    skipPrivate: Type.Optional(Type.Boolean({ description: 'Skip events marked private' })),
    allowPrivateNetwork: Type.Optional(
      Type.Boolean({
        description:
          'Allow the feed to be fetched from loopback, link-local or private addresses (never the metadata address)',
      }),
    ),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  {
    additionalProperties: false,
    examples: [
      { name: 'Room Orion', url: 'https://rooms.example.org/orion.ics', resource: 'Orion' },
    ],
  },
);

/** FeedSchema is a feed with how its last poll went. */
export const FeedSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  url: Type.String(),
  resource: Type.String(),
  policy: Policy,
  pollMinutes: Type.Integer(),
  horizonDays: Type.Integer(),
  skipFree: Type.Boolean(),
  skipPrivate: Type.Boolean(),
  allowPrivateNetwork: Type.Boolean(),
  enabled: Type.Boolean(),
  lastFetchAt: Nullable(IsoDateTime),
  lastOutcome: Nullable(StringEnum(FEED_OUTCOMES)),
  eventsSeen: Nullable(Type.Integer({ description: 'VEVENTs in the feed at the last read' })),
  bookingsChanged: Nullable(
    Type.Integer({ description: 'Bookings created, changed or cancelled by the last read' }),
  ),
  lastError: Nullable(Type.String({ description: 'Why the last read failed, in plain words' })),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});

/** FeedList is every feed. */
export const FeedList = Type.Object({ feeds: Type.Array(FeedSchema) });

/** FeedPollSchema is what reading a feed now did. */
export const FeedPollSchema = Type.Object({
  ok: Type.Boolean(),
  notModified: Type.Optional(Type.Boolean()),
  events: Type.Optional(Type.Integer()),
  occurrences: Type.Optional(Type.Integer()),
  skipped: Type.Optional(Type.Integer()),
  created: Type.Optional(Type.Integer()),
  updated: Type.Optional(Type.Integer()),
  cancelled: Type.Optional(Type.Integer()),
  unchanged: Type.Optional(Type.Integer()),
  error: Type.Optional(Type.String()),
  feed: FeedSchema,
});
