// The access decision. Rejections are values with a reason, not exceptions: "device limit
// reached" is an ordinary outcome that the router, the splash page and staff each word
// their own way.

import type { MacAddress } from './mac.js';
import { deriveState, timeLeft, type LimitKind, type Token } from './token.js';

/** REJECT_REASONS are why a device is refused. */
export const REJECT_REASONS = [
  'unknown',
  'not-yet-valid',
  'expired',
  'depleted',
  'revoked',
  'device-limit',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** DeviceSlot is a device holding one of a token's slots: online, or accepted and awaited. */
export type DeviceSlot = { mac: MacAddress | null; since: number; sessionId: number | null };

/** AuthorizeRequest is what a router asks: this device, on this token, now. */
export type AuthorizeRequest = { mac: MacAddress | null; now: number };

/** Decision is the outcome of `authorize`. */
export type Decision =
  | {
      ok: true;
      /** Seconds until the first limit; null when the token has no time limit. */
      sessionTimeout: number | null;
      limit: LimitKind | null;
      /** True when this device already holds a slot (re-auth, roaming): no new slot used. */
      sameDevice: boolean;
      /** Slots to free by disconnecting them, oldest first (the replace-oldest policy). */
      evict: DeviceSlot[];
    }
  | { ok: false; reason: RejectReason };

/**
 * authorize returns whether `request` may go online on `token` (undefined: no such code) given
 * the slots its devices hold and the online time used so far (including unreported time of
 * live sessions), and if so the Session-Timeout that the first limit sets.
 */
export function authorize(
  token: Token | undefined,
  slots: readonly DeviceSlot[],
  usedMs: number,
  request: AuthorizeRequest,
): Decision {
  if (!token) return { ok: false, reason: 'unknown' };
  const { now } = request;
  const state = deriveState(token, usedMs, 0, now);
  if (state === 'revoked') return { ok: false, reason: 'revoked' };
  if (state === 'scheduled') return { ok: false, reason: 'not-yet-valid' };
  if (state === 'expired') return { ok: false, reason: 'expired' };
  if (state === 'depleted') return { ok: false, reason: 'depleted' };

  const left = timeLeft(token, usedMs, now);
  // A budget with less than a second left cannot be expressed as a Session-Timeout.
  if (left.ms !== null && left.ms < 1000) {
    return { ok: false, reason: left.limit === 'minutes' ? 'depleted' : 'expired' };
  }
  const sessionTimeout = left.ms === null ? null : Math.floor(left.ms / 1000);

  const sameDevice = request.mac !== null && slots.some((s) => s.mac === request.mac);
  const distinct = new Set(slots.map((s, i) => s.mac ?? `#${i}`));
  let evict: DeviceSlot[] = [];
  if (!sameDevice && distinct.size >= token.maxDevices) {
    if (token.whenFull === 'refuse') return { ok: false, reason: 'device-limit' };
    const byAge = [...slots].sort((a, b) => a.since - b.since);
    const over = distinct.size - token.maxDevices + 1;
    const evictMacs = new Set<string>();
    for (const s of byAge) {
      if (evictMacs.size >= over) break;
      evictMacs.add(s.mac ?? `#${slots.indexOf(s)}`);
    }
    evict = byAge.filter((s) => evictMacs.has(s.mac ?? `#${slots.indexOf(s)}`));
  }
  return { ok: true, sessionTimeout, limit: left.limit, sameDevice, evict };
}
