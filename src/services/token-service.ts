// Creating, listing, changing and deleting tokens: the use cases staff, the CLI, the API and
// bookings share. Validation says what to fix; bulk creation is one transaction.

import { randomBytes } from 'node:crypto';
import { generateCode, normalizeCode } from '../core/code.js';
import { describeToken, formatDateTime } from '../core/describe.js';
import { formatIsoInZone, parseDateTime } from '../core/time.js';
import {
  deriveState,
  minutesLeftOf,
  remainingMs,
  WHEN_FULL,
  type TokenSource,
  type TokenState,
  type WhenFull,
} from '../core/token.js';
import type { Clock } from '../clock.js';
import { badInput, ERROR_CODES, notFound, PorticoError, type FieldError } from '../errors.js';
import type { Store } from '../storage/store.js';
import type {
  NewToken,
  TokenFilter,
  TokenRecord,
  TokenSort,
  TokenUpdate,
} from '../storage/token-repo.js';
import type { UsageEvents } from './usage-events.js';

/** MAX_BULK is the most tokens one bulk request may create. */
export const MAX_BULK = 10_000;

/**
 * TokenInput is what staff type to create tokens. Dates are ISO 8601 strings (wall time in the
 * venue's zone unless they carry an offset) or epoch milliseconds.
 */
export type TokenInput = {
  minutes?: number | string | null;
  validFrom?: string | number | null;
  validUntil?: string | number | null;
  expiresAfterFirstUseMinutes?: number | string | null;
  maxDevices?: number | string | null;
  whenFull?: string | null;
  dataQuotaMb?: number | string | null;
  rateDownKbps?: number | string | null;
  rateUpKbps?: number | string | null;
  description?: string | null;
};

/** TokenView is a token as staff and scripts see it: limits, usage, state and the sentence. */
export type TokenView = {
  id: number;
  code: string;
  state: TokenState;
  minutes: number | null;
  minutesUsed: number;
  minutesLeft: number | null;
  validFrom: number | null;
  validUntil: number | null;
  expiresAfterFirstUseMinutes: number | null;
  firstUsedAt: number | null;
  maxDevices: number;
  whenFull: WhenFull;
  devicesOnline: number;
  dataQuotaBytes: number | null;
  dataUsedBytes: number;
  rateDownKbps: number | null;
  rateUpKbps: number | null;
  description: string;
  batchId: number | null;
  batch: string | null;
  source: TokenSource;
  createdBy: string | null;
  createdAt: number;
  revokedAt: number | null;
  summary: string;
};

const isBlank = (v: unknown) =>
  v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** TokenServiceDeps are what the token service needs. */
export type TokenServiceDeps = {
  store: Store;
  clock: Clock;
  timeZone: () => string;
  codeLength: () => number;
  random?: (n: number) => Uint8Array;
  /** Raises `token.created` in the creating transaction (outgoing webhooks). */
  events?: { emit(type: 'token.created', data: Record<string, unknown>): Promise<unknown> };
  /**
   * Called after a committed change so live sessions follow it (a CoA with the new
   * Session-Timeout, or a Disconnect); `changed` names the limits an update changed.
   */
  onChange?: (tokenId: number, change: TokenChange) => Promise<void>;
  /** Re-arms the once-only webhook events a change of limits makes untrue, in its transaction. */
  usage?: Pick<UsageEvents, 'limitsChanged'>;
};

/** BulkAction is what staff do at once with the tokens they selected. */
export type BulkAction =
  | { kind: 'add-minutes'; minutes: number | string }
  | { kind: 'extend'; validUntil: string }
  | { kind: 'revoke' };

/** TokenChange is what happened to a token, for the hook that reaches its live sessions. */
export type TokenChange =
  | { kind: 'updated'; changed: Array<keyof TokenUpdate> }
  | { kind: 'revoked' }
  | { kind: 'deleted' };

