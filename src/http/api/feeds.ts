// /api/v1/feeds: the calendar feeds Portico reads bookings from. Admin keys only.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import type { FeedView } from '../../services/feed-service.js';
import type { Services } from '../../services/services.js';
import { apiActor } from '../plugins/api-auth.js';
import { formatIsoInZone } from '../../core/time.js';
import { isoOrNull } from './present.js';
import { errorResponses, IdParams } from './schemas/common.js';
import { FeedBody, FeedList, FeedPollSchema, FeedSchema } from './schemas/feeds.js';

const tags = ['feeds'];

/** presentFeed returns a feed for the API, times in the venue's zone. */
const presentFeed = (f: FeedView, tz: string) => {
  const { nextPollAt: _next, createdBy: _by, ...rest } = f;
  return {
    ...rest,
    lastFetchAt: isoOrNull(f.lastFetchAt, tz),
    createdAt: formatIsoInZone(f.createdAt, tz),
    updatedAt: formatIsoInZone(f.updatedAt, tz),
  };
};

/** feedRoutes registers the calendar-feed endpoints over `services`. */
export const feedRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const tz = () => services.timeZone();

  app.get(
    '/feeds',
    {
      schema: {
        tags,
        summary: 'List calendar feeds',
        description: 'Every feed with how its last read went.',
        response: { 200: FeedList, ...errorResponses(403) },
      },
    },
    async () => ({ feeds: (await services.feeds.list()).map((f) => presentFeed(f, tz())) }),
  );

  app.post(
    '/feeds',
    {
      schema: {
        tags,
        summary: 'Add a calendar feed',
        description:
          "Adds an iCalendar feed; Portico reads it at once and then every pollMinutes. Each event becomes a booking with its tokens under the feed's policy.",
        body: FeedBody,
        response: { 201: FeedSchema, ...errorResponses(400, 403) },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(presentFeed(await services.feeds.create(request.body, apiActor(request)), tz())),
  );

  app.get(
    '/feeds/:id',
    {
      schema: {
        tags,
        summary: 'Show a calendar feed',
        params: IdParams,
        response: { 200: FeedSchema, ...errorResponses(403, 404) },
      },
    },
    async (request) => presentFeed(await services.feeds.get(request.params.id), tz()),
  );

  app.put(
    '/feeds/:id',
    {
      schema: {
        tags,
        summary: 'Replace a calendar feed',
        description: 'Fields left out take their defaults. The feed is read again soon.',
        params: IdParams,
        body: FeedBody,
        response: { 200: FeedSchema, ...errorResponses(400, 403, 404) },
      },
    },
    async (request) =>
      presentFeed(
        await services.feeds.update(request.params.id, request.body, apiActor(request)),
        tz(),
      ),
  );

  app.post(
    '/feeds/:id/poll',
    {
      schema: {
        tags,
        summary: 'Read a calendar feed now',
        description: 'Reads the feed at once and says what changed, or why it could not be read.',
        params: IdParams,
        response: { 200: FeedPollSchema, ...errorResponses(403, 404) },
      },
    },
    async (request) => {
      await services.feeds.get(request.params.id);
      const { feedId: _id, at: _at, ...r } = await services.ics.pollFeed(request.params.id);
      return { ...r, feed: presentFeed(await services.feeds.get(request.params.id), tz()) };
    },
  );

  app.delete(
    '/feeds/:id',
    {
      schema: {
        tags,
        summary: 'Delete a calendar feed',
        description: 'Its upcoming bookings are cancelled and their tokens revoked.',
        params: IdParams,
        response: {
          204: Type.Null({ description: 'Deleted' }),
          ...errorResponses(403, 404),
        },
      },
    },
    async (request, reply) => {
      await services.feeds.remove(request.params.id, apiActor(request));
      return reply.status(204).send(null);
    },
  );
};
