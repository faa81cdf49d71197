import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { formatCode } from '../../src/core/code.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';
import { startSmtpServer } from './email-smtp-server.js';

const T0 = Date.UTC(2026, 11, 1, 8, 0);
const config: Config = loadConfig({
  PORTICO_TIMEZONE: 'Europe/Berlin',
  PORTICO_DB: ':memory:',
  PORTICO_PUBLIC_URL: 'https://wifi.venue.test',
});

let db: Db;
let s: Services;
let clock: ReturnType<typeof fixedClock>;
let smtp: Awaited<ReturnType<typeof startSmtpServer>> | undefined;

const useSmtp = (port: number, extra: Record<string, unknown> = {}) =>
  s.bookingSettings.updateEmail(
    { smtpHost: '127.0.0.1', smtpPort: port, smtpTls: 'none', from: 'wifi@venue.test', ...extra },
    'admin',
  );

const book = (id: string, guestName = 'Ada Lovelace', email = 'ada@example.org') =>
  s.bookings.upsert(
    'api',
    id,
    {
      resource: 'Orion',
      start: '2026-12-03T09:00',
      end: '2026-12-03T11:00',
      guestName,
      guestEmail: email,
    },
    'api:test',
  );

beforeEach(async () => {
  db = openDatabase(':memory:');
  clock = fixedClock(T0);
  s = createServices({ db, clock, config });
  await s.settings.update({ spaceName: 'Venue & Co' }, 'admin');
});
afterEach(async () => {
  await s.emails.worker.stop();
  await smtp?.close();
  smtp = undefined;
  db.close();
});

describe('booking confirmation over SMTP', () => {
  it('arrives with the code in the HTML and the text part, values escaped in the HTML', async () => {
    smtp = await startSmtpServer();
    await useSmtp(smtp.port);
    const { booking } = await book('b-1', 'Ada <b>Lovelace</b>');
    const code = booking.tokens[0]!.code;
    expect(booking.emails).toMatchObject([{ status: 'queued', to: 'ada@example.org' }]);

    expect(await s.emails.worker.runOnce()).toBe(1);
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.to).toEqual(['ada@example.org']);
    expect(mail.subject).toBe('Your Wi-Fi access for Orion at Venue & Co');
    expect(mail.html).toContain(formatCode(code));
    expect(mail.html).toContain(`href="https://wifi.venue.test/t/${code}"`);
    expect(mail.html).toContain('Ada &lt;b&gt;Lovelace&lt;/b&gt;');
    expect(mail.html).toContain('Venue &amp; Co');
    expect(mail.html).not.toContain('<b>Lovelace</b>');
    expect(mail.text).toContain(formatCode(code));
    expect(mail.text).toContain(`https://wifi.venue.test/t/${code}`);
    expect(mail.text).toContain('Hello Ada <b>Lovelace</b>,');
    expect(mail.text).toContain('Thu, 3 Dec 2026, 09:00');
    expect(mail.text).toContain('150 minutes');
    expect(mail.text).not.toMatch(/<p>|&lt;/);

    const [row] = await s.emails.forBooking(booking.id);
    expect(row).toMatchObject({ status: 'sent', attempts: 1, sentAt: T0 });
    expect(mail.messageId).toBe(row!.messageId);
    expect(row!.messageId).toMatch(/^<[0-9a-f-]+@wifi\.venue\.test>$/);
    // Sent once: the worker never picks a sent message again.
    expect(await s.emails.worker.runOnce()).toBe(0);
    expect(smtp.received).toHaveLength(1);
  });

  it('delivers every message of a booking burst exactly once through an outage and recovery', async () => {
    smtp = await startSmtpServer();
    await useSmtp(smtp.port);
    smtp.state.mode = 'reject';
    for (let i = 0; i < 12; i++) await book(`burst-${i}`, `Guest ${i}`, `guest${i}@example.org`);

    await s.emails.worker.runOnce();
    let { counts, messages } = await s.emails.list();
    expect(counts).toMatchObject({ retrying: 12, sent: 0 });
    expect(messages[0]!.lastError).toMatch(/^451 /);
    expect(smtp.received).toHaveLength(0);

    // The server goes away entirely: connection refused is retried too.
    const port = smtp.port;
    await smtp.close();
    smtp = undefined;
    clock.advance(60_000);
    await s.emails.worker.runOnce();
    ({ counts, messages } = await s.emails.list());
    expect(counts).toMatchObject({ retrying: 12 });
    expect(messages.every((m) => m.attempts === 2)).toBe(true);
    expect(messages[0]!.lastError).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);

    // Back-off: nothing is tried again before it is due.
    clock.advance(60_000);
    expect(await s.emails.worker.runOnce()).toBe(0);

    smtp = await startSmtpServer();
    expect(smtp.port).not.toBe(0);
    await useSmtp(smtp.port);
    clock.advance(60_000);
    await s.emails.worker.runOnce();
    ({ counts } = await s.emails.list());
    expect(counts).toMatchObject({ sent: 12, retrying: 0, failed: 0, queued: 0 });
    expect(smtp.received).toHaveLength(12);
    const perId = smtp.countByMessageId();
    expect(perId.size).toBe(12);
    expect([...perId.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(smtp.received.map((m) => m.to[0])).size).toBe(12);
    expect(port).toBeGreaterThan(0);

    clock.advance(3_600_000);
    expect(await s.emails.worker.runOnce()).toBe(0);
    expect(smtp.received).toHaveLength(12);
  });

  it('marks a message failed after the set number of attempts and sends it when staff retry', async () => {
    smtp = await startSmtpServer();
    await useSmtp(smtp.port, { maxAttempts: 3 });
    smtp.state.mode = 'reject';
    const { booking } = await book('b-fail');
    for (let i = 0; i < 3; i++) {
      await s.emails.worker.runOnce();
      clock.advance(3_600_000);
    }
    const [m] = await s.emails.forBooking(booking.id);
    expect(m).toMatchObject({ status: 'failed', attempts: 3 });
    expect(m!.lastError).toContain('451');
    expect(await s.emails.worker.runOnce()).toBe(0);

    smtp.state.mode = 'accept';
    expect(await s.emails.retry(m!.id, 'admin')).toBe(true);
    await s.emails.worker.runOnce();
    expect((await s.emails.forBooking(booking.id))[0]).toMatchObject({ status: 'sent' });
    expect(smtp.received).toHaveLength(1);
  });

  it('keeps mail queued while no SMTP server is set, and sends it once one is', async () => {
    const { booking } = await book('b-nosmtp');
    await s.emails.worker.runOnce();
    expect((await s.emails.forBooking(booking.id))[0]).toMatchObject({
      status: 'retrying',
      lastError: 'no SMTP server is set',
    });
    smtp = await startSmtpServer();
    await useSmtp(smtp.port);
    clock.advance(60_000);
    await s.emails.worker.runOnce();
    expect(smtp.received).toHaveLength(1);
  });

  it('never returns the SMTP password to a page, and keeps it when a form leaves it blank', async () => {
    await s.bookingSettings.updateEmail(
      { smtpUser: 'mailer', smtpPassword: 's3cret-pass' },
      'admin',
    );
    expect(JSON.stringify(s.bookingSettings.emailView())).not.toContain('s3cret-pass');
    expect((await s.bookingSettings.emailView()).smtpPasswordSet).toBe(true);
    await s.bookingSettings.updateEmail({ smtpPassword: '' }, 'admin');
    expect((await s.bookingSettings.email()).smtpPassword).toBe('s3cret-pass');
    await s.bookingSettings.updateEmail({ smtpPassword: '', clearPassword: 'on' }, 'admin');
    expect((await s.bookingSettings.email()).smtpPassword).toBeNull();
    const audit = JSON.stringify(s.store.audit.list(50));
    expect(audit).not.toContain('s3cret-pass');
  });
});

