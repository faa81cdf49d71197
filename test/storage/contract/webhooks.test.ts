import { describe, expect, it } from 'vitest';
import { onBoth, T0 } from './both.js';

const hook = (url: string, events: string[], allowPrivateNetwork = false) => ({
  url,
  events,
  secret: `secret-${url.length}`,
  description: `to ${url}`,
  allowPrivateNetwork,
  createdBy: 'admin',
});

describe('webhook repository', () => {
  it('registers receivers, queues each event once, logs attempts and remembers signatures as SQLite does', async () => {
    const out = await onBoth(async ({ store, sql }) => {
      const w = store.webhooks;
      const a = await w.insert(
        hook('https://a.example/hook', ['booking.created', 'token.depleted']),
        T0,
      );
      const b = await w.insert(hook('http://10.0.0.5/hook', ['token.depleted'], true), T0);
      const c = await w.insert(hook('https://c.example/hook', ['session.stopped']), T0);
      const subsBefore = await w.subscribers('token.depleted');
      const disabled = await w.setDisabled(b, T0 + 1);
      const disabledMissing = await w.setDisabled(999, T0 + 1);
      const subsAfter = await w.subscribers('token.depleted');
      const subsNone = await w.subscribers('token');
      await w.setDisabled(b, null);
      await w.enqueue(a, 'evt-1', 'booking.created', '{"n":1}', T0);
      await w.enqueue(a, 'evt-1', 'booking.created', '{"n":"again"}', T0 + 5);
      await w.enqueue(b, 'evt-1', 'token.depleted', '{"n":2}', T0 + 10);
      await w.enqueue(c, 'evt-2', 'session.stopped', '{"n":3}', T0 + 20);
      const q = w.queue;
      const due = await q.dueIds(T0 + 10, 10);
      const first = await q.claimNext(T0 + 100, 30_000, 'node-a');
      const second = await q.claimNext(T0 + 100, 30_000, 'node-b');
      const claimById = await q.claim(3, T0 + 100, 30_000, 'node-a');
      const claimAgain = await q.claim(3, T0 + 100, 30_000, 'node-b');
      const nothing = await q.claimNext(T0 + 100, 30_000, 'node-b');
      const leaseEnd = await q.nextDueAt();
      const d1 = await w.findDelivery(first!);
      await w.logAttempt({
        deliveryId: first!,
        attempt: 1,
        at: T0 + 150,
        statusCode: 200,
        error: null,
        durationMs: 12,
      });
      await q.finish(first!, T0 + 150);
      await w.logAttempt({
        deliveryId: second!,
        attempt: 1,
        at: T0 + 160,
        statusCode: null,
        error: 'timed out',
        durationMs: 10_000,
      });
      await q.retry(second!, T0 + 160, 'timed out', T0 + 60_160, 'node-b');
      await w.logAttempt({
        deliveryId: second!,
        attempt: 1,
        at: T0 + 170,
        statusCode: 503,
        error: 'HTTP 503',
        durationMs: 5,
      });
      const counts = await w.countDeliveriesByStatus();
      const listAll = await w.listDeliveries({ limit: 10 });
      const listA = await w.listDeliveries({ webhookId: a, limit: 10 });
      const listOne = await w.listDeliveries({ limit: 1 });
      const log2 = await w.attempts(second!);
      const fresh = await w.rememberSignature('sig-1', T0, T0 - 60_000);
      const replay = await w.rememberSignature('sig-1', T0 + 1000, T0 - 60_000);
      // Once the memory has forgotten it, the same signature is new again.
      const forgotten = await w.rememberSignature('sig-1', T0 + 400_000, T0 + 300_000);
      const removed = await w.remove(b);
      const removedAgain = await w.remove(b);
      const orphanAttempts = await sql(
        'SELECT COUNT(*) AS n FROM webhook_attempts WHERE delivery_id = ?',
        [second],
      );
      return {
        ids: [a, b, c],
        subsBefore,
        disabled,
        disabledMissing,
        subsAfter,
        subsNone,
        due,
        claims: [first, second, claimById, claimAgain, nothing],
        leaseEnd,
        d1,
        counts,
        listAll,
        listA,
        listOne,
        log2,
        signatures: [fresh, replay, forgotten],
        removed,
        removedAgain,
        orphanAttempts: Number((orphanAttempts as Array<{ n: number }>)[0]!.n),
        afterRemove: await w.findDelivery(second!),
        receivers: await w.list(),
        missing: await w.findById(b),
        one: await w.findById(a),
      };
    });
    const [a, b, c] = out.ids;
    expect(out.subsBefore).toEqual([a, b]);
    expect([out.disabled, out.disabledMissing]).toEqual([true, false]);
    expect(out.subsAfter).toEqual([a]);
    expect(out.subsNone).toEqual([]);
    expect(out.due).toEqual([1, 2]);
    expect(out.claims).toEqual([1, 2, true, false, null]);
    expect(out.leaseEnd).toBe(T0 + 30_100);
    expect(out.d1).toMatchObject({
      webhookId: a,
      url: 'https://a.example/hook',
      payload: '{"n":1}',
      status: 'sending',
      attempts: 1,
      allowPrivateNetwork: false,
    });
    expect(out.counts).toEqual({ queued: 0, sending: 1, delivered: 1, retrying: 1, failed: 0 });
    expect(out.listAll.map((d) => [d.id, d.status, d.lastStatusCode])).toEqual([
      [3, 'sending', null],
      [2, 'retrying', 503],
      [1, 'delivered', 200],
    ]);
    expect(out.listAll[1]).toMatchObject({ allowPrivateNetwork: true, lastError: 'timed out' });
    expect(out.listA.map((d) => d.id)).toEqual([1]);
    expect(out.listOne.map((d) => d.id)).toEqual([3]);
    expect(out.log2).toEqual([
      {
        deliveryId: 2,
        attempt: 1,
        at: T0 + 160,
        statusCode: null,
        error: 'timed out',
        durationMs: 10_000,
      },
      {
        deliveryId: 2,
        attempt: 1,
        at: T0 + 170,
        statusCode: 503,
        error: 'HTTP 503',
        durationMs: 5,
      },
    ]);
    expect(out.signatures).toEqual([true, false, true]);
    expect([out.removed, out.removedAgain]).toEqual([true, false]);
    expect(out.orphanAttempts).toBe(0);
    expect(out.afterRemove).toBeUndefined();
    expect(out.receivers.map((r) => [r.id, r.events])).toEqual([
      [a, ['booking.created', 'token.depleted']],
      [c, ['session.stopped']],
    ]);
    expect(out.missing).toBeUndefined();
    expect(out.one).toMatchObject({
      secret: 'secret-22',
      description: 'to https://a.example/hook',
      disabledAt: null,
    });
  });
});
