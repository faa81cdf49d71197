// A token's status page, for the guest who holds its code: minutes left across all devices,
// the validity window, each device online with "sign this device out". Its address carries an
// HMAC over the token's id and code, so it can be reached by typing the code (POST /status),
// from the success page's link, or from a bookmark, but never by counting through ids.

import type { FastifyInstance } from 'fastify';
import { maskCode, normalizeCode, CODE_LENGTH_MAX, CODE_LENGTH_MIN } from '../../core/code.js';
import type { Services } from '../../services/services.js';
import { createGuestFlow, guessKeys, lockedText } from './guest-flow.js';
import {
  deviceItems,
  field,
  guestOf,
  renderGuestPage,
  usageText,
  withQuery,
  type Guest,
  type Note,
} from './guest-page.js';
import { openArrival } from './router-context.js';

const DONE_NOTES = { signedout: 'status.device.signedout', gone: 'status.device.gone' } as const;

/** statusRoutes registers the status lookup (`/status`), status page and device sign-out. */
export async function statusRoutes(app: FastifyInstance, opts: { services: Services }) {
  const { services } = opts;
  const flow = createGuestFlow(services);
  const tokenOfRef = (ref: string) =>
    services.portal.checkStatusRef(ref, (id) => services.portal.codeOf(id));

  const lookup = (
    reply: Parameters<typeof renderGuestPage>[1],
    guest: Guest,
    page: { status?: number; code?: string; codeError?: string },
  ) =>
    renderGuestPage(services, reply, guest, {
      view: 'lookup',
      title: guest.t('status.lookup.title'),
      status: page.status ?? 200,
      switchHref: (l) => withQuery('/status', { lang: l }),
      data: {
        action: '/status',
        hidden: [{ name: 'lang', value: guest.lang }],
        code: page.code ?? '',
        codeError: page.codeError,
        notes: [],
        backHref: withQuery('/', { lang: guest.lang }),
      },
    });

  app.get('/status', async (request, reply) => lookup(reply, guestOf(services, request), {}));

  // Looking a code up tells whether it exists, so it counts against the same guessing limits
  // as redeeming one.
  app.post('/status', async (request, reply) => {
    const guest = guestOf(services, request);
    const typed = (field(request.body, 'code') ?? '').slice(0, 64);
    const code = normalizeCode(typed);
    if (typed.trim() === '')
      return lookup(reply, guest, { status: 400, codeError: guest.t('error.code.missing') });
    if (code === undefined) {
      return lookup(reply, guest, {
        status: 400,
        code: typed,
        codeError: guest.t('error.code.malformed', { min: CODE_LENGTH_MIN, max: CODE_LENGTH_MAX }),
      });
    }
    const keys = guessKeys(request, undefined, false);
    const lock = await services.lockouts.check(keys);
    if (lock.locked)
      return lookup(reply, guest, {
        status: 429,
        code: typed,
        codeError: lockedText(guest, lock),
      });
    const tokenId = await services.portal.findToken(code);
    if (tokenId === undefined) {
      const after = await services.lockouts.recordFailure(keys);
      request.log.warn(
        { code: maskCode(code), keys, locked: after.locked },
        'portal: unknown code looked up',
      );
      return lookup(reply, guest, {
        status: after.locked ? 429 : 400,
        code: typed,
        codeError: after.locked ? lockedText(guest, after) : guest.t('error.code.unknown'),
      });
    }
    const ref = await services.portal.statusRef({ id: tokenId, code });
    return reply.redirect(withQuery(`/status/${ref}`, { lang: guest.lang }), 303);
  });

  app.get<{ Params: { ref: string } }>('/status/:ref', async (request, reply) => {
    const guest = guestOf(services, request);
    const { ref } = request.params;
    const tokenId = await tokenOfRef(ref);
    const usage = tokenId === undefined ? undefined : await services.portal.usage(tokenId);
    if (tokenId === undefined || !usage)
      return flow.problem(
        reply,
        guest,
        404,
        [guest.t('error.notfound')],
        withQuery('/status', { lang: guest.lang }),
      );
    const now = services.clock.now();
    const tz = services.timeZone();
    const done = field(request.query, 'done');
    const notes: Note[] =
      done === 'signedout' || done === 'gone'
        ? [{ kind: 'info', text: guest.t(DONE_NOTES[done]) }]
        : [];
    const code = (await services.portal.codeOf(tokenId)) ?? '';
    return renderGuestPage(services, reply, guest, {
      view: 'status',
      title: guest.t('status.title'),
      switchHref: (l) => withQuery(`/status/${ref}`, { lang: l }),
      data: {
        notes,
        codeHint: guest.t('status.code', { last: code.slice(-4) }),
        usage: usageText(usage, guest, tz, now),
        devices: deviceItems(usage.devices, guest, tz, now),
        signOutAction: `/status/${ref}/sign-out`,
        hidden: [{ name: 'lang', value: guest.lang }],
        refreshHref: withQuery(`/status/${ref}`, { lang: guest.lang }),
      },
    });
  });

  // Signing a device out from the "already on N devices" page carries that page's router
  // context: with the slot free, the guest goes straight on to the router.
  app.post<{ Params: { ref: string } }>('/status/:ref/sign-out', async (request, reply) => {
    const guest = guestOf(services, request);
    const { ref } = request.params;
    const tokenId = await tokenOfRef(ref);
    if (tokenId === undefined)
      return flow.problem(
        reply,
        guest,
        404,
        [guest.t('error.notfound')],
        withQuery('/status', { lang: guest.lang }),
      );
    const device = field(request.body, 'session') ?? '';
    const signedOut = await services.portal.signOut(tokenId, device);
    request.log.info({ tokenId, signedOut }, 'portal: guest signed a device out');
    const arrival = await openArrival(services, field(request.body, 'ctx'));
    if (arrival) {
      const code = (await services.portal.codeOf(tokenId)) ?? '';
      const check = await services.portal.check(code, arrival.ctx.mac ?? null);
      if (!check.ok)
        return check.reason === 'unknown'
          ? flow.problem(
              reply,
              guest,
              404,
              [guest.t('error.notfound')],
              flow.splashHref(arrival, guest.lang),
            )
          : flow.refusal(reply, guest, arrival, check);
      return flow.handOff(request, reply, guest, arrival, check);
    }
    return reply.redirect(
      withQuery(`/status/${ref}`, { lang: guest.lang, done: signedOut ? 'signedout' : 'gone' }),
      303,
    );
  });
}
