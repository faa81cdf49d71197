// Sessions: the devices online now (the page refreshes itself), cutting one off with the
// router's answer shown, and the history of past sessions with filters.

import type { FastifyPluginAsync } from 'fastify';
import type { FieldError } from '../../errors.js';
import type { JobOutcome } from '../../services/session-service.js';
import { staffActor } from '../plugins/staff-auth.js';
import { dateRange, fieldErrors, type AdminOptions } from './pages.js';
import { queryString } from './token-routes.js';

/** LIVE_REFRESH_SECONDS is how often the live list reloads itself. */
export const LIVE_REFRESH_SECONDS = 15;

/** DISCONNECT_WAIT_MS is how long a disconnect waits for the router's answer before showing. */
export const DISCONNECT_WAIT_MS = 4000;

const HISTORY_PAGE = 50;

/** outcomeText returns what staff read after pressing Disconnect. */
export function outcomeText(outcome: JobOutcome | null): string {
  if (outcome === null) return 'The device had only reserved a slot; the slot is released.';
  switch (outcome.state) {
    case 'ack':
      return 'The router confirmed the disconnect (ACK).';
    case 'nak':
      return `The router refused the disconnect (NAK${outcome.errorCause ? `, Error-Cause ${outcome.errorCause}` : ''}). The session ends at its time limit.`;
    case 'timeout':
      return 'The router did not answer (timeout). The session ends at its time limit.';
    default:
      return 'The disconnect is sent; the router has not answered yet. The list shows the answer when it comes.';
  }
}

/** sessionRoutes registers the live list, disconnect and history pages. */
export const sessionRoutes: FastifyPluginAsync<AdminOptions> = async (app, { services, pages }) => {
  const staffOnly = { config: { role: 'staff' as const } };
  const idRoute = {
    ...staffOnly,
    schema: {
      params: {
        type: 'object',
        properties: { id: { type: 'string', pattern: '^[0-9]{1,12}$' } },
      },
    },
  };

  app.get<{ Querystring: { done?: string; s?: string; e?: string } }>(
    '/sessions',
    staffOnly,
    async (request, reply) => {
      const { sessions, total } = await services.sessions.listLive({ limit: 500 });
      const q = request.query;
      const notice =
        q.done !== undefined
          ? outcomeText(
              q.done === 'none'
                ? null
                : {
                    state: q.done as JobOutcome['state'],
                    ...(q.e && /^\d+$/.test(q.e) ? { errorCause: Number(q.e) } : {}),
                  },
            )
          : '';
      return pages.render(request, reply, 'sessions/live', {
        title: 'Online now',
        wide: true,
        refreshSeconds: LIVE_REFRESH_SECONDS,
        sessions,
        total,
        notice,
        highlight: q.s ?? '',
      });
    },
  );

  // Disconnect asks first: one stray click must not throw a guest off the Wi-Fi.
  app.get<{ Params: { id: string } }>('/sessions/:id/disconnect', idRoute, async (request, reply) =>
    pages.render(request, reply, 'sessions/confirm-disconnect', {
      title: 'Disconnect a device',
      session: await services.sessions.get(Number(request.params.id)),
    }),
  );

  app.post<{ Params: { id: string } }>(
    '/sessions/:id/disconnect',
    idRoute,
    async (request, reply) => {
      const id = Number(request.params.id);
      const { jobId } = await services.sessions.disconnect(id, staffActor(request));
      const outcome =
        jobId === null ? null : await services.sessions.waitForJob(jobId, DISCONNECT_WAIT_MS);
      return reply.redirect(
        `/admin/sessions${queryString({
          done: outcome ? outcome.state : 'none',
          e: outcome?.errorCause,
          s: id,
        })}`,
        303,
      );
    },
  );

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/sessions/history',
    staffOnly,
    async (request, reply) => {
      const q = request.query;
      const errors: FieldError[] = [];
      const tz = services.timeZone();
      const filter: { tokenId?: number; mac?: string; since?: number; until?: number } = {};
      let tokenLabel = '';
      if (q.token && /^\d{1,12}$/.test(q.token)) {
        filter.tokenId = Number(q.token);
      } else if (q.code && q.code.trim() !== '') {
        try {
          const t = await services.tokens.get(q.code);
          filter.tokenId = t.id;
        } catch {
          errors.push({ field: 'code', message: 'is not a token code we know' });
        }
      }
      if (filter.tokenId !== undefined) {
        try {
          tokenLabel = (await services.tokens.get(filter.tokenId)).code;
        } catch {
          tokenLabel = `#${filter.tokenId}`;
        }
      }
      if (q.mac && q.mac.trim() !== '') filter.mac = q.mac.trim();
      const range = dateRange(q, tz);
      errors.push(...range.errors);
      if (range.since !== undefined) filter.since = range.since;
      if (range.until !== undefined) filter.until = range.until;
      const page = q.page && /^\d{1,6}$/.test(q.page) ? Math.max(1, Number(q.page)) : 1;
      let result: { sessions: unknown[]; total: number } = { sessions: [], total: 0 };
      if (errors.length === 0) {
        try {
          result = await services.sessions.history({
            ...filter,
            limit: HISTORY_PAGE,
            offset: (page - 1) * HISTORY_PAGE,
          });
        } catch (err) {
          const fields = fieldErrors(err);
          if (!fields) throw err;
          for (const [field, message] of Object.entries(fields)) errors.push({ field, message });
        }
      }
      const errorMap = Object.fromEntries(errors.map((e) => [e.field, e.message]));
      const base = { token: q.token, code: q.code, mac: q.mac, since: q.since, until: q.until };
      return pages.render(
        request,
        reply,
        'sessions/history',
        {
          title: 'Session history',
          wide: true,
          sessions: result.sessions,
          total: result.total,
          page,
          pagesTotal: Math.max(1, Math.ceil(result.total / HISTORY_PAGE)),
          values: q,
          errors: errorMap,
          tokenLabel,
          link: (p: number) => `/admin/sessions/history${queryString({ ...base, page: p })}`,
        },
        errors.length > 0 ? 400 : 200,
      );
    },
  );
};
