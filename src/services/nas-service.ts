// Routers (NAS clients): validated, audited, and never logged with their secrets.

import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { Clock } from '../clock.js';
import { badInput, ERROR_CODES, notFound, PorticoError, type FieldError } from '../errors.js';
import { normaliseLoginHost } from '../adapters/safe-url.js';
import {
  NAS_VENDORS,
  splitHosts,
  type NasRecord,
  type NasVendor,
  type NewNas,
} from '../storage/nas-repo.js';
import type { Store } from '../storage/store.js';
import { isUniqueViolation } from '../storage/store.js';
import { dasRules } from './vendor-attributes.js';
import type { SecretBox } from './secret-box.js';

/** NasInput is what staff type to add or change a router. */
export type NasInput = {
  name?: string;
  address?: string;
  secret?: string;
  vendor?: string;
  coaPort?: number | string;
  requireMessageAuthenticator?: boolean;
  limitProxyState?: boolean;
  coaEventTimestamp?: boolean;
  coaMessageAuthenticator?: boolean;
  uamSecret?: string | null;
  /** openNDS `faskey`; null or "" removes it. */
  fasKey?: string | null;
  /** Host names or IP literals, as a list or one comma- or space-separated text. */
  loginHosts?: string | readonly string[];
  /** Base URL of the controller that authorises guests (UniFi); '' or null removes it. */
  controllerUrl?: string | null;
  /** The controller site (UniFi's short site name, e.g. `default`). */
  controllerSite?: string | null;
  /** The controller account; username and password are set together and stored sealed. */
  controllerUsername?: string;
  controllerPassword?: string;
};

/** ControllerAccountOf is a router's controller with its account opened, ready to log in. */
export type ControllerAccountOf = {
  url: string;
  site: string;
  username: string;
  password: string;
};

/** MAX_LOGIN_HOSTS is how many login hosts one router may list. */
export const MAX_LOGIN_HOSTS = 20;

// Each entry normalised the way the splash page compares hosts, duplicates dropped.
function checkLoginHosts(given: string | readonly string[], errors: FieldError[]): string[] {
  const texts = (typeof given === 'string' ? [given] : given).flatMap(splitHosts);
  const hosts: string[] = [];
  for (const text of texts) {
    const host = normaliseLoginHost(text);
    if (host === undefined) {
      errors.push({
        field: 'loginHosts',
        message: `must be host names or IP addresses ("${text.slice(0, 80)}" is neither)`,
      });
      return [];
    }
    if (!hosts.includes(host)) hosts.push(host);
  }
  if (hosts.length > MAX_LOGIN_HOSTS)
    errors.push({ field: 'loginHosts', message: `must list at most ${MAX_LOGIN_HOSTS} hosts` });
  return hosts;
}

