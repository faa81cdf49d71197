// The guest splash page's use cases. The page works without cookies, so what it must remember
// between pages (the router's parameters, which token a success or status page is about)
// travels in URLs and hidden fields, sealed with an HMAC under a server secret that is made
// on first use and kept in the settings table. A guest can read a sealed value but not change
// it, and cannot make a status link for a token without knowing its code.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RejectReason } from '../core/authorize.js';
import { normalizeCode } from '../core/code.js';
import { normalizeMac } from '../core/mac.js';
import { firstUseDeadline, remainingMs } from '../core/token.js';
import type { Clock } from '../clock.js';
import type { NasRecord } from '../storage/nas-repo.js';
import type { Store } from '../storage/store.js';
import type { AccessService } from './access-service.js';
import type { DeviceView, SessionService } from './session-service.js';

/** PORTAL_SECRET_KEY is the settings key the HMAC secret is stored under (never shown). */
export const PORTAL_SECRET_KEY = 'portalSecret';

/** SEAL_PURPOSES are what a sealed value may be used for; a value sealed for one is refused for another. */
export const SEAL_PURPOSES = ['router-context', 'success'] as const;

/** SealPurpose is one of SEAL_PURPOSES. */
export type SealPurpose = (typeof SEAL_PURPOSES)[number];

/** RouterProfile is what the splash page needs to know about the router a guest came through. */
export type RouterProfile = Pick<
  NasRecord,
  'id' | 'name' | 'vendor' | 'uamSecret' | 'fasKey' | 'loginHosts'
>;

const profileOf = (nas: NasRecord): RouterProfile => ({
  id: nas.id,
  name: nas.name,
  vendor: nas.vendor,
  uamSecret: nas.uamSecret,
  fasKey: nas.fasKey,
  loginHosts: nas.loginHosts,
});

const b64 = (buf: Buffer) => buf.toString('base64url');
const STATUS_MAC_CHARS = 22;

/** GuestUsage is what a guest may see about their token: time left, window, devices. */
export type GuestUsage = {
  tokenId: number;
  /** Budget in minutes; null when the token has no minute limit. */
  minutes: number | null;
  /** Online time left in ms, counting live devices' unreported time; null when unlimited. */
  leftMs: number | null;
  validFrom: number | null;
  validUntil: number | null;
  /** When the first-use lifetime ends; null when the token has none or was never used. */
  firstUseEndsAt: number | null;
  maxDevices: number;
  devices: DeviceView[];
};

/** PortalCheck is the splash page's pre-check of a code: fine, or why not with what to show. */
export type PortalCheck =
  | { ok: true; tokenId: number; code: string }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: Exclude<RejectReason, 'unknown'>; tokenId: number; usage: GuestUsage };

/**
 * SignInProblem is why a router's guests cannot sign in because of how it is set up in
 * Portico: a CoovaChilli/uspot redirect signed with `md` while the router has no UAM secret
 * here, or an `md` that the UAM secret here does not verify (the two secrets differ), or a
 * UAM secret here while the router signs nothing; or an openNDS router without a faskey
 * here, or a level 2 redirect that no openNDS router's faskey here decrypts.
 */
export type SignInProblem = {
  /** The router's id, or null when no router matched the redirect. */
  nasId: number | null;
  /** The router's name, or what the redirect called it (nasid or uamip). */
  nas: string;
  reason: 'no-uam-secret' | 'md-mismatch' | 'md-missing' | 'no-fas-key' | 'fas-key-mismatch';
  firstAt: number;
  lastAt: number;
  count: number;
};

/** PortalDeps are what the portal service builds on. */
export type PortalDeps = {
  store: Store;
  clock: Clock;
  access: Pick<AccessService, 'evaluate' | 'bindDevice'>;
  sessions: Pick<SessionService, 'devicesOfToken' | 'signOutDevice' | 'disconnect'>;
};

