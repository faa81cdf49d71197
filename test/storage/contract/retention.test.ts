import { describe, expect, it } from 'vitest';
import {
  insertDeliveryRows,
  insertEmailRow,
  insertRow,
  onBoth,
  seedTokens,
  sortBy,
  T0,
  type Side,
} from './both.js';

const DAY = 86_400_000;
const OLD = T0 - 100 * DAY;
const CUTOFF = T0 - 30 * DAY;

/** seed writes tokens and sessions old and new, with what hangs off them. */
async function seed(side: Side): Promise<void> {
  await seedTokens(side, [
    { revoked_at: OLD }, // 1: ended long ago, nothing open
    { valid_until: OLD, deleted_at: OLD + 1 }, // 2: ended, has an old closed session
    { first_used_at: OLD, expires_after_first_use_minutes: 60 }, // 3: lifetime ran out
    {}, // 4: still running
    { revoked_at: OLD }, // 5: ended, but a booking points at it
    { revoked_at: OLD }, // 6: ended, but a session is live
  ]);
  const session = (id: number, tokenId: number, status: string, extra: Record<string, unknown>) =>
    insertRow(side, 'sessions', {
      id,
      token_id: tokenId,
      status,
      class: `c-${id}`,
      reserved_at: OLD,
      ...extra,
    });
  await session(1, 2, 'closed', {
    started_at: OLD + 1000,
    stopped_at: OLD + 61_000,
    last_seen_at: OLD + 61_000,
    session_seconds: 60,
    input_octets: 1000,
    output_octets: 5000,
  });
  await session(2, 3, 'closed', {
    started_at: OLD + 2 * DAY,
    stopped_at: OLD + 2 * DAY + 120_000,
    last_seen_at: OLD + 2 * DAY + 120_000,
    session_seconds: 120,
    input_octets: 7,
    output_octets: 9,
  });
  await session(3, 4, 'closed', {}); // lapsed reservation, never started
  await session(4, 4, 'closed', { reserved_at: T0 - DAY }); // recent lapsed reservation
  await session(5, 4, 'closed', {
    started_at: T0 - DAY,
    stopped_at: T0 - DAY + 30_000,
    last_seen_at: T0 - DAY + 30_000,
    session_seconds: 30,
    input_octets: 1,
    output_octets: 2,
  });
  await session(6, 6, 'live', { started_at: T0 - 1000, last_seen_at: T0 });
  await insertRow(side, 'coa_jobs', {
    id: 1,
    session_id: 1,
    kind: 'disconnect',
    reason: 'expired',
    created_at: OLD + 2000,
  });
  for (const [id, at] of [
    [1, OLD],
    [2, OLD + 1],
    [3, T0],
  ] as const)
    await insertRow(side, 'audit_log', { id, at, actor: 'admin', action: 'x' });
  for (const [id, status, sentAt] of [
    [1, 'sent', OLD],
    [2, 'sent', T0],
    [3, 'failed', null],
  ] as const)
    await insertEmailRow(side, id, status, OLD, { sent_at: sentAt });
  await insertDeliveryRows(side, OLD, [
    ['delivered', OLD],
    ['delivered', T0],
    ['queued', null],
  ]);
  await insertRow(side, 'webhook_attempts', {
    id: 1,
    delivery_id: 1,
    attempt: 1,
    at: OLD,
    duration_ms: 3,
  });
  await insertRow(side, 'token_coverage', { token_id: 1, start_at: OLD, end_at: OLD + 10 });
  await insertRow(side, 'device_bindings', {
    id: 1,
    token_id: 1,
    device_mac: 'aa:bb',
    created_at: OLD,
  });
  for (const subject of ['token:1', 'token:1/s1', 'token:10', 'token:2'])
    await insertRow(side, 'event_marks', { event: 'token.expired', subject, at: OLD });
  await insertRow(side, 'bookings', {
    id: 1,
    kind: 'booking',
    origin: 'api',
    external_id: 'b',
    start_at: OLD,
    end_at: OLD + 1,
    created_at: OLD,
    updated_at: OLD,
  });
  await insertRow(side, 'booking_tokens', { booking_id: 1, token_id: 5 });
}

