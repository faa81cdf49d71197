import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createServices, type Services } from '../../src/services/services.js';
import { verifySignature } from '../../src/services/webhook-signature.js';
import { WEBHOOK_MAX_ATTEMPTS } from '../../src/services/webhook-service.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

const T0 = Date.UTC(2026, 11, 3, 8, 0);
const config: Config = loadConfig({ PORTICO_TIMEZONE: 'Europe/Berlin', PORTICO_DB: ':memory:' });

type Received = { headers: IncomingMessage['headers']; body: string };

/** startReceiver serves POSTs on loopback, answering each with the next status in `plan`. */
async function startReceiver(plan: number[]) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = plan[received.length - 1] ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let db: Db;
let s: Services;
let clock: ReturnType<typeof fixedClock>;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

beforeEach(() => {
  db = openDatabase(':memory:');
  clock = fixedClock(T0);
  s = createServices({ db, clock, config });
});
afterEach(async () => {
  await s.webhooks.worker.stop();
  await receiver?.close();
  receiver = undefined;
  db.close();
});

describe('outgoing webhooks', () => {
  it('delivers token.created signed, after a receiver that fails twice, and logs every attempt', async () => {
    receiver = await startReceiver([500, 503, 204]);
    const { webhook, secret } = await s.webhooks.register(
      {
        url: receiver.url,
        events: ['token.created', 'session.started'],
        allowPrivateNetwork: true,
      },
      'alice',
    );
    const { tokens } = await s.tokens.create({ minutes: 60 }, 'alice');
    const code = tokens[0]!.code;

    expect(await s.webhooks.worker.runOnce()).toBe(1);
    let [d] = await s.webhooks.deliveries({ webhookId: webhook.id });
    expect(d).toMatchObject({ status: 'retrying', attempts: 1, lastStatusCode: 500 });

    // Not due yet: nothing is sent before the back-off has passed.
    expect(await s.webhooks.worker.runOnce()).toBe(0);
    expect(receiver.received).toHaveLength(1);

    clock.advance(30_000);
    await s.webhooks.worker.runOnce();
    [d] = await s.webhooks.deliveries({ webhookId: webhook.id });
    expect(d).toMatchObject({ status: 'retrying', attempts: 2, lastStatusCode: 503 });

    clock.advance(30_000); // the second back-off is 60 s
    expect(await s.webhooks.worker.runOnce()).toBe(0);
    clock.advance(30_000);
    await s.webhooks.worker.runOnce();
    [d] = await s.webhooks.deliveries({ webhookId: webhook.id });
    expect(d).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 204 });
    expect(d!.deliveredAt).toBe(clock.now());

    // The same event each time: same body, same delivery id, each signed at its own time.
    expect(receiver.received).toHaveLength(3);
    const bodies = new Set(receiver.received.map((r) => r.body));
    expect(bodies.size).toBe(1);
    const ids = new Set(receiver.received.map((r) => r.headers['x-portico-delivery']));
    expect(ids.size).toBe(1);
    const last = receiver.received[2]!;
    expect(last.headers['x-portico-event']).toBe('token.created');
    const check = verifySignature(
      last.headers['x-portico-signature'] as string,
      last.body,
      secret,
      clock.now(),
    );
    expect(check.ok).toBe(true);
    expect(
      verifySignature(
        last.headers['x-portico-signature'] as string,
        last.body,
        'whsec_other',
        clock.now(),
      ).ok,
    ).toBe(false);
    const event = JSON.parse(last.body) as {
      type: string;
      data: { token: { code: string; minutes: number } };
    };
    expect(event.type).toBe('token.created');
    expect(event.data.token).toMatchObject({ code, minutes: 60, source: 'manual' });

    const log = await s.webhooks.attempts(d!.id);
    expect(log.map((a) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 503],
      [3, 204],
    ]);
    expect(log.map((a) => a.at)).toEqual([T0, T0 + 30_000, T0 + 90_000]);
  });

  it('queues nothing for receivers of other events or paused ones, and nothing when the change rolls back', async () => {
    receiver = await startReceiver([]);
    const other = await s.webhooks.register(
      { url: receiver.url, events: 'session.stopped', allowPrivateNetwork: true },
      'alice',
    );
    const paused = await s.webhooks.register(
      { url: receiver.url, events: ['token.created'], allowPrivateNetwork: true },
      'alice',
    );
    await s.webhooks.setEnabled(paused.webhook.id, false, 'alice');
    await s.tokens.create({ minutes: 30 }, 'alice');
    expect(await s.webhooks.deliveries()).toHaveLength(0);

    await s.webhooks.setEnabled(paused.webhook.id, true, 'alice');
    await expect(
      s.store.transaction(async () => {
        await s.tokens.create({ minutes: 30 }, 'alice');
        throw new Error('booking failed');
      }),
    ).rejects.toThrow('booking failed');
    expect(await s.webhooks.deliveries()).toHaveLength(0);
    expect(other.webhook.events).toEqual(['session.stopped']);
  });

  it('marks a delivery failed after the last attempt, with the error, and a refused connection counts', async () => {
    receiver = await startReceiver([]);
    const url = receiver.url;
    await receiver.close();
    receiver = undefined;
    await s.webhooks.register(
      { url, events: ['token.created'], allowPrivateNetwork: true },
      'alice',
    );
    await s.tokens.create({ minutes: 30 }, 'alice');
    for (let i = 0; i < WEBHOOK_MAX_ATTEMPTS; i++) {
      await s.webhooks.worker.runOnce();
      clock.advance(3_600_000);
    }
    const [d] = await s.webhooks.deliveries();
    expect(d).toMatchObject({
      status: 'failed',
      attempts: WEBHOOK_MAX_ATTEMPTS,
      lastStatusCode: null,
    });
    expect(d!.lastError).toBeTruthy();
    expect(await s.webhooks.worker.runOnce()).toBe(0);
  });

  it('refuses a receiver with a bad URL or unknown event, naming the fields', async () => {
    await expect(
      s.webhooks.register({ url: 'ftp://x', events: ['token.nope'] }, 'alice'),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'PORTICO_BAD_INPUT',
        fields: [
          expect.objectContaining({ field: 'url' }),
          expect.objectContaining({
            field: 'events',
            message: expect.stringContaining('token.nope'),
          }),
        ],
      }),
    );
  });

  it('delivers in the background once started, woken by the event', async () => {
    receiver = await startReceiver([200]);
    await s.webhooks.register(
      { url: receiver.url, events: ['token.created'], allowPrivateNetwork: true },
      'alice',
    );
    s.webhooks.worker.start();
    await s.tokens.create({ minutes: 30 }, 'alice');
    const deadline = Date.now() + 5000;
    while (receiver.received.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(receiver.received).toHaveLength(1);
  });
});
