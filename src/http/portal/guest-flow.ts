// The pages and steps the splash and status routes share: the splash form, the success page,
// the "that did not work" pages, and handing the guest back to the router once a code passed
// the pre-check (also after signing another device out to make room).

import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkOriginalUrl } from '../../adapters/safe-url.js';
import { formatCode } from '../../core/code.js';
import { formatDateTime } from '../../i18n/i18n.js';
import { COUNT_ONLY_PREFIX, isBudgetKey } from '../../services/lockout-service.js';
import type { PortalCheck, SignInProblem } from '../../services/portal-service.js';
import type { Services } from '../../services/services.js';
import {
  deviceItems,
  HANDOFF_SCRIPT,
  renderGuestPage,
  usageText,
  withQuery,
  type Guest,
  type Note,
} from './guest-page.js';
import { handOffFor, portalOrigin, type Arrival, type RouterRefusal } from './router-context.js';

/** SIGN_IN_HELP is the log line for each sign-in problem: what staff must change. */
export const SIGN_IN_HELP: Record<SignInProblem['reason'], string> = {
  'no-uam-secret':
    "portal: the router signs its redirect (md) but has no UAM secret in Portico; set it to the router's uamsecret on the router form (Admin, Routers)",
  'md-mismatch':
    "portal: the redirect's md does not verify with the router's UAM secret; it must match the router's uamsecret",
  'md-missing':
    'portal: the router has a UAM secret in Portico but its redirect is not signed; set the same uamsecret on the router',
  'no-fas-key':
    "portal: the openNDS router has no faskey in Portico; set it to the router's faskey on the router form (Admin, Routers)",
  'fas-key-mismatch':
    "portal: an openNDS level 2 redirect does not decrypt with any openNDS router's faskey in Portico; it must match the router's faskey",
};

const OPENNDS_PROBLEMS: ReadonlySet<SignInProblem['reason']> = new Set([
  'no-fas-key',
  'fas-key-mismatch',
]);

/** SUCCESS_TTL_MS is how long the link to a success page works. */
export const SUCCESS_TTL_MS = 24 * 3_600_000;

/** SuccessSeal is what a success link carries: the token, the page first asked for, the language. */
export type SuccessSeal = { t: number; u: string | null; l: string };

/** Refusal is a pre-check that found the code but cannot let this device on now. */
export type Refusal = Extract<PortalCheck, { ok: false; tokenId: number }>;

/** SplashPage is what the splash form shows besides the router context. */
export type SplashPage = {
  status?: number;
  code?: string;
  codeError?: string;
  termsError?: string;
  termsChecked?: boolean;
  notes?: Note[];
};

/**
 * guessKeys returns the lockout keys a code attempt counts against: the address, and the
 * device when its MAC is `trusted`. A MAC that only an unsigned redirect vouches for is the
 * sender's to choose: counting it would let anyone lock a neighbour's phone out while a
 * guesser simply changes it, so such attempts count against the address alone.
 */
export function guessKeys(
  request: FastifyRequest,
  mac: string | undefined,
  trusted: boolean,
): string[] {
  return [`ip:${request.ip}`, ...(mac && trusted ? [`mac:${mac}`] : [])];
}

/**
 * guessDevice returns the key that tells whether this device has a clean record, which lets
 * it past an address that a guesser has pushed over its budget: the signed MAC's lockout
 * key, else an unsigned MAC's count-only key (a guesser may claim any MAC, but each one
 * claimed only spends the address's bounded allowance for clean devices), else none.
 */
export function guessDevice(mac: string | undefined, trusted: boolean): string | null {
  if (!mac) return null;
  return trusted ? `mac:${mac}` : `${COUNT_ONLY_PREFIX}${mac}`;
}

/**
 * macIsSigned returns true when the arrival's MAC came in a redirect the router signed: a
 * CoovaChilli/uspot NAS with a UAM secret, whose `md` the adapter verified before sealing,
 * or an openNDS level 2 redirect, encrypted under the router's faskey.
 */
