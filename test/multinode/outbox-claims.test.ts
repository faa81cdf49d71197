// Two nodes draining one outbox: each row is claimed by exactly one of them, a row whose
// node died is taken over once its lease runs out, and a sent row is never handed out again.
// On PostgreSQL the nodes are two pools on one database; on SQLite two connections to one
// file, where the write lock does what FOR UPDATE SKIP LOCKED does on PostgreSQL.

import { afterEach, describe, expect, it } from 'vitest';
import type { NewEmail } from '../../src/storage/outbox-repo.js';
import type { Store } from '../../src/storage/store.js';
import { openTwoNodes, type TwoNodes } from './two-nodes.js';

const T0 = Date.UTC(2026, 11, 1, 8, 0);
const LEASE = 60_000;

const mail = (n: number): NewEmail => ({
  messageId: `<m${n}@venue.test>`,
  kind: 'booking',
  bookingId: null,
  to: `guest${n}@example.org`,
  subject: 's',
  html: 'h',
  text: 't',
});

let nodes: TwoNodes;
afterEach(() => nodes.close());

describe('two nodes on one e-mail outbox', () => {
  it('claims every due row exactly once while both drain it at the same time', async () => {
    nodes = await openTwoNodes();
    const [a, b] = nodes.stores;
    const ids: number[] = [];
    for (let n = 0; n < 200; n++) ids.push(await a.emails.enqueue(mail(n), T0));
    const claimedBy = new Map<number, string[]>();
    // Four claimers per node, each claiming and finishing until nothing is due.
    const drain = async (store: Store, node: string) => {
      for (let i = 0; i < 1000; i++) {
        const id = await store.emails.claimNext(T0 + 1000, LEASE, node);
        if (id === null) return;
        claimedBy.set(id, [...(claimedBy.get(id) ?? []), node]);
        await store.emails.finish(id, T0 + 2000);
      }
    };
    await Promise.all([
      ...[1, 2, 3, 4].map(() => drain(a, 'node-a')),
      ...[1, 2, 3, 4].map(() => drain(b, 'node-b')),
    ]);
    expect([...claimedBy.keys()].sort((x, y) => x - y)).toEqual(ids);
    const twice = [...claimedBy].filter(([, nodes]) => nodes.length !== 1);
    expect(twice).toEqual([]);
    const counts = await b.emails.countByStatus();
    expect(counts).toEqual({ queued: 0, sending: 0, sent: 200, retrying: 0, failed: 0 });
    const byNode = new Set([...claimedBy.values()].map((nodes) => nodes[0]));
    // Not required by correctness, but shows both really took part.
    expect(byNode.size).toBe(2);
    for (const id of ids) expect((await a.emails.findById(id))?.attempts).toBe(1);
  });

  it('lets the other node retake a claim whose lease ran out, and never hands out a sent row', async () => {
    nodes = await openTwoNodes();
    const [a, b] = nodes.stores;
    const id = await a.emails.enqueue(mail(1), T0);
    expect(await a.emails.claimNext(T0, LEASE, 'node-a')).toBe(id);
    // node-a "dies" holding the row: until the lease ends, node-b finds nothing.
    expect(await b.emails.claimNext(T0 + LEASE - 1, LEASE, 'node-b')).toBeNull();
    expect(await b.emails.nextDueAt()).toBe(T0 + LEASE);
    expect(await b.emails.claimNext(T0 + LEASE, LEASE, 'node-b')).toBe(id);
    // node-a comes back late and fails: the row stays node-b's.
    await a.emails.retry(id, T0 + LEASE + 1, 'late', T0 + LEASE + 2, 'node-a');
    expect(await a.emails.findById(id)).toMatchObject({ status: 'sending', attempts: 2 });
    expect(await a.emails.claimNext(T0 + LEASE + 10, LEASE, 'node-a')).toBeNull();
    await b.emails.finish(id, T0 + LEASE + 20);
    expect(await a.emails.claimNext(T0 + 100 * LEASE, LEASE, 'node-a')).toBeNull();
    expect(await b.emails.claimNext(T0 + 100 * LEASE, LEASE, 'node-b')).toBeNull();
    expect(await a.emails.findById(id)).toMatchObject({ status: 'sent', sentAt: T0 + LEASE + 20 });
  });

  it('retakes the rows of a node that died mid-drain, each by exactly one survivor claim', async () => {
    nodes = await openTwoNodes();
    const [a, b] = nodes.stores;
    for (let n = 0; n < 20; n++) await a.emails.enqueue(mail(n), T0);
    // node-a claims ten and dies; node-b drains the rest now and node-a's ten after the lease.
    const held: number[] = [];
    for (let i = 0; i < 10; i++) held.push((await a.emails.claimNext(T0, LEASE, 'node-a'))!);
    const now: number[] = [];
    for (let id = await b.emails.claimNext(T0, LEASE, 'node-b'); id !== null;) {
      now.push(id);
      await b.emails.finish(id, T0);
      id = await b.emails.claimNext(T0, LEASE, 'node-b');
    }
    expect(now).toHaveLength(10);
    expect(now.filter((id) => held.includes(id))).toEqual([]);
    const later: number[] = [];
    const after = T0 + LEASE;
    await Promise.all(
      [b, b, a].map(async (store, i) => {
        for (;;) {
          const id = await store.emails.claimNext(after, LEASE, i === 2 ? 'node-a2' : 'node-b');
          if (id === null) return;
          later.push(id);
          await store.emails.finish(id, after);
        }
      }),
    );
    expect(later.sort((x, y) => x - y)).toEqual(held.sort((x, y) => x - y));
    expect(await a.emails.countByStatus()).toMatchObject({ sent: 20, sending: 0 });
  });
});

describe('two nodes on one webhook outbox', () => {
  it('claims every delivery exactly once while both drain it at the same time', async () => {
    nodes = await openTwoNodes();
    const [a, b] = nodes.stores;
    const hook = await a.webhooks.insert(
      {
        url: 'https://x.example/hook',
        events: ['token.depleted'],
        secret: 's',
        description: '',
        allowPrivateNetwork: false,
        createdBy: null,
      },
      T0,
    );
    for (let n = 0; n < 100; n++)
      await a.webhooks.enqueue(hook, `e${n}`, 'token.depleted', '{}', T0);
    const claimed: number[] = [];
    const drain = async (store: Store, node: string) => {
      for (;;) {
        const id = await store.webhooks.queue.claimNext(T0, LEASE, node);
        if (id === null) return;
        claimed.push(id);
        await store.webhooks.queue.finish(id, T0);
      }
    };
    await Promise.all([drain(a, 'a'), drain(a, 'a'), drain(b, 'b'), drain(b, 'b')]);
    expect(claimed).toHaveLength(100);
    expect(new Set(claimed).size).toBe(100);
    expect(await b.webhooks.countDeliveriesByStatus()).toMatchObject({ delivered: 100 });
  });
});
