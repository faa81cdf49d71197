// Routers (RADIUS clients), known by source address, each with its own shared secret.

import type { Db } from './database.js';

/** NAS_VENDORS are the vendor profiles Portico knows how to talk to. */
export const NAS_VENDORS = [
  'generic',
  'mikrotik',
  'coova-chilli',
  'unifi',
  'pfsense',
  'openwrt',
  'meraki',
  'aruba',
  'opennds',
] as const;
export type NasVendor = (typeof NAS_VENDORS)[number];

/** NasRecord is a router as storage returns it. */
export type NasRecord = {
  id: number;
  name: string;
  address: string;
  secret: string;
  vendor: NasVendor;
  coaPort: number;
  requireMessageAuthenticator: boolean;
  limitProxyState: boolean;
  coaEventTimestamp: boolean;
  coaMessageAuthenticator: boolean;
  uamSecret: string | null;
  /** openNDS `faskey`: hashes or encrypts the FAS parameters and keys BinAuth's reports. */
  fasKey: string | null;
  /** Hosts the router's login URL may name; empty allows only router-local addresses. */
  loginHosts: string[];
  /** Base URL of the controller that authorises guests (UniFi external portal), or null. */
  controllerUrl: string | null;
  /** The controller site the router's guests belong to, or null. */
  controllerSite: string | null;
  /** The controller account, sealed by the services layer (ciphertext only), or null. */
  controllerCredentials: string | null;
  createdAt: number;
  lastSeenAt: number | null;
};

/** NewNas is what is needed to add a router. */
export type NewNas = Omit<NasRecord, 'id' | 'lastSeenAt'>;

type Row = Record<string, unknown>;

/** splitHosts returns the host names in a comma- or space-separated list, without empties. */
export function splitHosts(text: string): string[] {
  return text.split(/[\s,]+/).filter((h) => h !== '');
}

/** toNas returns the NasRecord of a `nas_clients` row (flags stored as 0/1). */
export const toNas = (r: Row): NasRecord => ({
  id: r.id as number,
  name: r.name as string,
  address: r.address as string,
  secret: r.secret as string,
  vendor: r.vendor as NasVendor,
  coaPort: r.coa_port as number,
  requireMessageAuthenticator: r.require_message_authenticator === 1,
  limitProxyState: r.limit_proxy_state === 1,
  coaEventTimestamp: r.coa_event_timestamp === 1,
  coaMessageAuthenticator: r.coa_message_authenticator === 1,
  uamSecret: r.uam_secret as string | null,
  fasKey: r.fas_key as string | null,
  loginHosts: splitHosts(r.login_hosts as string),
  controllerUrl: r.controller_url as string | null,
  controllerSite: r.controller_site as string | null,
  controllerCredentials: r.controller_credentials as string | null,
  createdAt: r.created_at as number,
  lastSeenAt: r.last_seen_at as number | null,
});

/** NAS_COLUMNS maps each writable router field to its column. */
export const NAS_COLUMNS: Record<keyof Omit<NewNas, 'createdAt'>, string> = {
  name: 'name',
  address: 'address',
  secret: 'secret',
  vendor: 'vendor',
  coaPort: 'coa_port',
  requireMessageAuthenticator: 'require_message_authenticator',
  limitProxyState: 'limit_proxy_state',
  coaEventTimestamp: 'coa_event_timestamp',
  coaMessageAuthenticator: 'coa_message_authenticator',
  uamSecret: 'uam_secret',
  fasKey: 'fas_key',
  loginHosts: 'login_hosts',
  controllerUrl: 'controller_url',
  controllerSite: 'controller_site',
  controllerCredentials: 'controller_credentials',
};

/** nasToDb returns a router field's value as stored: flags as 0/1, host lists space-separated. */
export const nasToDb = (v: unknown) =>
  typeof v === 'boolean' ? (v ? 1 : 0) : Array.isArray(v) ? v.join(' ') : v;

/** createNasRepo returns the router repository over `db`. */
export function createNasRepo(db: Db) {
  const all = db.prepare('SELECT * FROM nas_clients ORDER BY name');
  const byId = db.prepare('SELECT * FROM nas_clients WHERE id = ?');
  const byAddress = db.prepare('SELECT * FROM nas_clients WHERE address = ?');
  const byName = db.prepare('SELECT * FROM nas_clients WHERE name = ?');
  const del = db.prepare('DELETE FROM nas_clients WHERE id = ?');
  const seen = db.prepare(
    'UPDATE nas_clients SET last_seen_at = ? WHERE id = ? AND (last_seen_at IS NULL OR last_seen_at < ?)',
  );
  return {
    /** list returns every router by name. */
    list(): NasRecord[] {
      return (all.all() as Row[]).map(toNas);
    },
    /** findById returns a router or undefined. */
    findById(id: number): NasRecord | undefined {
      const r = byId.get(id) as Row | undefined;
      return r ? toNas(r) : undefined;
    },
    /** findByAddress returns the router with this source address or undefined. */
    findByAddress(address: string): NasRecord | undefined {
      const r = byAddress.get(address) as Row | undefined;
      return r ? toNas(r) : undefined;
    },
    /** findByName returns the router with this name (case-insensitive) or undefined. */
    findByName(name: string): NasRecord | undefined {
      const r = byName.get(name) as Row | undefined;
      return r ? toNas(r) : undefined;
    },
    /** insert adds a router and returns its id; a taken name or address throws a UNIQUE error. */
    insert(n: NewNas): number {
      const keys = [...Object.keys(NAS_COLUMNS), 'createdAt'] as Array<keyof NewNas>;
      const cols = keys.map((k) =>
        k === 'createdAt' ? 'created_at' : NAS_COLUMNS[k as keyof typeof NAS_COLUMNS],
      );
      const sql = `INSERT INTO nas_clients (${cols.join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`;
      return Number(db.prepare(sql).run(...keys.map((k) => nasToDb(n[k]))).lastInsertRowid);
    },
    /** update changes the given fields; false when there is no such router. */
    update(id: number, u: Partial<Omit<NewNas, 'createdAt'>>): boolean {
      const keys = Object.keys(u) as Array<keyof typeof NAS_COLUMNS>;
      if (keys.length === 0) return true;
      const sql = `UPDATE nas_clients SET ${keys.map((k) => `${NAS_COLUMNS[k]} = ?`).join(', ')} WHERE id = ?`;
      return db.prepare(sql).run(...keys.map((k) => nasToDb(u[k])), id).changes === 1;
    },
    /** remove deletes a router; false when there was none. */
    remove(id: number): boolean {
      return del.run(id).changes === 1;
    },
    /** markSeen records that the router spoke to Portico at `at`. */
    markSeen(id: number, at: number): void {
      seen.run(at, id, at);
    },
  };
}

/** NasRepo is the router repository's interface. */
export type NasRepo = ReturnType<typeof createNasRepo>;
