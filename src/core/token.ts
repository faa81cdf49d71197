// A token and the limits it carries. Whichever limit comes first ends access; the state a
// token is in is always derived from its limits, its usage and the clock, never stored.

/** WhenFull says what happens when a token's devices are all online and another one asks. */
export const WHEN_FULL = ['refuse', 'replace-oldest'] as const;
export type WhenFull = (typeof WHEN_FULL)[number];

/** TOKEN_SOURCES are the ways a token comes to exist. */
export const TOKEN_SOURCES = ['manual', 'bulk', 'booking', 'api', 'import', 'visitor'] as const;
export type TokenSource = (typeof TOKEN_SOURCES)[number];

/** TOKEN_STATES are the states a token can be in, from `deriveState`. */
export const TOKEN_STATES = [
  'scheduled',
  'unused',
  'active',
  'online',
  'depleted',
  'expired',
  'revoked',
] as const;
export type TokenState = (typeof TOKEN_STATES)[number];

/** TokenLimits are what staff set on a token; null means "no such limit". */
export type TokenLimits = {
  /** Online-time budget in minutes, metered while at least one device is online. */
  minutes: number | null;
  validFrom: number | null;
  validUntil: number | null;
  /** Wall-clock lifetime that starts at the first login, in minutes. */
  expiresAfterFirstUseMinutes: number | null;
  maxDevices: number;
  whenFull: WhenFull;
  dataQuotaBytes: number | null;
  rateDownKbps: number | null;
  rateUpKbps: number | null;
};

/** TokenUsage is what accounting has recorded against a token. */
export type TokenUsage = {
  /** Charged online time in ms: the measure of the union of its sessions' intervals. */
  usedMs: number;
  usedBytes: number;
  firstUsedAt: number | null;
  revokedAt: number | null;
};

/** Token is a token's limits and usage as the rules need them. */
export type Token = TokenLimits & TokenUsage & { id: number; code: string };

/** firstUseDeadline returns when a first-use lifetime ends, or null when none applies yet. */
export function firstUseDeadline(t: TokenLimits & Pick<TokenUsage, 'firstUsedAt'>): number | null {
  if (t.expiresAfterFirstUseMinutes === null || t.firstUsedAt === null) return null;
  return t.firstUsedAt + t.expiresAfterFirstUseMinutes * 60_000;
}

/**
 * MIN_USABLE_MS is the least online time a token can still be used for: a Session-Timeout is
 * whole seconds, so with less than a second left the router could not be told when to stop.
 */
export const MIN_USABLE_MS = 1000;

/**
 * remainingMs returns the online time left in ms (0 when less than MIN_USABLE_MS is left, so
 * that every reader agrees with the access decision), or null when minutes are unlimited.
 */
export function remainingMs(t: Pick<TokenLimits, 'minutes'>, usedMs: number): number | null {
  if (t.minutes === null) return null;
  const left = t.minutes * 60_000 - usedMs;
  return left < MIN_USABLE_MS ? 0 : left;
}

/**
 * minutesLeftOf returns online time left as the whole minutes staff and scripts see, rounded
 * up so that a fresh token shows all its minutes and only a used-up one shows 0.
 */
export function minutesLeftOf(leftMs: number): number {
  return Math.ceil(leftMs / 60_000);
}

/** LOW_BALANCE_MS is the online time left below which a token is running low. */
export const LOW_BALANCE_MS = 5 * 60_000;
/** LOW_BALANCE_SHARE is the share of its minutes left below which a token is running low. */
export const LOW_BALANCE_SHARE = 0.1;

/**
 * isLowBalance returns true when a token with minutes has some left, but under five minutes
 * or under a tenth of them; tokens without minutes never run low.
 */
export function isLowBalance(t: Pick<TokenLimits, 'minutes'>, usedMs: number): boolean {
  const left = remainingMs(t, usedMs);
  if (left === null || left <= 0) return false;
  return left < LOW_BALANCE_MS || left < (t.minutes ?? 0) * 60_000 * LOW_BALANCE_SHARE;
}

/** LimitKind says which limit ended or will end a token. */
export type LimitKind = 'minutes' | 'valid-until' | 'first-use' | 'data' | 'revoked';

/**
 * deriveState returns a token's state at `now`, given the online time used so far (including
 * time live sessions have used but accounting has not reported) and how many devices are on.
 */
export function deriveState(
  t: Token,
  usedMs: number,
  devicesOnline: number,
  now: number,
): TokenState {
  if (t.revokedAt !== null) return 'revoked';
  if (t.validFrom !== null && now < t.validFrom) return 'scheduled';
  if (t.validUntil !== null && now >= t.validUntil) return 'expired';
  const deadline = firstUseDeadline(t);
  if (deadline !== null && now >= deadline) return 'expired';
  if (remainingMs(t, usedMs) === 0) return 'depleted';
  if (t.dataQuotaBytes !== null && t.usedBytes >= t.dataQuotaBytes) return 'depleted';
  if (devicesOnline > 0) return 'online';
  return t.firstUsedAt !== null ? 'active' : 'unused';
}

/**
 * timeLeft returns the milliseconds until the first time limit ends access if a device is
 * online from `now` on, and which limit that is; `ms` is null when no time limit applies.
 */
export function timeLeft(
  t: Token,
  usedMs: number,
  now: number,
): { ms: number | null; limit: LimitKind | null } {
  const firstUsedAt = t.firstUsedAt ?? now;
  const candidates: Array<[number, LimitKind]> = [];
  const left = remainingMs(t, usedMs);
  if (left !== null) candidates.push([left, 'minutes']);
  if (t.validUntil !== null) candidates.push([t.validUntil - now, 'valid-until']);
  const deadline = firstUseDeadline({ ...t, firstUsedAt });
  if (deadline !== null) candidates.push([deadline - now, 'first-use']);
  if (candidates.length === 0) return { ms: null, limit: null };
  candidates.sort((a, b) => a[0] - b[0]);
  const [ms, limit] = candidates[0] as [number, LimitKind];
  return { ms: Math.max(0, ms), limit };
}
