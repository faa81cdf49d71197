// Device bindings: a MAC that the splash page authorised for a token, for routers that
// authenticate devices by MAC. One live binding per MAC.

import type { Db } from './database.js';

/** BindingRecord is a binding row as storage returns it. */
export type BindingRecord = {
  id: number;
  tokenId: number;
  deviceMac: string;
  nasId: number | null;
  createdAt: number;
  releasedAt: number | null;
};

type Row = Record<string, unknown>;
/** toBinding returns the BindingRecord of a `device_bindings` row. */
export const toBinding = (r: Row): BindingRecord => ({
  id: r.id as number,
  tokenId: r.token_id as number,
  deviceMac: r.device_mac as string,
  nasId: r.nas_id as number | null,
  createdAt: r.created_at as number,
  releasedAt: r.released_at as number | null,
});

/** createBindingRepo returns the device-binding repository over `db`. */
export function createBindingRepo(db: Db) {
  const live = db.prepare(
    'SELECT * FROM device_bindings WHERE device_mac = ? AND released_at IS NULL',
  );
  const releaseMac = db.prepare(
    'UPDATE device_bindings SET released_at = ? WHERE device_mac = ? AND released_at IS NULL',
  );
  const releaseOf = db.prepare(`UPDATE device_bindings SET released_at = ?
    WHERE token_id = ? AND device_mac = ? AND released_at IS NULL`);
  const insert = db.prepare(
    'INSERT INTO device_bindings (token_id, device_mac, nas_id, created_at) VALUES (?, ?, ?, ?)',
  );
  const ofToken = db.prepare(
    'SELECT * FROM device_bindings WHERE token_id = ? AND released_at IS NULL ORDER BY id',
  );
  return {
    /** findLive returns the live binding of a MAC, or undefined. */
    findLive(mac: string): BindingRecord | undefined {
      const r = live.get(mac) as Row | undefined;
      return r ? toBinding(r) : undefined;
    },
    /** bind binds a MAC to a token, releasing any binding it had, and returns the new id. */
    bind(tokenId: number, mac: string, nasId: number | null, now: number): number {
      releaseMac.run(now, mac);
      return Number(insert.run(tokenId, mac, nasId, now).lastInsertRowid);
    },
    /** release ends a MAC's binding to a token; false when there was none. */
    release(tokenId: number, mac: string, now: number): boolean {
      return releaseOf.run(now, tokenId, mac).changes > 0;
    },
    /** liveOfToken returns a token's live bindings, oldest first. */
    liveOfToken(tokenId: number): BindingRecord[] {
      return (ofToken.all(tokenId) as Row[]).map(toBinding);
    },
  };
}

/** BindingRepo is the device-binding repository's interface. */
export type BindingRepo = ReturnType<typeof createBindingRepo>;
