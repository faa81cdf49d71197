// The guest splash page: arrive from the router, type a code, get handed back to the router,
// land on "you are online". Works with JavaScript off and cookies refused: the router context
// rides along sealed in a hidden field, and every step is a plain link or form.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  CODE_LENGTH_MAX,
  CODE_LENGTH_MIN,
  formatCode,
  maskCode,
  normalizeCode,
} from '../../core/code.js';
import type { Services } from '../../services/services.js';
import {
  createGuestFlow,
  guessDevice,
  guessKeys,
  lockedText,
  macIsSigned,
  SUCCESS_TTL_MS,
  type SuccessSeal,
} from './guest-flow.js';
import { field, guestOf, withQuery, type Note } from './guest-page.js';
import { flatParams, openArrival, readArrival, type Arrival } from './router-context.js';
import { statusRoutes } from './status-routes.js';

/**
 * portalRoutes registers the guest pages: splash (`/`, `/portal`, `/t/:code`, UniFi's
 * `/guest/s/:site/`), redeem, success, and the status routes.
 */
export async function portalRoutes(app: FastifyInstance, opts: { services: Services }) {
  const { services } = opts;
  const flow = createGuestFlow(services);

  // After a login the router sends the guest back with res=success and, as its userurl, the
  // success link Portico handed it.
  const successFromRouter = async (
    ctx: Arrival['ctx'],
  ): Promise<{ s: string; data: SuccessSeal } | undefined> => {
    if (!ctx.originalUrl) return undefined;
    const url = new URL(ctx.originalUrl);
    if (url.pathname !== '/portal/success') return undefined;
    const s = url.searchParams.get('s') ?? undefined;
    const data = await flow.openSuccess(s);
    return data && s ? { s, data } : undefined;
  };

  const showSplash = async (
    request: FastifyRequest,
    reply: FastifyReply,
    prefill?: string,
    fromPath: Record<string, string> = {},
  ) => {
    const params = { ...flatParams(request.query), ...fromPath };
    const guest = guestOf(services, request);
    const read = await readArrival(services, request, params);
    if (!read.ok)
      return flow.routerProblem(
        request,
        reply,
        guest,
        read,
        'arrival',
        withQuery('/', { lang: guest.lang }),
      );
    const { arrival } = read;
    const { ctx } = arrival;
    const notes: Note[] = [];
    if (ctx.routerResult === 'success' || ctx.routerResult === 'already') {
      const back = await successFromRouter(ctx);
      if (back) return flow.success(reply, guest, back.s, back.data);
      // The router's own success redirect (no link of ours): the code it logged in with
      // (`uid`), or the token the device is online with when the router signed its MAC.
      const tokenId =
        (params.uid === undefined ? undefined : await services.portal.findToken(params.uid)) ??
        (ctx.mac && (await macIsSigned(services, arrival))
          ? await services.portal.tokenOfDevice(ctx.mac, arrival.nasId)
          : undefined);
      if (tokenId !== undefined && (await services.portal.codeOf(tokenId)) !== undefined) {
        const data: SuccessSeal = { t: tokenId, u: ctx.originalUrl ?? null, l: guest.lang };
        const s = await services.portal.seal('success', data, SUCCESS_TTL_MS);
        return flow.success(reply, guest, s, data);
      }
      notes.push({ kind: 'info', text: guest.t('router.already') });
    }
    if (ctx.routerResult === 'failed') notes.push({ kind: 'bad', text: guest.t('router.failed') });
    if (ctx.routerResult === 'logoff') notes.push({ kind: 'info', text: guest.t('router.logoff') });
    if (ctx.routerMessage)
      notes.push({ kind: 'info', text: guest.t('router.message', { text: ctx.routerMessage }) });
    const typed = prefill ?? params.code;
    const code = typed === undefined ? undefined : normalizeCode(typed);
    return flow.splash(reply, guest, arrival, { code: code ? formatCode(code) : '', notes });
  };

  app.get('/', (request, reply) => showSplash(request, reply));
  app.get('/portal', (request, reply) => showSplash(request, reply));
  app.get<{ Params: { code: string } }>('/t/:code', (request, reply) =>
    showSplash(request, reply, request.params.code.slice(0, 64)),
  );
  // UniFi's external portal sends guests to /guest/s/<site>/?ap=…&id=…&t=…&url=…
  const unifiSplash = (
    request: FastifyRequest<{ Params: { site: string } }>,
    reply: FastifyReply,
  ) => showSplash(request, reply, undefined, { site: request.params.site.slice(0, 64) });
  app.get<{ Params: { site: string } }>('/guest/s/:site', unifiSplash);
  app.get<{ Params: { site: string } }>('/guest/s/:site/', unifiSplash);

  app.post('/portal/redeem', async (request, reply) => {
    const body = request.body;
    const guest = guestOf(services, request);
    const arrival = await openArrival(services, field(body, 'ctx'));
    if (!arrival)
      return flow.problem(
        reply,
        guest,
        400,
        [guest.t('error.context')],
        withQuery('/', { lang: guest.lang }),
      );
    const typed = (field(body, 'code') ?? '').slice(0, 64);
    const termsChecked = field(body, 'terms') === 'yes';
    const again = (status: number, errors: { codeError?: string; termsError?: string }) =>
      flow.splash(reply, guest, arrival, { status, code: typed, termsChecked, ...errors });

    if (typed.trim() === '') return again(400, { codeError: guest.t('error.code.missing') });
    if (services.settings.value('termsText') !== '' && !termsChecked)
      return again(400, { termsError: guest.t('error.terms.required') });
    const code = normalizeCode(typed);
    if (code === undefined) {
      return again(400, {
        codeError: guest.t('error.code.malformed', { min: CODE_LENGTH_MIN, max: CODE_LENGTH_MAX }),
      });
    }

    const signed = await macIsSigned(services, arrival);
    const keys = guessKeys(request, arrival.ctx.mac, signed);
    const device = guessDevice(arrival.ctx.mac, signed);
    const lock = await services.lockouts.check(keys, device);
    if (lock.locked) return again(429, { codeError: lockedText(guest, lock) });

    const check = await services.portal.check(code, arrival.ctx.mac ?? null);
    if (!check.ok && check.reason === 'unknown') {
      const after = await services.lockouts.recordFailure(keys, device);
      request.log.warn(
        { code: maskCode(code), keys, locked: after.locked },
        'portal: unknown code',
      );
      return after.locked
        ? again(429, { codeError: lockedText(guest, after) })
        : again(400, { codeError: guest.t('error.code.unknown') });
    }
    if (!check.ok) return flow.refusal(reply, guest, arrival, check);
    // Only the device's own counter is forgiven: clearing the address's would let one valid
    // code reset a guesser's count over and over.
    const deviceKeys = keys.filter((k) => k.startsWith('mac:'));
    if (deviceKeys.length > 0) await services.lockouts.recordSuccess(deviceKeys);
    return flow.handOff(request, reply, guest, arrival, check);
  });

  app.get('/portal/success', async (request, reply) => {
    const s = field(request.query, 's');
    const data = await flow.openSuccess(s);
    const guest = guestOf(services, request, field(request.query, 'lang') ?? data?.l);
    if (!data || !s)
      return flow.problem(
        reply,
        guest,
        400,
        [guest.t('error.context')],
        withQuery('/', { lang: guest.lang }),
      );
    return flow.success(reply, guest, s, data);
  });

  await app.register(statusRoutes, { services });
}
