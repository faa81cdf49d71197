// Leases on named background work. Taking or renewing one is a single statement that both
// backends run the same way: insert the lease, or take over the existing row only when it
// has expired or is already ours; the row that comes back says who holds it now.

import type { Db } from './database.js';

/** LeaseRecord is who holds a lease, and until when (ms). */
export type LeaseRecord = { name: string; holder: string; expiresAt: number };

/** LEASE_ACQUIRE_SQL is the portable acquire-or-renew statement (`?` placeholders, in order: name, holder, expires, now). */
export const LEASE_ACQUIRE_SQL = `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
  ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
  WHERE leases.expires_at < ? OR leases.holder = excluded.holder
  RETURNING holder`;

/** createLeaseRepo returns the lease repository over `db`. */
export function createLeaseRepo(db: Db) {
  const acquire = db.prepare(LEASE_ACQUIRE_SQL);
  const release = db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?');
  const find = db.prepare('SELECT name, holder, expires_at FROM leases WHERE name = ?');

  return {
    /**
     * acquire takes the lease `name` for `holder` until `expiresAt`, or renews it when the
     * holder already has it, and returns true; it returns false while another holder's lease
     * lasts (its `expires_at` is not before `now`).
     */
    acquire(name: string, holder: string, now: number, expiresAt: number): boolean {
      return acquire.get(name, holder, expiresAt, now) !== undefined;
    },
    /** release gives the lease up when `holder` has it; returns whether it did. */
    release(name: string, holder: string): boolean {
      return release.run(name, holder).changes === 1;
    },
    /** find returns the lease `name` as stored (expired or not), or undefined. */
    find(name: string): LeaseRecord | undefined {
      const r = find.get(name) as Record<string, unknown> | undefined;
      return r && toLease(r);
    },
  };
}

/** toLease maps a leases row (either backend) to a LeaseRecord. */
export function toLease(r: Record<string, unknown>): LeaseRecord {
  return { name: r.name as string, holder: r.holder as string, expiresAt: r.expires_at as number };
}
