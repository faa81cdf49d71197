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

  const fit = fitDevice(token, slots, request.mac);
  if (!fit.ok) return { ok: false, reason: 'device-limit' };
  return {
    ok: true,
    sessionTimeout,
    limit: left.limit,
    sameDevice: fit.sameDevice,
    evict: fit.evict,
  };
}

/** DeviceFit is whether a device fits a token's slots, and which slots must make room. */
export type DeviceFit = { ok: false } | { ok: true; sameDevice: boolean; evict: DeviceSlot[] };

/**
 * fitDevice returns whether the device `mac` may hold one of a token's slots besides `slots`:
 * a device that holds one already fits; a new one fits while fewer devices hold slots than
 * the token allows, else it is refused or, under replace-oldest, the oldest devices make room.
 */
export function fitDevice(
  token: Pick<Token, 'maxDevices' | 'whenFull'>,
  slots: readonly DeviceSlot[],
  mac: MacAddress | null,
): DeviceFit {
  const sameDevice = mac !== null && slots.some((s) => s.mac === mac);
  if (sameDevice) return { ok: true, sameDevice, evict: [] };
  const over = deviceCount(slots) - token.maxDevices + 1;
  if (over <= 0) return { ok: true, sameDevice, evict: [] };
  if (token.whenFull === 'refuse') return { ok: false };
  return { ok: true, sameDevice, evict: devicesFrom(slots, over, 'oldest') };
}

/**
 * excessSlots returns the slots of the devices beyond a token's limit (none when they fit):
 * the oldest devices under replace-oldest, which give way to newer ones, else the newest,
 * which should have been refused.
 */
export function excessSlots(
  token: Pick<Token, 'maxDevices' | 'whenFull'>,
  slots: readonly DeviceSlot[],
): DeviceSlot[] {
  const over = deviceCount(slots) - token.maxDevices;
  if (over <= 0) return [];
  return devicesFrom(slots, over, token.whenFull === 'replace-oldest' ? 'oldest' : 'newest');
}

/** deviceKey returns who holds a slot: its MAC, or the slot itself when the MAC is unknown. */
const deviceKey = (s: DeviceSlot, i: number): string => s.mac ?? `#${s.sessionId ?? `i${i}`}`;

/** deviceCount returns how many distinct devices hold `slots`. */
function deviceCount(slots: readonly DeviceSlot[]): number {
  return new Set(slots.map(deviceKey)).size;
}

/** devicesFrom returns every slot of the `count` oldest (or newest) devices holding `slots`. */
function devicesFrom(
  slots: readonly DeviceSlot[],
  count: number,
  end: 'oldest' | 'newest',
): DeviceSlot[] {
  const keyed = slots.map((s, i) => ({ s, key: deviceKey(s, i) }));
  // Among slots taken at the same moment, the later session is the newer one.
  const age = (a: DeviceSlot, b: DeviceSlot) =>
    a.since - b.since || (a.sessionId ?? 0) - (b.sessionId ?? 0);
  keyed.sort((a, b) => (end === 'oldest' ? age(a.s, b.s) : age(b.s, a.s)));
  const picked = new Set<string>();
  for (const { key } of keyed) {
    if (picked.size >= count) break;
    picked.add(key);
  }
  return keyed.filter((k) => picked.has(k.key)).map((k) => k.s);
}
