// Two Portico nodes, each with its own webhook worker, on one database and one receiver:
// every event reaches the receiver once, and a delivery the dead node had claimed is
// delivered by the survivor after the lease.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openTwoNodes, type TwoNodes } from './two-nodes.js';

const T0 = Date.UTC(2026, 11, 3, 8, 0);
const config = loadConfig({ PORTICO_TIMEZONE: 'Europe/Berlin', PORTICO_DB: ':memory:' });

let nodes: TwoNodes | undefined;
let services: Services[] = [];
let server: Server | undefined;
afterEach(async () => {
  for (const s of services) await s.webhooks.worker.stop();
  services = [];
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await nodes?.close();
  nodes = undefined;
});

/** setup returns two nodes' services and a loopback receiver counting deliveries by id. */
async function setup(clock: ReturnType<typeof fixedClock>) {
  nodes = await openTwoNodes();
  const [a, b] = nodes.stores.map((store, i) =>
    createServices({ store, clock, config, nodeId: `node-${'ab'[i]}` }),
  ) as [Services, Services];
  services = [a, b];
  const perDelivery = new Map<string, number>();
  server = createServer((req, res) => {
    const id = String(req.headers['x-portico-delivery']);
    perDelivery.set(id, (perDelivery.get(id) ?? 0) + 1);
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await a.webhooks.register(
    { url: `http://127.0.0.1:${port}/hook`, events: ['token.created'], allowPrivateNetwork: true },
    'alice',
  );
  return { a, b, perDelivery };
}

describe('two nodes delivering one webhook outbox', () => {
  it('delivers every event once while both workers drain at the same time', async () => {
    const clock = fixedClock(T0);
    const { a, b, perDelivery } = await setup(clock);
    for (let i = 0; i < 10; i++)
      await (i % 2 ? a : b).tokens.create({ minutes: 60, count: 3 }, 'alice');
    const [na, nb] = await Promise.all([a.webhooks.worker.runOnce(), b.webhooks.worker.runOnce()]);
    expect(na + nb).toBe(30);
    expect(perDelivery.size).toBe(30);
    expect([...perDelivery.values()].filter((n) => n !== 1)).toEqual([]);
    clock.advance(3_600_000);
    expect(await a.webhooks.worker.runOnce()).toBe(0);
    expect(await b.webhooks.worker.runOnce()).toBe(0);
  });

  it('delivers an event claimed by a node that died, once, after its lease', async () => {
    const clock = fixedClock(T0);
    const { a, b, perDelivery } = await setup(clock);
    await a.tokens.create({ minutes: 60 }, 'alice');
    const id = await nodes!.stores[0].webhooks.queue.claimNext(clock.now(), 60_000, 'node-a');
    expect(id).not.toBeNull();
    expect(await b.webhooks.worker.runOnce()).toBe(0);
    clock.advance(10 * 60_000);
    expect(await b.webhooks.worker.runOnce()).toBe(1);
    expect([...perDelivery.values()]).toEqual([1]);
    expect(await nodes!.stores[1].webhooks.findDelivery(id!)).toMatchObject({
      status: 'delivered',
      attempts: 2,
    });
    clock.advance(3_600_000);
    expect(await a.webhooks.worker.runOnce()).toBe(0);
    expect([...perDelivery.values()]).toEqual([1]);
  });
});