describe('e-mail templates', () => {
  it('reports unknown placeholders by name when saved, and saves nothing', async () => {
    await expect(
      s.bookingSettings.updateEmail(
        { bookingHtml: '<p>{accesscode} {guest_name} {wifi}</p>', bookingSubject: 'Hi {nme}' },
        'admin',
      ),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'PORTICO_BAD_INPUT',
        fields: [
          expect.objectContaining({
            field: 'bookingSubject',
            message: expect.stringContaining('{nme}'),
          }),
          expect.objectContaining({
            field: 'bookingHtml',
            message: expect.stringMatching(/\{guest_name\}, \{wifi\}/),
          }),
        ],
      }),
    );
    expect((await s.bookingSettings.email()).bookingHtml).not.toContain('{wifi}');
  });

  it('previews a draft with sample values, escaped in HTML', async () => {
    const p = await s.emails.preview('booking', {
      subject: 'Code {accesscode}',
      html: '<h1>{spacename}</h1><p>Hi {guestname}, <a href="{accesscode_link}">connect</a></p>',
    });
    expect(p.subject).toBe('Code 7KQ4-M2XD');
    expect(p.html).toContain('<h1>Portico Coworking</h1>');
    expect(p.text).toContain('connect (https://wifi.example.org/t/7KQ4M2XD)');
  });

  it('uses a saved template for the next booking', async () => {
    smtp = await startSmtpServer();
    await useSmtp(smtp.port);
    await s.bookingSettings.updateEmail(
      {
        bookingSubject: 'Wi-Fi {accesscode}',
        bookingHtml: '<p>Code: {accesscode} ({minutes} min)</p>',
      },
      'admin',
    );
    const { booking } = await book('b-tpl');
    await s.emails.worker.runOnce();
    const code = formatCode(booking.tokens[0]!.code);
    expect(smtp.received[0]).toMatchObject({ subject: `Wi-Fi ${code}` });
    expect(smtp.received[0]!.text).toBe(`Code: ${code} (150 min)`);
  });
});
