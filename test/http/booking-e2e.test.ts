// The running server end to end: Portico started as `portico serve` starts it, a booking
// system posts a booking over HTTP, and the background workers deliver the confirmation to a
// real SMTP server and the token.created event to a webhook receiver, both on loopback.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startPortico, type Running } from '../../src/main.js';
import { startSmtpServer } from '../services/email-smtp-server.js';

let dir: string;
let portico: Running;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let hooks: Server;
const hookBodies: string[] = [];

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portico-booking-e2e-'));
  smtp = await startSmtpServer();
  hookBodies.length = 0;
  hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      hookBodies.push(body);
      res.end();
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  portico = await startPortico(
    loadConfig({
      PORTICO_DB: join(dir, 'portico.db'),
      PORTICO_HTTP_PORT: '0',
      PORTICO_RADIUS_AUTH_PORT: '0',
      PORTICO_RADIUS_ACCT_PORT: '0',
      PORTICO_TIMEZONE: 'Europe/Berlin',
      PORTICO_ADMIN_PASSWORD: 'admin-password-1',
    }),
    { logger: pino({ level: 'silent' }) },
  );
});
afterEach(async () => {
  await portico.close();
  await smtp.close();
  await new Promise<void>((r) => {
    hooks.closeAllConnections();
    hooks.close(() => r());
  });
  rmSync(dir, { recursive: true, force: true });
});

describe('booking confirmation from a running Portico', () => {
  it('e-mails the code and raises token.created without anyone running a worker by hand', async () => {
    const s = portico.services;
    await s.bookingSettings.updateEmail(
      { smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpTls: 'none', from: 'wifi@venue.test' },
      'test',
    );
    await s.webhooks.register(
      {
        url: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/`,
        events: ['token.created'],
        allowPrivateNetwork: true,
      },
      'test',
    );
    const key = (await s.apiKeys.create({ name: 'rooms', role: 'staff' }, 'test')).key;
    const res = await fetch(`${portico.httpUrl}/api/v1/bookings/e2e-1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        resource: 'Orion',
        start: '2030-01-10T09:00',
        end: '2030-01-10T10:00',
        guestName: 'Ada',
        guestEmail: 'ada@example.org',
      }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { accessCode: string; accessCodeLink: string };

    await waitFor(() => smtp.received.length === 1 && hookBodies.length === 1);
    const mail = smtp.received[0]!;
    expect(mail.html).toContain(body.accessCode);
    expect(mail.text).toContain(body.accessCode);
    expect(mail.text).toContain(body.accessCodeLink);
    expect(JSON.parse(hookBodies[0]!)).toMatchObject({
      type: 'token.created',
      data: { token: { code: body.accessCode.replace('-', ''), source: 'booking' } },
    });
    // The outbox marks the message sent after the SMTP server has it: wait for that commit.
    await waitFor(async () => (await s.emails.list()).counts.sent >= 1);
    expect((await s.emails.list()).counts.sent).toBe(1);
  });
});