describe('retention repository', () => {
  it('finds and deletes what is older than the cut-off in chunks, as SQLite does', async () => {
    const out = await onBoth(async (side) => {
      await seed(side);
      const r = side.store.retention;
      const oldClosed = await r.oldClosedSessions(CUTOFF, 10);
      const oldClosedOne = await r.oldClosedSessions(CUTOFF, 1);
      const lapsed = await r.oldLapsedReservations(CUTOFF, 10);
      const ofToken = sortBy(await r.sessionsOfToken(4), (x) => x.id);
      await r.addUsageDay({
        day: '2026-08-23',
        sessions: 1,
        seconds: 60,
        inputOctets: 1000,
        outputOctets: 5000,
      });
      await r.addUsageDay({
        day: '2026-08-23',
        sessions: 2,
        seconds: 5,
        inputOctets: 1,
        outputOctets: 1,
      });
      await r.addUsageDay({
        day: '2026-08-25',
        sessions: 1,
        seconds: 120,
        inputOctets: 7,
        outputOctets: 9,
      });
      const startedBefore: unknown[] = [];
      for await (const s of r.startedSessions()) startedBefore.push(s);
      const paged: unknown[] = [];
      for await (const s of r.startedSessions(2)) paged.push(s);
      for (const s of oldClosed) await r.deleteSession(s.id);
      for (const id of lapsed) await r.deleteSession(id);
      const audit = [
        await r.deleteAudit(CUTOFF, 1),
        await r.deleteAudit(CUTOFF, 10),
        await r.deleteAudit(CUTOFF, 10),
      ];
      const emails = [await r.deleteSentEmails(CUTOFF, 10), await r.deleteSentEmails(CUTOFF, 10)];
      const hooks = [
        await r.deleteDeliveredWebhooks(CUTOFF, 10),
        await r.deleteDeliveredWebhooks(CUTOFF, 10),
      ];
      const ended = sortBy(await r.endedTokens(CUTOFF, 10));
      const endedOne = (await r.endedTokens(CUTOFF, 1)).length;
      for (const id of ended) await r.deleteToken(id);
      const left = async (table: string, col = 'id') =>
        (
          (await side.sql(`SELECT ${col} AS v FROM ${table} ORDER BY ${col}`)) as Array<{
            v: unknown;
          }>
        ).map((x) => x.v);
      return {
        oldClosed,
        oldClosedOne,
        lapsed: sortBy(lapsed),
        ofToken,
        startedBefore,
        paged,
        audit,
        emails,
        hooks,
        ended,
        endedOne,
        days: await r.usageDays(),
        sessionsLeft: await left('sessions'),
        jobsLeft: await left('coa_jobs'),
        auditLeft: await left('audit_log'),
        emailsLeft: await left('email_outbox'),
        deliveriesLeft: await left('webhook_deliveries'),
        attemptsLeft: await left('webhook_attempts'),
        tokensLeft: await left('tokens'),
        coverageLeft: await left('token_coverage', 'token_id'),
        bindingsLeft: await left('device_bindings'),
        marksLeft: await left('event_marks', 'subject'),
      };
    });
    expect(out.oldClosed.map((s) => s.id)).toEqual([1, 2]);
    expect(out.oldClosed[0]).toEqual({
      id: 1,
      startedAt: OLD + 1000,
      seconds: 60,
      inputOctets: 1000,
      outputOctets: 5000,
    });
    expect(out.oldClosedOne.map((s) => s.id)).toEqual([1]);
    expect(out.lapsed).toEqual([3]);
    expect(out.ofToken.map((s) => s.id)).toEqual([3, 4, 5]);
    expect(out.startedBefore.map((s) => (s as { id: number }).id)).toEqual([1, 2, 5, 6]);
    expect(out.paged).toEqual(out.startedBefore);
    expect(out.audit).toEqual([1, 1, 0]);
    expect(out.emails).toEqual([1, 0]);
    expect(out.hooks).toEqual([1, 0]);
    expect(out.ended).toEqual([1, 2, 3]);
    expect(out.endedOne).toBe(1);
    expect(out.days).toEqual([
      { day: '2026-08-23', sessions: 3, seconds: 65, inputOctets: 1001, outputOctets: 5001 },
      { day: '2026-08-25', sessions: 1, seconds: 120, inputOctets: 7, outputOctets: 9 },
    ]);
    expect(out.sessionsLeft).toEqual([4, 5, 6]);
    expect(out.jobsLeft).toEqual([]);
    expect(out.auditLeft).toEqual([3]);
    expect(out.emailsLeft).toEqual([2, 3]);
    expect(out.deliveriesLeft).toEqual([2, 3]);
    expect(out.attemptsLeft).toEqual([]);
    expect(out.tokensLeft).toEqual([4, 5, 6]);
    expect(out.coverageLeft).toEqual([]);
    expect(out.bindingsLeft).toEqual([]);
    expect(out.marksLeft).toEqual(['token:10']);
  });
});
