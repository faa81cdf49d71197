// /api/v1/sessions: who is online now, what happened before, and cutting a device off with a
// Disconnect-Request whose outcome (ACK, NAK or timeout) the caller can wait for.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { formatCode } from '../../core/code.js';
import { formatIsoInZone, parseDateTime } from '../../core/time.js';
import { badInput } from '../../errors.js';
import type { Services } from '../../services/services.js';
import type { SessionView } from '../../services/session-service.js';
import { apiActor } from '../plugins/api-auth.js';
import { isoOrNull } from './present.js';
import { errorResponses, IdParams } from './schemas/common.js';
import { CodeParams } from './schemas/tokens.js';
import {
  DeviceList,
  DeviceParams,
  DisconnectOutcome,
  DisconnectQuery,
  HistoryQuery,
  LiveQuery,
  SessionList,
  SessionSchema,
  SignedOut,
} from './schemas/sessions.js';

const tags = ['sessions'];
const staff = { role: 'staff' as const };

/** presentSession returns a session as the API shows it. */
function presentSession(s: SessionView, tz: string) {
  return {
    ...s,
    code: formatCode(s.code),
    startedAt: isoOrNull(s.startedAt, tz),
    lastSeenAt: isoOrNull(s.lastSeenAt, tz),
    stoppedAt: isoOrNull(s.stoppedAt, tz),
    lastCoa: s.lastCoa === null ? null : { ...s.lastCoa, at: formatIsoInZone(s.lastCoa.at, tz) },
  };
}

/** sessionRoutes registers the session endpoints over `services`. */
export const sessionRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const tz = () => services.timeZone();
  const tokenId = async (code: string | undefined) =>
    code === undefined ? undefined : (await services.tokens.get(code)).id;
  const date = (field: string, v: string | undefined, endOfDay: boolean) => {
    if (v === undefined) return undefined;
    const ms = parseDateTime(v, tz(), { endOfDay });
    if (ms === undefined)
      throw badInput([
        { field, message: 'must be an ISO 8601 date or date-time, e.g. 2026-12-03' },
      ]);
    return ms;
  };

  const listed = (r: { sessions: SessionView[]; total: number }, limit: number, offset: number) => {
    const zone = tz();
    return { ...r, sessions: r.sessions.map((s) => presentSession(s, zone)), limit, offset };
  };

  app.get(
    '/sessions/live',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Sessions online now',
        description: 'Devices online now, newest first.',
        querystring: LiveQuery,
        response: { 200: SessionList, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 100;
      const offset = q.offset ?? 0;
      return listed(
        await services.sessions.listLive({
          tokenId: await tokenId(q.token),
          nasId: q.nas,
          limit,
          offset,
        }),
        limit,
        offset,
      );
    },
  );

  app.get(
    '/sessions',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Session history',
        description:
          'Sessions that went online (live and closed), newest first, by token, device and a time window they overlap.',
        querystring: HistoryQuery,
        response: { 200: SessionList, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 100;
      const offset = q.offset ?? 0;
      const r = await services.sessions.history({
        tokenId: await tokenId(q.token),
        mac: q.mac,
        since: date('since', q.since, false),
        until: date('until', q.until, true),
        limit,
        offset,
      });
      return listed(r, limit, offset);
    },
  );

  app.get(
    '/sessions/:id',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Show a session',
        params: IdParams,
        response: { 200: SessionSchema, ...errorResponses(404) },
      },
    },
    async (request) => presentSession(await services.sessions.get(request.params.id), tz()),
  );

  app.post(
    '/sessions/:id/disconnect',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Disconnect a session',
        description:
          'Sends a Disconnect-Request (RFC 5176) to the router and waits up to waitMs for its answer: 200 with ack, nak or timeout, or 202 with the job id while it is still being sent (poll GET /sessions/{id}: lastCoa). A session that only holds a reserved slot is released without asking the router, and one the router already ended needs nothing (released); a session Portico closed as stale (no accounting for too long) is still sent, since only the router knows whether it is online.',
        params: IdParams,
        querystring: DisconnectQuery,
        response: {
          200: DisconnectOutcome,
          202: DisconnectOutcome,
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const { jobId } = await services.sessions.disconnect(
        request.params.id,
        apiActor(request),
        request.query.reason,
      );
      if (jobId === null) return { jobId, state: 'released' as const };
      const outcome = await services.sessions.waitForJob(jobId, request.query.waitMs ?? 5000);
      const pending = outcome.state === 'pending' || outcome.state === 'sending';
      return reply.status(pending ? 202 : 200).send({ jobId, ...outcome });
    },
  );

  app.get(
    '/tokens/:code/devices',
    {
      config: staff,
      schema: {
        tags,
        summary: "A token's devices",
        description:
          'Devices online with the token, holding a reserved slot, or bound to it by MAC.',
        params: CodeParams,
        response: { 200: DeviceList, ...errorResponses(404) },
      },
    },
    async (request) => {
      const zone = tz();
      const devices = await services.sessions.devicesOfToken(
        (await services.tokens.get(request.params.code)).id,
      );
      return {
        devices: devices.map((d) => ({
          ...d,
          since: formatIsoInZone(d.since, zone),
          lastSeenAt: isoOrNull(d.lastSeenAt, zone),
        })),
      };
    },
  );

  app.post(
    '/tokens/:code/devices/:mac/sign-out',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Sign a device out of a token',
        description:
          'Disconnects its live sessions, releases its reserved slot and removes its MAC binding, so the token has room for another device.',
        params: DeviceParams,
        response: { 200: SignedOut, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const t = await services.tokens.get(request.params.code);
      return services.sessions.signOutDevice(t.id, request.params.mac, apiActor(request));
    },
  );
};