export async function macIsSigned(services: Services, arrival: Arrival): Promise<boolean> {
  // openNDS level 2 encrypts the MAC under the faskey, which the adapter checked.
  if (arrival.ctx.adapter === 'opennds') return arrival.ctx.fasLevel === 2;
  if (arrival.ctx.adapter !== 'coova' || arrival.nasId === null) return false;
  return Boolean((await services.portal.routerProfileById(arrival.nasId))?.uamSecret);
}

/**
 * lockedText returns the sentence for an attempt refused for `ms`: "try again in N minutes"
 * for the device's own lockout, "wait a few seconds" when a shared key (the address) is
 * slowed by someone else's guessing.
 */
export function lockedText(
  guest: Guest,
  lock: { retryAfterMs: number; key: string | null },
): string {
  if (lock.key !== null && isBudgetKey(lock.key)) return guest.t('error.slowed');
  return guest.t('error.locked', { n: Math.max(1, Math.ceil(lock.retryAfterMs / 60_000)) });
}

/** createGuestFlow returns the shared guest pages and the hand-off over `services`. */
export function createGuestFlow(services: Services) {
  const now = () => services.clock.now();
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

  const splashHref = (arrival: Arrival, lang: string, code?: string) =>
    withQuery('/portal', { ctx: arrival.sealed, lang, code });

  const flow = {
    splashHref,

    /** problem renders a page that says what went wrong and links back to `backHref`. */
    problem(
      reply: FastifyReply,
      guest: Guest,
      status: number,
      lines: string[],
      backHref: string,
      heading = guest.t('error.heading'),
    ) {
      return renderGuestPage(services, reply, guest, {
        view: 'problem',
        title: heading,
        status,
        switchHref: (l) => withQuery(backHref.split('?')[0] ?? '/', { lang: l }),
        data: { heading, lines, backHref, devices: undefined },
      });
    },

    /**
     * routerProblem logs why the router's parameters (`stage` arrival) or the hand-off were
     * refused, with the NAS and the host for a login address it does not allow (never the
     * code), and tells the guest, and the staff they show it to, what to do.
     */
    routerProblem(
      request: FastifyRequest,
      reply: FastifyReply,
      guest: Guest,
      refused: RouterRefusal,
      stage: 'arrival' | 'hand-off',
      backHref: string,
    ) {
      const hostRefused = refused.code === 'ADAPTER_LOGIN_HOST_REFUSED';
      if (refused.signIn) {
        // A setup fault, not the guest's: no code is asked for, so none counts as a guess.
        const { reason, nasId, nas } = refused.signIn;
        const seen = services.portal.noteSignInProblem({ id: nasId, name: nas }, reason);
        request.log.warn({ reason, nas, nasId, count: seen.count }, SIGN_IN_HELP[reason]);
        return flow.problem(
          reply,
          guest,
          503,
          [guest.t(OPENNDS_PROBLEMS.has(reason) ? 'error.fasKey' : 'error.signInSetup')],
          backHref,
          guest.t('error.signInSetup.title'),
        );
      }
      if (hostRefused) {
        request.log.warn(
          { reason: refused.code, stage, nas: refused.nas ?? null, host: refused.host },
          "portal: router login address not allowed; add it to the router's login hosts",
        );
      } else {
        request.log.warn(
          { reason: refused.code },
          stage === 'arrival'
            ? 'portal: router parameters refused'
            : 'portal: no hand-off to the router',
        );
      }
      const line = guest.t(hostRefused ? 'error.loginHost' : 'error.router');
      return flow.problem(reply, guest, 400, [line], backHref);
    },

    /** splash renders the code form for a guest who came through `arrival`. */
    splash(reply: FastifyReply, guest: Guest, arrival: Arrival, page: SplashPage) {
      return renderGuestPage(services, reply, guest, {
        view: 'splash',
        title: guest.t('splash.title'),
        status: page.status ?? 200,
        switchHref: (l) => splashHref(arrival, l, page.code || undefined),
        data: {
          action: '/portal/redeem',
          hidden: [
            { name: 'ctx', value: arrival.sealed },
            { name: 'lang', value: guest.lang },
          ],
          code: page.code ?? '',
          codeError: page.codeError,
          termsText: services.settings.value('termsText'),
          termsError: page.termsError,
          termsChecked: page.termsChecked ?? false,
          notes: page.notes ?? [],
          statusHref: withQuery('/status', { lang: guest.lang }),
        },
      });
    },

    /** openSuccess returns what a success link carries, or undefined when it is not valid. */
    async openSuccess(sealed: string | undefined): Promise<SuccessSeal | undefined> {
      const data = (await services.portal.open('success', sealed)) as SuccessSeal | undefined;
      return data && typeof data.t === 'number' ? data : undefined;
    },

    /** success renders "you are online" for the token a success link names. */
    async success(reply: FastifyReply, guest: Guest, sealed: string, data: SuccessSeal) {
      const usage = await services.portal.usage(data.t);
      const code = await services.portal.codeOf(data.t);
      const original = checkOriginalUrl(data.u ?? undefined);
      return renderGuestPage(services, reply, guest, {
        view: 'success',
        title: guest.t('success.title'),
        switchHref: (l) => withQuery('/portal/success', { s: sealed, lang: l }),
        data: {
          notes: [],
          usage: usage && usageText(usage, guest, services.timeZone(), now()),
          continueHref: original,
          continueText: original
            ? guest.t('success.continue', { host: new URL(original).host })
            : undefined,
          statusHref:
            code === undefined
              ? undefined
              : withQuery(`/status/${await services.portal.statusRef({ id: data.t, code })}`, {
                  lang: guest.lang,
                }),
        },
      });
    },

    /** refusal renders what to do about a known code that cannot get this device on now. */
    async refusal(reply: FastifyReply, guest: Guest, arrival: Arrival, check: Refusal) {
      const { t } = guest;
      const tz = services.timeZone();
      const date = (ms: number) => formatDateTime(ms, guest.lang, tz, now());
      const u = check.usage;
      const page = (status: number, heading: string, lines: string[], extra = {}) =>
        renderGuestPage(services, reply, guest, {
          view: 'problem',
          title: heading,
          status,
          switchHref: (l) => splashHref(arrival, l),
          data: {
            heading,
            lines,
            backHref: splashHref(arrival, guest.lang),
            devices: undefined,
            ...extra,
          },
        });
      switch (check.reason) {
        case 'depleted':
          return page(403, t('error.depleted.title'), [t('error.depleted.help')]);
        case 'expired':
          return page(403, t('error.expired.title'), [
            ...(u.validUntil !== null
              ? [t('error.expired.until', { date: date(u.validUntil) })]
              : []),
            t('error.expired.help'),
          ]);
        case 'not-yet-valid':
          return page(403, t('error.scheduled.title', { date: date(u.validFrom ?? now()) }), [
            t('error.scheduled.help'),
          ]);
        case 'revoked':
          return page(403, t('error.revoked.title'), [t('error.revoked.help')]);
        case 'device-limit': {
          const code = (await services.portal.codeOf(check.tokenId)) ?? '';
          const ref = await services.portal.statusRef({ id: check.tokenId, code });
          return page(
            409,
            t('error.devices.title', { n: u.maxDevices }),
            [t('error.devices.help', { n: u.maxDevices })],
            {
              devices: deviceItems(u.devices, guest, tz, now()),
              signOutAction: `/status/${ref}/sign-out`,
              hidden: [
                { name: 'ctx', value: arrival.sealed },
                { name: 'lang', value: guest.lang },
              ],
            },
          );
        }
      }
    },

    /**
     * handOff sends the guest back to the router with the code as credentials, the way this
     * router wants it: a redirect (CoovaChilli), a form the browser posts (MikroTik), a MAC
     * binding (MAC authentication) or straight to the success page.
     */
    async handOff(
      request: FastifyRequest,
      reply: FastifyReply,
      guest: Guest,
      arrival: Arrival,
      token: { tokenId: number; code: string },
    ) {
      // Without a router context (a printed card's QR opened on mobile data, or a router
      // that lost its redirect) no router will ever send this code over RADIUS: saying
      // "online" would be a lie. Say how to get on instead, and keep the code in the form.
      if (arrival.ctx.adapter === 'generic' && arrival.nasId === null) {
        const wifi = services.settings.value('wifiName');
        const code = formatCode(token.code);
        return flow.splash(reply, guest, arrival, {
          code,
          notes: [
            {
              kind: 'warn',
              text: wifi
                ? guest.t('splash.noRouter', { wifi })
                : guest.t('splash.noRouter.unnamed'),
            },
            { kind: 'info', text: guest.t('splash.noRouter.code', { code }) },
          ],
        });
      }
      const seal: SuccessSeal = {
        t: token.tokenId,
        u: arrival.ctx.originalUrl ?? null,
        l: guest.lang,
      };
      const s = await services.portal.seal('success', seal, SUCCESS_TTL_MS);
      const successUrl = `${portalOrigin(services, request)}${withQuery('/portal/success', { s })}`;
      const result = await handOffFor(services, request, arrival, token.code, successUrl);
      if (!result.ok)
        return flow.routerProblem(
          request,
          reply,
          guest,
          result,
          'hand-off',
          splashHref(arrival, guest.lang),
        );
      const h = result.handOff;
      switch (h.kind) {
        case 'redirect':
          return noStore(reply).redirect(h.url, 303);
        case 'form-post':
          return renderGuestPage(services, reply, guest, {
            view: 'handoff',
            title: guest.t('handoff.title'),
            switchHref: (l) => splashHref(arrival, l),
            data: {
              url: h.url,
              fields: Object.entries(h.fields).map(([name, value]) => ({ name, value })),
              handoffScript: HANDOFF_SCRIPT,
            },
          });
        case 'bind-mac':
          await services.portal.bind(token.tokenId, h.mac, arrival.nasId);
          return noStore(reply).redirect(h.nextUrl, 303);
        case 'controller-authorize': {
          // The guest waits while the router's controller is asked (outside any transaction).
          const done = await services.controllers.authorize({
            tokenId: token.tokenId,
            nasId: arrival.nasId,
            mac: h.mac,
            ...(h.apMac ? { apMac: h.apMac } : {}),
          });
          if (done.ok) return noStore(reply).redirect(h.nextUrl, 303);
          request.log.warn(
            { reason: done.reason, detail: done.detail, nas: arrival.nasId },
            'portal: the router controller did not authorise the guest',
          );
          return flow.problem(
            reply,
            guest,
            502,
            [guest.t('error.controller')],
            splashHref(arrival, guest.lang),
          );
        }
        case 'show-success':
          return noStore(reply).redirect(successUrl, 303);
        case 'gateway-grant': {
          // The gateway asks no RADIUS server: its slot is held here, before it lets the
          // device on, and its BinAuth script asks Portico again (see opennds-service.ts).
          const granted = await services.opennds.grant({
            tokenId: token.tokenId,
            nasId: arrival.nasId,
            hid: h.grant.sessionId,
            mac: h.grant.mac ?? null,
            ip: h.grant.ip ?? null,
          });
          if (granted.ok) return noStore(reply).redirect(h.url, 303);
          const usage = await services.portal.usage(token.tokenId);
          if (granted.reason === 'unknown-router' || granted.reason === 'unknown' || !usage) {
            const nas = arrival.ctx.nasId ?? 'unknown router';
            return flow.routerProblem(
              request,
              reply,
              guest,
              {
                code: 'ADAPTER_NO_FAS_KEY',
                signIn: { reason: 'no-fas-key', nasId: arrival.nasId, nas: nas.slice(0, 64) },
              },
              'hand-off',
              splashHref(arrival, guest.lang),
            );
          }
          return flow.refusal(reply, guest, arrival, {
            ok: false,
            reason: granted.reason,
            tokenId: token.tokenId,
            usage,
          });
        }
      }
    },
  };
  return flow;
}

/** GuestFlow is the shared guest pages' interface. */
export type GuestFlow = ReturnType<typeof createGuestFlow>;
