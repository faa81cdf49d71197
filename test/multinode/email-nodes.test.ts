// Two Portico nodes, each with its own e-mail worker, on one database and one SMTP server:
// every confirmation of a booking burst reaches the server once, and a message the dead node
// had claimed is sent by the survivor after the lease.

import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createServices, type Services } from '../../src/services/services.js';
import { startSmtpServer } from '../services/email-smtp-server.js';
import { openTwoNodes, type TwoNodes } from './two-nodes.js';

const T0 = Date.UTC(2026, 11, 1, 8, 0);
const config = loadConfig({
  PORTICO_TIMEZONE: 'Europe/Berlin',
  PORTICO_DB: ':memory:',
  PORTICO_PUBLIC_URL: 'https://wifi.venue.test',
});

let nodes: TwoNodes | undefined;
let smtp: Awaited<ReturnType<typeof startSmtpServer>> | undefined;
let services: Services[] = [];
afterEach(async () => {
  for (const s of services) await s.emails.worker.stop();
  services = [];
  await smtp?.close();
  smtp = undefined;
  await nodes?.close();
  nodes = undefined;
});

/** twoNodes returns the services of two nodes sharing a clock, with SMTP set up. */
async function twoNodes(clock: ReturnType<typeof fixedClock>): Promise<[Services, Services]> {
  nodes = await openTwoNodes();
  const [a, b] = nodes.stores.map((store, i) =>
    createServices({ store, clock, config, nodeId: `node-${'ab'[i]}` }),
  ) as [Services, Services];
  services = [a, b];
  smtp = await startSmtpServer();
  await a.bookingSettings.updateEmail(
    { smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpTls: 'none', from: 'wifi@venue.test' },
    'admin',
  );
  return [a, b];
}

const book = (s: Services, i: number) =>
  s.bookings.upsert(
    'api',
    `burst-${i}`,
    {
      resource: 'Orion',
      start: '2026-12-03T09:00',
      end: '2026-12-03T11:00',
      guestName: `Guest ${i}`,
      guestEmail: `guest${i}@example.org`,
    },
    'api:test',
  );

describe('two nodes sending one e-mail outbox', () => {
  it('sends every message of a burst once while both workers drain at the same time', async () => {
    const clock = fixedClock(T0);
    const [a, b] = await twoNodes(clock);
    for (let i = 0; i < 30; i++) await book(i % 2 ? a : b, i);
    const [na, nb] = await Promise.all([a.emails.worker.runOnce(), b.emails.worker.runOnce()]);
    expect(na + nb).toBe(30);
    const { counts } = await b.emails.list();
    expect(counts).toMatchObject({ sent: 30, sending: 0, queued: 0, retrying: 0 });
    const perId = smtp!.countByMessageId();
    expect(perId.size).toBe(30);
    expect([...perId.values()].filter((n) => n !== 1)).toEqual([]);
    clock.advance(3_600_000);
    expect(await a.emails.worker.runOnce()).toBe(0);
    expect(await b.emails.worker.runOnce()).toBe(0);
    expect(smtp!.received).toHaveLength(30);
  });

  it('sends a message claimed by a node that died, once, after its lease', async () => {
    const clock = fixedClock(T0);
    const [a, b] = await twoNodes(clock);
    await book(a, 1);
    // node-a takes the message and dies before sending (the process is gone, its claim stays).
    const id = await nodes!.stores[0].emails.claimNext(clock.now(), 120_000, 'node-a');
    expect(id).not.toBeNull();
    expect(await b.emails.worker.runOnce()).toBe(0);
    clock.advance(119_999);
    expect(await b.emails.worker.runOnce()).toBe(0);
    clock.advance(1);
    expect(await b.emails.worker.runOnce()).toBe(1);
    expect(smtp!.received).toHaveLength(1);
    const m = await nodes!.stores[1].emails.findById(id!);
    expect(m).toMatchObject({ status: 'sent', attempts: 2 });
    clock.advance(3_600_000);
    expect(await a.emails.worker.runOnce()).toBe(0);
    expect(smtp!.received).toHaveLength(1);
  });
});