/** generateSecret returns a random shared secret of 24 URL-safe characters. */
export function generateSecret(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * createNasService returns the router use cases; `box` seals controller credentials and is
 * absent when PORTICO_SECRET_KEY is not set (then none can be stored).
 */
export function createNasService(deps: { store: Store; clock: Clock; box?: SecretBox }) {
  const { store, clock, box } = deps;

  const check = (input: NasInput, partial: boolean): Partial<NewNas> => {
    const errors: FieldError[] = [];
    const out: Partial<NewNas> = {};
    if (input.name !== undefined || !partial) {
      const name = (input.name ?? '').trim();
      if (!/^[\w .@-]{1,64}$/.test(name))
        errors.push({
          field: 'name',
          message: 'must be 1 to 64 letters, digits, spaces or . _ @ -',
        });
      out.name = name;
    }
    if (input.address !== undefined || !partial) {
      const address = (input.address ?? '').trim().replace(/^::ffff:/i, '');
      if (isIP(address) === 0)
        errors.push({
          field: 'address',
          message: 'must be the IPv4 or IPv6 address the router sends RADIUS from',
        });
      out.address = address;
    }
    if (input.secret !== undefined) {
      if (input.secret.length < 8 || input.secret.length > 128)
        errors.push({ field: 'secret', message: 'must be 8 to 128 characters' });
      out.secret = input.secret;
    }
    if (input.vendor !== undefined) {
      if (!(NAS_VENDORS as readonly string[]).includes(input.vendor))
        errors.push({ field: 'vendor', message: `must be one of ${NAS_VENDORS.join(', ')}` });
      out.vendor = input.vendor as NasVendor;
    }
    if (input.coaPort !== undefined) {
      const p = Number(input.coaPort);
      if (!Number.isInteger(p) || p < 1 || p > 65535)
        errors.push({ field: 'coaPort', message: 'must be a port number from 1 to 65535' });
      out.coaPort = p;
    }
    for (const k of [
      'requireMessageAuthenticator',
      'limitProxyState',
      'coaEventTimestamp',
      'coaMessageAuthenticator',
    ] as const) {
      if (input[k] !== undefined) out[k] = Boolean(input[k]);
    }
    if (input.uamSecret !== undefined)
      out.uamSecret = input.uamSecret === '' ? null : input.uamSecret;
    if (input.fasKey !== undefined) {
      const key = input.fasKey === null ? '' : input.fasKey.trim();
      // openNDS reads the option as one word, and level 2 uses it as an AES key.
      if (key !== '' && !/^[\x21-\x7e]{8,64}$/.test(key))
        errors.push({
          field: 'fasKey',
          message: 'must be 8 to 64 printable characters without spaces, as in faskey',
        });
      out.fasKey = key === '' ? null : key;
    }
    if (input.loginHosts !== undefined) out.loginHosts = checkLoginHosts(input.loginHosts, errors);
    checkController(input, out, errors);
    if (errors.length > 0) throw badInput(errors);
    return out;
  };

  // The account is sealed before it reaches storage; without a key it cannot be stored at all.
  const checkController = (input: NasInput, out: Partial<NewNas>, errors: FieldError[]) => {
    if (input.controllerUrl !== undefined) {
      const text = (input.controllerUrl ?? '').trim();
      let ok = text === '';
      try {
        const u = new URL(text);
        ok =
          (u.protocol === 'https:' || u.protocol === 'http:') && u.search === '' && u.hash === '';
      } catch {
        // stays false unless empty
      }
      if (!ok)
        errors.push({
          field: 'controllerUrl',
          message: 'must be the http(s) base URL of the controller, e.g. https://unifi.lan:8443',
        });
      out.controllerUrl = text === '' ? null : text.replace(/\/+$/, '');
    }
    if (input.controllerSite !== undefined) {
      const site = (input.controllerSite ?? '').trim();
      if (site !== '' && !/^[A-Za-z0-9_.-]{1,64}$/.test(site))
        errors.push({
          field: 'controllerSite',
          message: 'must be the short site name, e.g. default',
        });
      out.controllerSite = site === '' ? null : site;
    }
    const { controllerUsername: user, controllerPassword: password } = input;
    if (user === undefined && password === undefined) return;
    if (!user || !password || user.length > 128 || password.length > 256) {
      errors.push({
        field: 'controllerPassword',
        message: 'the controller username and password are set together (up to 128/256 characters)',
      });
      return;
    }
    if (!box) {
      errors.push({
        field: 'controllerPassword',
        message:
          'set PORTICO_SECRET_KEY (32+ characters) so the controller password is stored encrypted',
      });
      return;
    }
    out.controllerCredentials = box.seal(JSON.stringify({ u: user, p: password }));
  };

  const conflict = (err: unknown): never => {
    if (isUniqueViolation(err))
      throw new PorticoError(
        ERROR_CODES.CONFLICT,
        'a router with that name or address already exists',
      );
    throw err;
  };

  return {
    /** add registers a router and returns it (with the secret, generated when not given). */
    async add(input: NasInput, actor: string): Promise<NasRecord> {
      const v = check(input, false);
      const now = clock.now();
      const nas: NewNas = {
        name: v.name as string,
        address: v.address as string,
        secret: v.secret ?? generateSecret(),
        vendor: v.vendor ?? 'generic',
        coaPort: v.coaPort ?? 3799,
        requireMessageAuthenticator: v.requireMessageAuthenticator ?? true,
        limitProxyState: v.limitProxyState ?? true,
        // Defaults follow the vendor's DAS: uspot NAKs both.
        coaEventTimestamp:
          v.coaEventTimestamp ?? !dasRules(v.vendor ?? 'generic').refusesEventTimestamp,
        coaMessageAuthenticator:
          v.coaMessageAuthenticator ?? !dasRules(v.vendor ?? 'generic').refusesMessageAuthenticator,
        uamSecret: v.uamSecret ?? null,
        fasKey: v.fasKey ?? null,
        loginHosts: v.loginHosts ?? [],
        controllerUrl: v.controllerUrl ?? null,
        controllerSite: v.controllerSite ?? null,
        controllerCredentials: v.controllerCredentials ?? null,
        createdAt: now,
      };
      try {
        const id = await store.transaction(async (tx) => {
          const id = await tx.nas.insert(nas);
          await tx.audit.record({
            at: now,
            actor,
            action: 'nas.add',
            targetType: 'nas',
            targetId: String(id),
            details: {
              name: nas.name,
              address: nas.address,
              vendor: nas.vendor,
              loginHosts: nas.loginHosts,
            },
          });
          return id;
        });
        return (await store.nas.findById(id)) as NasRecord;
      } catch (err) {
        return conflict(err);
      }
    },
    /** update changes a router's fields and returns it. */
    async update(nameOrId: string | number, input: NasInput, actor: string): Promise<NasRecord> {
      const nas = await this.get(nameOrId);
      const v = check(input, true);
      try {
        await store.transaction(async (tx) => {
          await tx.nas.update(nas.id, v);
          const { secret: _s, uamSecret: _u, controllerCredentials: _c, fasKey: _f, ...safe } = v;
          await tx.audit.record({
            at: clock.now(),
            actor,
            action: 'nas.update',
            targetType: 'nas',
            targetId: String(nas.id),
            details: {
              ...safe,
              secretChanged: v.secret !== undefined,
              ...(v.controllerCredentials !== undefined ? { controllerAccountChanged: true } : {}),
              ...(v.fasKey !== undefined ? { fasKeyChanged: true } : {}),
            },
          });
        });
      } catch (err) {
        conflict(err);
      }
      return (await store.nas.findById(nas.id)) as NasRecord;
    },
    /** get returns a router by name or id; throws PORTICO_NOT_FOUND. */
    async get(nameOrId: string | number): Promise<NasRecord> {
      const n =
        typeof nameOrId === 'number'
          ? await store.nas.findById(nameOrId)
          : ((await store.nas.findByName(nameOrId)) ?? (await store.nas.findByAddress(nameOrId)));
      if (!n) throw notFound(`router ${nameOrId}`);
      return n;
    },
    /** list returns every router. */
    async list(): Promise<NasRecord[]> {
      return store.nas.list();
    },
    /**
     * controllerAccount returns a router's controller with its account opened, or undefined
     * when it has none, lacks a part, or the account cannot be opened (another key).
     */
    controllerAccount(nas: NasRecord): ControllerAccountOf | undefined {
      if (!nas.controllerUrl || !nas.controllerSite || !nas.controllerCredentials || !box)
        return undefined;
      const opened = box.open(nas.controllerCredentials);
      if (opened === undefined) return undefined;
      try {
        const { u, p } = JSON.parse(opened) as { u?: unknown; p?: unknown };
        if (typeof u !== 'string' || typeof p !== 'string') return undefined;
        return { url: nas.controllerUrl, site: nas.controllerSite, username: u, password: p };
      } catch {
        return undefined;
      }
    },
    /** remove deletes a router by name, address or id. */
    async remove(nameOrId: string | number, actor: string): Promise<void> {
      const n = await this.get(nameOrId);
      await store.transaction(async (tx) => {
        await tx.nas.remove(n.id);
        await tx.audit.record({
          at: clock.now(),
          actor,
          action: 'nas.remove',
          targetType: 'nas',
          targetId: String(n.id),
          details: { name: n.name },
        });
      });
    },
  };
}

/** NasService is the router use cases' interface. */
export type NasService = ReturnType<typeof createNasService>;
