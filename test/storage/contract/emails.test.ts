import { describe, expect, it } from 'vitest';
import type { NewEmail } from '../../../src/storage/outbox-repo.js';
import { onBoth, T0 } from './both.js';

const mail = (n: number, bookingId: number | null): NewEmail => ({
  messageId: `<m${n}@venue.test>`,
  kind: 'booking',
  bookingId,
  to: `guest${n}@example.org`,
  subject: `Your Wi-Fi code ${n}`,
  html: `<p>${n}</p>`,
  text: String(n),
});

describe('e-mail outbox repository', () => {
  it('queues, claims under a lease, finishes, retries and requeues as SQLite does', async () => {
    const out = await onBoth(async ({ store }) => {
      const e = store.emails;
      const booking = await store.bookings.insert(
        {
          kind: 'booking',
          origin: 'api',
          externalId: 'b-1',
          createdBy: null,
          resource: '',
          startAt: T0,
          endAt: T0 + 1,
          guestName: 'Ada',
          guestEmail: null,
          attendees: 1,
          guests: [],
        },
        T0,
      );
      const idle = await e.nextDueAt();
      const m1 = await e.enqueue(mail(1, booking), T0);
      const m2 = await e.enqueue(mail(2, null), T0 + 10);
      const m3 = await e.enqueue(mail(3, booking), T0 + 20);
      const due = await e.dueIds(T0 + 10, 10);
      const dueLimited = await e.dueIds(T0 + 100, 2);
      // By id (as the staff tests do) and the next due one, each under a node's name.
      const byId = await e.claim(m2, T0 + 100, 60_000, 'node-a');
      const byIdAgain = await e.claim(m2, T0 + 100, 60_000, 'node-b');
      const next1 = await e.claimNext(T0 + 100, 60_000, 'node-a');
      const next2 = await e.claimNext(T0 + 100, 60_000, 'node-b');
      const next3 = await e.claimNext(T0 + 100, 60_000, 'node-b');
      const whileLeased = await e.nextDueAt();
      // node-b does not release node-a's claim; node-a does.
      await e.retry(m1, T0 + 200, 'not mine', T0 + 300, 'node-b');
      const afterForeignRetry = await e.findById(m1);
      await e.retry(m1, T0 + 200, 'x'.repeat(2000), T0 + 60_200, 'node-a');
      const retried = await e.findById(m1);
      await e.finish(m3, T0 + 300);
      const finishedTwice = (await e.finish(m3, T0 + 400), await e.findById(m3));
      // node-a dies holding m2: after its lease the row is due again and another node takes it.
      const beforeExpiry = await e.claimNext(T0 + 60_099, 60_000, 'node-c');
      const retaken = await e.claimNext(T0 + 60_100, 60_000, 'node-c');
      const retakenRow = await e.findById(m2);
      // The late node-a cannot put it back under node-c's feet, but the work counts as done.
      await e.retry(m2, T0 + 60_150, 'late', null, 'node-a');
      const stillC = (await e.findById(m2))?.status;
      await e.finish(m2, T0 + 60_200);
      // m1 fails for good, then staff requeue it.
      await e.claimNext(T0 + 60_200, 60_000, 'node-c');
      await e.retry(m1, T0 + 60_300, 'refused', null, 'node-c');
      const failed = await e.findById(m1);
      // Sent and failed rows are never handed out again, however late it gets.
      const sentNotAgain = await e.claimNext(T0 + 10_000_000, 60_000, 'node-c');
      const sentNotById = await e.claim(m3, T0 + 10_000_000, 60_000, 'node-c');
      const requeued = await e.requeue(m1, T0 + 70_000);
      const requeuedAgain = await e.requeue(m1, T0 + 70_000);
      return {
        idle,
        ids: [m1, m2, m3],
        due,
        dueLimited,
        byId,
        byIdAgain,
        next: [next1, next2, next3],
        whileLeased,
        afterForeignRetry,
        retried,
        finishedTwice,
        beforeExpiry,
        retaken,
        retakenRow,
        stillC,
        sentNotAgain,
        sentNotById,
        failed,
        requeued,
        requeuedAgain,
        afterRequeue: await e.findById(m1),
        nextDue: await e.nextDueAt(),
        forBooking: await e.listForBooking(booking),
        list: await e.list({ limit: 10 }),
        listSent: await e.list({ status: 'sent', limit: 10 }),
        listPage: await e.list({ limit: 1, offset: 1 }),
        counts: await e.countByStatus(),
        missing: await e.findById(999),
      };
    });
    const [m1, m2, m3] = out.ids;
    expect(out.idle).toBeNull();
    expect(out.due).toEqual([m1, m2]);
    expect(out.dueLimited).toEqual([m1, m2]);
    expect([out.byId, out.byIdAgain]).toEqual([true, false]);
    expect(out.next).toEqual([m1, m3, null]);
    expect(out.whileLeased).toBe(T0 + 60_100);
    expect(out.afterForeignRetry).toMatchObject({ status: 'sending', lastError: null });
    expect(out.retried).toMatchObject({
      status: 'retrying',
      attempts: 1,
      nextAttemptAt: T0 + 60_200,
    });
    expect(out.retried?.lastError).toHaveLength(1000);
    expect(out.finishedTwice).toMatchObject({ status: 'sent', sentAt: T0 + 300, lastError: null });
    expect(out.beforeExpiry).toBeNull();
    expect(out.retaken).toBe(m2);
    expect(out.retakenRow).toMatchObject({ status: 'sending', attempts: 2 });
    expect(out.stillC).toBe('sending');
    expect(out.sentNotAgain).toBeNull();
    expect(out.sentNotById).toBe(false);
    expect(out.failed).toMatchObject({ status: 'failed', lastError: 'refused', attempts: 2 });
    expect([out.requeued, out.requeuedAgain]).toEqual([true, false]);
    expect(out.afterRequeue).toMatchObject({
      status: 'retrying',
      attempts: 0,
      nextAttemptAt: T0 + 70_000,
    });
    expect(out.nextDue).toBe(T0 + 70_000);
    expect(out.forBooking.map((m) => m.id)).toEqual([m1, m3]);
    expect(out.list.map((m) => m.id)).toEqual([m3, m2, m1]);
    expect(out.listSent.map((m) => m.id)).toEqual([m3, m2]);
    expect(out.listPage.map((m) => m.id)).toEqual([m2]);
    expect(out.counts).toEqual({ queued: 0, sending: 0, sent: 2, retrying: 1, failed: 0 });
    expect(out.missing).toBeUndefined();
  });
});