/** createTokenService returns the token use cases over a store. */
export function createTokenService(deps: TokenServiceDeps) {
  const { store, clock } = deps;
  const random = deps.random ?? ((n: number) => randomBytes(n));

  const intField = (
    errors: FieldError[],
    field: string,
    v: unknown,
    min: number,
    max: number,
  ): number | null => {
    if (isBlank(v)) return null;
    // Digits only: Number() would also take `1e3`, `0x10` or `12.0` for a whole number.
    const text = String(v).trim();
    const n = typeof v === 'number' ? v : /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      errors.push({ field, message: `must be a whole number from ${min} to ${max}` });
      return null;
    }
    return n;
  };

  const dateField = (
    errors: FieldError[],
    field: string,
    v: unknown,
    endOfDay: boolean,
  ): number | null => {
    if (isBlank(v)) return null;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    const ms = parseDateTime(String(v), deps.timeZone(), { endOfDay });
    if (ms === undefined) {
      errors.push({
        field,
        message: 'must be an ISO 8601 date or date-time, e.g. 2026-12-03 or 2026-12-03T17:40',
      });
      return null;
    }
    return ms;
  };

  /** validate turns input into token limits or throws PORTICO_BAD_INPUT naming every bad field. */
  const validate = (
    input: TokenInput,
  ): Omit<NewToken, 'code' | 'batchId' | 'source' | 'createdBy' | 'createdAt'> => {
    const errors: FieldError[] = [];
    const minutes = intField(errors, 'minutes', input.minutes, 1, 5_256_000);
    const validFrom = dateField(errors, 'validFrom', input.validFrom, false);
    const validUntil = dateField(errors, 'validUntil', input.validUntil, true);
    const expiresAfterFirstUseMinutes = intField(
      errors,
      'expiresAfterFirstUseMinutes',
      input.expiresAfterFirstUseMinutes,
      1,
      5_256_000,
    );
    const maxDevices = intField(errors, 'maxDevices', input.maxDevices, 1, 1000) ?? 1;
    const dataQuotaMb = intField(errors, 'dataQuotaMb', input.dataQuotaMb, 1, 100_000_000);
    const rateDownKbps = intField(errors, 'rateDownKbps', input.rateDownKbps, 8, 100_000_000);
    const rateUpKbps = intField(errors, 'rateUpKbps', input.rateUpKbps, 8, 100_000_000);
    let whenFull: WhenFull = 'refuse';
    if (!isBlank(input.whenFull)) {
      if ((WHEN_FULL as readonly string[]).includes(String(input.whenFull)))
        whenFull = input.whenFull as WhenFull;
      else errors.push({ field: 'whenFull', message: `must be one of ${WHEN_FULL.join(', ')}` });
    }
    const description = isBlank(input.description) ? '' : String(input.description).trim();
    if (description.length > 500)
      errors.push({ field: 'description', message: 'must be at most 500 characters' });
    if (validFrom !== null && validUntil !== null && validFrom >= validUntil) {
      errors.push({ field: 'validUntil', message: 'must be after valid from' });
    }
    // A minutes value that was given but wrong already has its message; one rule per message.
    const minutesGiven = !isBlank(input.minutes);
    if (
      !minutesGiven &&
      minutes === null &&
      validUntil === null &&
      expiresAfterFirstUseMinutes === null
    ) {
      errors.push({
        field: 'minutes',
        message: 'is required unless the token has a valid-until date or a first-use lifetime',
      });
    }
    if (errors.length > 0) throw badInput(errors);
    return {
      minutes,
      validFrom,
      validUntil,
      expiresAfterFirstUseMinutes,
      maxDevices,
      whenFull,
      dataQuotaBytes: dataQuotaMb === null ? null : dataQuotaMb * 1_000_000,
      rateDownKbps,
      rateUpKbps,
      description,
    };
  };

  const toView = (t: TokenRecord, now: number): TokenView => {
    const left = remainingMs(t, t.usedMs);
    return {
      id: t.id,
      code: t.code,
      state: deriveState(t, t.usedMs, t.liveSessions, now),
      minutes: t.minutes,
      minutesUsed: Math.floor(t.usedMs / 60_000),
      minutesLeft: left === null ? null : minutesLeftOf(left),
      validFrom: t.validFrom,
      validUntil: t.validUntil,
      expiresAfterFirstUseMinutes: t.expiresAfterFirstUseMinutes,
      firstUsedAt: t.firstUsedAt,
      maxDevices: t.maxDevices,
      whenFull: t.whenFull,
      devicesOnline: t.liveSessions,
      dataQuotaBytes: t.dataQuotaBytes,
      dataUsedBytes: t.usedBytes,
      rateDownKbps: t.rateDownKbps,
      rateUpKbps: t.rateUpKbps,
      description: t.description,
      batchId: t.batchId,
      batch: t.batchName,
      source: t.source,
      createdBy: t.createdBy,
      createdAt: t.createdAt,
      revokedAt: t.revokedAt,
      summary: describeToken(t, deps.timeZone(), now),
    };
  };

  const newCode = async (taken: Set<string>): Promise<string> => {
    const length = deps.codeLength();
    for (let attempt = 0; attempt < 50; attempt++) {
      const code = generateCode(length, random);
      if (!taken.has(code) && !(await store.tokens.codeExists(code))) {
        taken.add(code);
        return code;
      }
    }
    throw new PorticoError(
      ERROR_CODES.CODE_SPACE_EXHAUSTED,
      `could not find an unused ${length}-character code; raise PORTICO_CODE_LENGTH`,
    );
  };

  const findOrThrow = async (codeOrId: string | number): Promise<TokenRecord> => {
    const t =
      typeof codeOrId === 'number'
        ? await store.tokens.findById(codeOrId)
        : await store.tokens.findByCode(normalizeCode(codeOrId) ?? '');
    if (!t || t.deletedAt !== null)
      throw notFound(`token ${typeof codeOrId === 'number' ? `#${codeOrId}` : codeOrId}`);
    return t;
  };

  /** uniqueBatchName returns `base`, or `base (2)`, `base (3)`… when a batch has that name. */
  const uniqueBatchName = async (base: string): Promise<string> => {
    let name = base;
    for (let n = 2; await store.tokens.findBatchByName(name); n++) name = `${base} (${n})`;
    return name;
  };

  /** inventedBatchName returns "Bulk 2026-12-04 10:00" in the venue's zone, made unique. */
  const inventedBatchName = (now: number): Promise<string> =>
    uniqueBatchName(`Bulk ${formatIsoInZone(now, deps.timeZone()).slice(0, 16).replace('T', ' ')}`);

  return {
    validate,
    /**
     * create makes `count` tokens with the same limits in one transaction (a batch when
     * count > 1 or a batch name is given) and returns them; nothing is kept if any step fails.
     */
    async create(
      input: TokenInput & {
        count?: number | string;
        batchName?: string | null;
        /** Create it even when its valid-until is already over (a token nobody can use). */
        allowPast?: boolean;
      },
      actor: string,
      source: TokenSource = 'manual',
    ): Promise<{ batchId: number | null; tokens: TokenView[] }> {
      const limits = validate(input);
      // A year typo in a bulk run would otherwise make thousands of dead codes silently.
      if (limits.validUntil !== null && limits.validUntil <= clock.now() && !input.allowPast) {
        throw badInput([
          {
            field: 'validUntil',
            message: `is already over (${formatDateTime(limits.validUntil, deps.timeZone(), clock.now())}): nobody could use this token. Check the date, or confirm that you want it anyway`,
          },
        ]);
      }
      const count = isBlank(input.count) ? 1 : Number(input.count);
      if (!Number.isInteger(count) || count < 1 || count > MAX_BULK) {
        throw badInput([
          { field: 'count', message: `must be a whole number from 1 to ${MAX_BULK}` },
        ]);
      }
      const batchName = isBlank(input.batchName) ? null : String(input.batchName).trim();
      if (batchName !== null && batchName.length > 200) {
        throw badInput([{ field: 'batchName', message: 'must be at most 200 characters' }]);
      }
      const now = clock.now();
      const ids = await store.transaction(async (tx) => {
        // One rule for the form, the API and the CLI: a batch's name is optional (one is made
        // from the time) and never used twice, so a name always finds exactly one batch.
        let batchId: number | null = null;
        if (count > 1 || batchName !== null) {
          // Bookings name their batches after the booking: a second batch for the same
          // booking (more attendees) gets a numbered name rather than an error.
          const automatic = source === 'booking' || source === 'visitor';
          let name = batchName ?? (await inventedBatchName(now));
          if (batchName !== null && automatic) name = await uniqueBatchName(batchName);
          else if (batchName !== null) {
            const taken = await tx.tokens.findBatchByName(batchName);
            if (taken)
              throw badInput([
                {
                  field: 'batchName',
                  message: `is already the name of a batch ("${taken.name}"); choose another, e.g. "${batchName} 2"`,
                },
              ]);
          }
          batchId = await tx.tokens.createBatch(name, source, actor, now);
        }
        const taken = new Set<string>();
        const ids: number[] = [];
        for (let i = 0; i < count; i++) {
          const code = await newCode(taken);
          const id = await tx.tokens.insert({
            ...limits,
            code,
            batchId,
            source,
            createdBy: actor,
            createdAt: now,
          });
          ids.push(id);
          await deps.events?.emit('token.created', {
            token: { id, code, ...limits, batchId, source, createdBy: actor, createdAt: now },
          });
        }
        await tx.audit.record({
          at: now,
          actor,
          action: count > 1 ? 'tokens.bulk_create' : 'token.create',
          targetType: batchId !== null ? 'batch' : 'token',
          targetId: String(batchId ?? ids[0]),
          details: { count, minutes: limits.minutes, source },
        });
        return { batchId, ids };
      });
      const tokens =
        ids.batchId !== null
          ? await store.tokens.listBatch(ids.batchId)
          : await Promise.all(
              ids.ids.map(async (id) => (await store.tokens.findById(id)) as TokenRecord),
            );
      return { batchId: ids.batchId, tokens: tokens.map((t) => toView(t, now)) };
    },
    /** get returns a token by code (as typed) or id; throws PORTICO_NOT_FOUND. */
    async get(codeOrId: string | number): Promise<TokenView> {
      return toView(await findOrThrow(codeOrId), clock.now());
    },
    /** list returns a page of tokens, the total matching, and counts per state. */
    async list(
      filter: TokenFilter,
      page: { sort?: TokenSort; limit?: number; offset?: number } = {},
    ): Promise<{ tokens: TokenView[]; total: number; counts: Record<TokenState, number> }> {
      const now = clock.now();
      const limit = Math.min(Math.max(page.limit ?? 50, 1), 1000);
      const rows = await store.tokens.list(filter, now, {
        sort: page.sort ?? '-created',
        limit,
        offset: page.offset ?? 0,
      });
      const counts = await store.tokens.countByState(filter, now);
      const total = filter.state
        ? counts[filter.state]
        : Object.values(counts).reduce((a, b) => a + b, 0);
      return { tokens: rows.map((t) => toView(t, now)), total, counts };
    },
    /** iterate yields every token matching a filter, for streaming exports. */
    async *iterate(filter: TokenFilter): AsyncGenerator<TokenView> {
      const now = clock.now();
      for await (const t of store.tokens.iterate(filter, now)) yield toView(t, now);
    },
    /** update changes a token's limits (validated like creation) and returns it. */
    async update(
      codeOrId: string | number,
      input: TokenInput & { addMinutes?: number | string },
      actor: string,
    ): Promise<TokenView> {
      const { id } = await findOrThrow(codeOrId);
      const now = clock.now();
      // Read, merged and written under the token's row lock: two staff adding minutes at
      // once (on two nodes) add both, and neither undoes the other's change.
      const { t, changes } = await store.transaction(async (tx) => {
        await tx.tokens.lockForUpdate([id]);
        const t = await findOrThrow(id);
        const merged: TokenInput = {
          minutes: t.minutes,
          validFrom: t.validFrom,
          validUntil: t.validUntil,
          expiresAfterFirstUseMinutes: t.expiresAfterFirstUseMinutes,
          maxDevices: t.maxDevices,
          whenFull: t.whenFull,
          dataQuotaMb: t.dataQuotaBytes === null ? null : Math.round(t.dataQuotaBytes / 1_000_000),
          rateDownKbps: t.rateDownKbps,
          rateUpKbps: t.rateUpKbps,
          description: t.description,
          ...Object.fromEntries(
            Object.entries(input).filter(([k, v]) => v !== undefined && k !== 'addMinutes'),
          ),
        };
        if (!isBlank(input.addMinutes)) {
          const add = Number(input.addMinutes);
          if (!Number.isInteger(add) || add < 1 || add > 5_256_000) {
            throw badInput([
              { field: 'addMinutes', message: 'must be a whole number from 1 to 5256000' },
            ]);
          }
          merged.minutes = (t.minutes ?? 0) + add;
        }
        const limits = validate(merged);
        const changes: TokenUpdate = { ...limits };
        if (input.dataQuotaMb === undefined) changes.dataQuotaBytes = t.dataQuotaBytes;
        await tx.tokens.update(t.id, changes);
        await deps.usage?.limitsChanged(t.id, t, { ...t, ...changes });
        await tx.audit.record({
          at: now,
          actor,
          action: 'token.update',
          targetType: 'token',
          targetId: String(t.id),
          details: { ...input },
        });
        return { t, changes };
      });
      const changed = (Object.keys(changes) as Array<keyof TokenUpdate>).filter(
        (k) => changes[k] !== (t as unknown as Record<string, unknown>)[k],
      );
      if (changed.length > 0) await deps.onChange?.(t.id, { kind: 'updated', changed });
      return this.get(t.id);
    },
    /**
     * bulk adds minutes to, moves the window's end of, or revokes the given tokens in one
     * transaction (a missing token or a bad value changes none of them), then lets each live
     * session follow by CoA or Disconnect; returns how many tokens changed.
     */
    async bulk(
      ids: readonly number[],
      action: BulkAction,
      actor: string,
    ): Promise<{ changed: number }> {
      if (ids.length === 0 || ids.length > MAX_BULK) {
        throw badInput([{ field: 'ids', message: `select from 1 to ${MAX_BULK} tokens` }]);
      }
      const now = clock.now();
      let add = 0;
      let validUntil: number | null = null;
      if (action.kind === 'add-minutes') {
        add = Number(action.minutes);
        if (isBlank(action.minutes) || !Number.isInteger(add) || add < 1 || add > 5_256_000) {
          throw badInput([
            { field: 'addMinutes', message: 'must be a whole number from 1 to 5256000' },
          ]);
        }
      } else if (action.kind === 'extend') {
        validUntil =
          parseDateTime(String(action.validUntil), deps.timeZone(), { endOfDay: true }) ?? null;
        if (validUntil === null) {
          throw badInput([{ field: 'validUntil', message: 'must be a date such as 2026-12-31' }]);
        }
      }
      const changes: Array<[number, TokenChange]> = [];
      await store.transaction(async (tx) => {
        // Every token is locked before any is read, in id order, so two bulk actions over
        // overlapping selections wait for each other instead of deadlocking.
        await tx.tokens.lockForUpdate([...ids].sort((a, b) => a - b));
        for (const id of ids) {
          const t = await findOrThrow(id);
          if (action.kind === 'revoke') {
            if (t.revokedAt !== null) continue;
            await tx.tokens.update(t.id, { revokedAt: now });
            changes.push([t.id, { kind: 'revoked' }]);
            continue;
          }
          const next: TokenUpdate =
            action.kind === 'add-minutes' ? { minutes: (t.minutes ?? 0) + add } : { validUntil };
          if (
            next.validUntil !== undefined &&
            t.validFrom !== null &&
            (next.validUntil ?? Infinity) <= t.validFrom
          ) {
            throw badInput([
              {
                field: 'validUntil',
                message: `must be after the start of token #${t.id}'s window`,
              },
            ]);
          }
          await tx.tokens.update(t.id, next);
          await deps.usage?.limitsChanged(t.id, t, { ...t, ...next });
          changes.push([
            t.id,
            { kind: 'updated', changed: Object.keys(next) as Array<keyof TokenUpdate> },
          ]);
        }
        await tx.audit.record({
          at: now,
          actor,
          action: action.kind === 'revoke' ? 'tokens.revoke' : 'tokens.update',
          targetType: 'token',
          targetId: null,
          details: { ...action, count: changes.length },
        });
      });
      for (const [id, change] of changes) await deps.onChange?.(id, change);
      return { changed: changes.length };
    },
    /** revoke ends a token for good; its live sessions are cut off by the cut-off scheduler. */
    async revoke(codeOrId: string | number, actor: string): Promise<TokenView> {
      const { id } = await findOrThrow(codeOrId);
      const now = clock.now();
      // Under the row lock, so a token revoked twice at once keeps the first revocation time.
      const t = await store.transaction(async (tx) => {
        await tx.tokens.lockForUpdate([id]);
        const t = await findOrThrow(id);
        await tx.tokens.update(t.id, { revokedAt: t.revokedAt ?? now });
        await tx.audit.record({
          at: now,
          actor,
          action: 'token.revoke',
          targetType: 'token',
          targetId: String(t.id),
          details: null,
        });
        return t;
      });
      if (t.revokedAt === null) await deps.onChange?.(t.id, { kind: 'revoked' });
      return this.get(t.id);
    },
    /**
     * remove deletes tokens by code or id (usage history stays for reports) in one transaction
     * and returns the ids deleted; unknown codes are reported in `missing`.
     */
    async remove(
      codesOrIds: Array<string | number>,
      actor: string,
    ): Promise<{ deleted: number[]; missing: string[] }> {
      const now = clock.now();
      const missing: string[] = [];
      const deleted: number[] = [];
      await store.transaction(async (tx) => {
        for (const c of codesOrIds) {
          const t =
            typeof c === 'number'
              ? await tx.tokens.findById(c)
              : await tx.tokens.findByCode(normalizeCode(c) ?? '');
          if (!t || t.deletedAt !== null || !(await tx.tokens.softDelete(t.id, now))) {
            missing.push(String(c));
            continue;
          }
          deleted.push(t.id);
        }
        if (deleted.length > 0) {
          await tx.audit.record({
            at: now,
            actor,
            action: 'tokens.delete',
            targetType: 'token',
            targetId: deleted.join(','),
            details: { count: deleted.length },
          });
        }
      });
      for (const id of deleted) await deps.onChange?.(id, { kind: 'deleted' });
      return { deleted, missing };
    },
  };
}

/** TokenService is the token use cases' interface. */
export type TokenService = ReturnType<typeof createTokenService>;