/** createPortalService returns the splash page's sealing, status-link and router lookups. */
export function createPortalService(deps: PortalDeps) {
  const { store, clock, access, sessions } = deps;
  let cachedSecret: Buffer | undefined;
  // Per node, like the duplicate caches: a diagnosis for staff, rebuilt by the next redirect.
  const problems = new Map<string, SignInProblem>();
  const MAX_PROBLEMS = 100;

  // Two first requests racing both try to store a secret; the transaction makes the second
  // one read the first one's instead of overwriting it.
  const secret = async (): Promise<Buffer> => {
    if (cachedSecret) return cachedSecret;
    const stored = await store.transaction(async (tx) => {
      const existing = await tx.settings.get(PORTAL_SECRET_KEY);
      if (typeof existing === 'string' && existing.length >= 43) return existing;
      const fresh = b64(randomBytes(32));
      await tx.settings.set(PORTAL_SECRET_KEY, fresh);
      return fresh;
    });
    cachedSecret = Buffer.from(stored, 'base64url');
    return cachedSecret;
  };

  const mac = async (text: string) =>
    createHmac('sha256', await secret())
      .update(text)
      .digest();

  return {
    /**
     * seal returns `data` as a URL-safe string signed for `purpose` that `open` accepts until
     * `ttlMs` from now.
     */
    async seal(purpose: SealPurpose, data: unknown, ttlMs: number): Promise<string> {
      const payload = b64(
        Buffer.from(JSON.stringify({ p: purpose, x: clock.now() + ttlMs, d: data })),
      );
      return `${payload}.${b64(await mac(payload))}`;
    },
    /**
     * open returns the data of a value sealed for `purpose`, or undefined when it was changed,
     * sealed for something else, has expired or is not a sealed value at all.
     */
    async open(purpose: SealPurpose, sealed: unknown): Promise<unknown> {
      if (typeof sealed !== 'string' || sealed.length > 8192) return undefined;
      const dot = sealed.lastIndexOf('.');
      if (dot <= 0) return undefined;
      const payload = sealed.slice(0, dot);
      const given = Buffer.from(sealed.slice(dot + 1), 'base64url');
      const expected = await mac(payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      try {
        const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
          p?: unknown;
          x?: unknown;
          d?: unknown;
        };
        if (body.p !== purpose || typeof body.x !== 'number' || body.x <= clock.now())
          return undefined;
        return body.d;
      } catch {
        return undefined;
      }
    },
    /**
     * statusRef returns the unguessable reference of a token's status page: its id and an HMAC
     * over id and code, so only someone who knew the code can have it.
     */
    async statusRef(token: { id: number; code: string }): Promise<string> {
      const sig = b64(await mac(`status:${token.id}:${token.code}`)).slice(0, STATUS_MAC_CHARS);
      return `${token.id.toString(36)}.${sig}`;
    },
    /**
     * checkStatusRef returns the token id a status reference names when `codeOf` confirms it
     * (the code still belongs to that id and the HMAC matches), else undefined.
     */
    async checkStatusRef(
      ref: unknown,
      codeOf: (id: number) => Promise<string | undefined>,
    ): Promise<number | undefined> {
      if (typeof ref !== 'string') return undefined;
      const m = /^([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})$/.exec(ref);
      if (!m) return undefined;
      const id = parseInt(m[1] as string, 36);
      const code = Number.isSafeInteger(id) ? await codeOf(id) : undefined;
      if (code === undefined) return undefined;
      const expected = Buffer.from(await this.statusRef({ id, code }));
      const given = Buffer.from(ref);
      return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
    },
    /**
     * routerProfile returns the router a guest came through: the NAS named by the redirect's
     * NAS-Identifier, else the NAS at the address the redirect names, else the one router
     * whose controller serves the UniFi site; undefined when unknown (or two serve the site).
     */
    async routerProfile(hints: {
      nasId?: string;
      address?: string;
      site?: string;
    }): Promise<RouterProfile | undefined> {
      const bySite = async () => {
        const serving = (await store.nas.list()).filter(
          (n) => n.controllerUrl !== null && n.controllerSite === hints.site,
        );
        return serving.length === 1 ? serving[0] : undefined;
      };
      const nas =
        (hints.nasId ? await store.nas.findByName(hints.nasId) : undefined) ??
        (hints.address ? await store.nas.findByAddress(hints.address) : undefined) ??
        (hints.site ? await bySite() : undefined);
      return nas && profileOf(nas);
    },
    /**
     * openndsProfiles returns the openNDS routers that have a faskey: the candidates for a
     * level 2 redirect, whose gateway name is encrypted under one of their keys.
     */
    async openndsProfiles(): Promise<RouterProfile[]> {
      return (await store.nas.list())
        .filter((n) => n.vendor === 'opennds' && n.fasKey !== null)
        .map(profileOf);
    },
    /** routerProfileById returns the router with this id, or undefined. */
    async routerProfileById(id: number): Promise<RouterProfile | undefined> {
      const nas = await store.nas.findById(id);
      return nas && profileOf(nas);
    },
    /**
     * check returns whether the code (as typed) could get the device `mac` online now,
     * without changing anything: the friendly pre-check. The router's RADIUS request decides.
     */
    async check(typed: string, mac: string | null): Promise<PortalCheck> {
      const code = normalizeCode(typed);
      if (code === undefined) return { ok: false, reason: 'unknown' };
      const ev = await access.evaluate(code, mac, clock.now());
      if (!ev.token) return { ok: false, reason: 'unknown' };
      if (ev.decision.ok) return { ok: true, tokenId: ev.token.id, code: ev.token.code };
      if (ev.decision.reason === 'unknown') return { ok: false, reason: 'unknown' };
      return {
        ok: false,
        reason: ev.decision.reason,
        tokenId: ev.token.id,
        usage: (await this.usage(ev.token.id)) as GuestUsage,
      };
    },
    /** findToken returns the id of the token a typed code names (in any state), or undefined. */
    async findToken(typed: string): Promise<number | undefined> {
      const code = normalizeCode(typed);
      return code === undefined
        ? undefined
        : (await access.evaluate(code, null, clock.now())).token?.id;
    },
    /**
     * tokenOfDevice returns the token a device is online with (or holds a fresh slot on) at
     * router `nasId`, newest first, or undefined. Only for a MAC the router vouched for.
     */
    async tokenOfDevice(mac: string, nasId: number | null): Promise<number | undefined> {
      const device = normalizeMac(mac);
      if (!device) return undefined;
      const { rows } = await store.sessions.list(
        { statuses: ['live', 'reserved'], mac: device, nasId: nasId ?? undefined },
        { limit: 1, offset: 0 },
      );
      const row = rows[0];
      if (!row) return undefined;
      return (await store.tokens.findById(row.tokenId))?.deletedAt === null
        ? row.tokenId
        : undefined;
    },
    /** codeOf returns the code of a token that exists and is not deleted, else undefined. */
    async codeOf(tokenId: number): Promise<string | undefined> {
      const t = await store.tokens.findById(tokenId);
      return t && t.deletedAt === null ? t.code : undefined;
    },
    /** usage returns what a guest may see about a token, or undefined when it is gone. */
    async usage(tokenId: number): Promise<GuestUsage | undefined> {
      const ev = await access.evaluate(tokenId, null, clock.now());
      const t = ev.token;
      if (!t) return undefined;
      return {
        tokenId: t.id,
        minutes: t.minutes,
        leftMs: remainingMs(t, ev.usedMs),
        validFrom: t.validFrom,
        validUntil: t.validUntil,
        firstUseEndsAt: firstUseDeadline(t),
        maxDevices: t.maxDevices,
        devices: await sessions.devicesOfToken(t.id),
      };
    },
    /**
     * signOut ends one of a token's devices, named by its MAC or, for a device without
     * one, `#<session id>`; false when the token has no such device (any more).
     */
    async signOut(tokenId: number, device: string): Promise<boolean> {
      const found = (await sessions.devicesOfToken(tokenId)).find(
        (d) => (d.mac ?? `#${d.sessionId}`) === device,
      );
      if (!found) return false;
      if (found.mac !== null) await sessions.signOutDevice(tokenId, found.mac, 'guest');
      else if (found.sessionId !== null)
        await sessions.disconnect(found.sessionId, 'guest', 'signed-out');
      return true;
    },
    /**
     * noteSignInProblem records that a redirect from router `nas` was refused for `reason`
     * and returns the record (how often, since when), for the log, the router page and
     * /healthz.
     */
    noteSignInProblem(
      nas: { id: number | null; name: string },
      reason: SignInProblem['reason'],
    ): SignInProblem {
      const now = clock.now();
      const key = `${nas.id ?? nas.name}:${reason}`;
      const known = problems.get(key);
      const next: SignInProblem = known
        ? { ...known, lastAt: now, count: known.count + 1 }
        : { nasId: nas.id, nas: nas.name, reason, firstAt: now, lastAt: now, count: 1 };
      problems.delete(key);
      problems.set(key, next);
      // Bounded: unknown routers' names come from the request.
      for (const oldest of problems.keys()) {
        if (problems.size <= MAX_PROBLEMS) break;
        problems.delete(oldest);
      }
      return next;
    },
    /**
     * signInProblems returns the sign-in problems seen since the router's settings last
     * changed (all routers, or one), newest first.
     */
    signInProblems(nasId?: number): SignInProblem[] {
      const out = [...problems.values()].filter((p) => nasId === undefined || p.nasId === nasId);
      return out.sort((a, b) => b.lastAt - a.lastAt);
    },
    /** clearSignInProblems forgets a router's sign-in problems (its settings changed). */
    clearSignInProblems(nasId: number): void {
      for (const [k, p] of problems) if (p.nasId === nasId) problems.delete(k);
    },
    /** bind records that device `mac` may go online on a token by MAC authentication. */
    async bind(tokenId: number, mac: string, nasId: number | null): Promise<void> {
      await access.bindDevice(tokenId, mac, nasId);
    },
  };
}

/** PortalService is the splash page's use cases' interface. */
export type PortalService = ReturnType<typeof createPortalService>;
