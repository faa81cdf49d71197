import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

const NOW = Date.parse('2026-12-04T10:00:00Z');
const DAY = 86_400_000;
let dir: string;
let db: Db;
let s: Services;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-retention-'));
  db = openDatabase(join(dir, 'p.db'));
  s = createServices({
    db,
    clock: fixedClock(NOW),
    config: loadConfig({ PORTICO_TIMEZONE: 'Europe/Berlin' }),
  });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

let sessionNo = 0;
/** session stores a session of `tokenId` that started `daysAgo` and ran `seconds`. */
function session(tokenId: number, daysAgo: number, seconds: number, status = 'closed') {
  const started = NOW - daysAgo * DAY;
  const stopped = status === 'closed' ? started + seconds * 1000 : null;
  const n = ++sessionNo;
  const id = Number(
    db
      .prepare(
        `INSERT INTO sessions (token_id, status, class, acct_session_id, device_mac, reserved_at,
         started_at, last_seen_at, updated_at, stopped_at, session_seconds, input_octets, output_octets)
         VALUES (?, ?, ?, ?, '02-00-00-00-00-01', ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        tokenId,
        status,
        `c${n}`,
        `a${n}`,
        started,
        started,
        started + seconds * 1000,
        started + seconds * 1000,
        stopped,
        seconds,
        seconds * 10,
        seconds * 100,
      ).lastInsertRowid,
  );
  db.prepare(
    "INSERT INTO coa_jobs (session_id, kind, reason, state, created_at, finished_at) VALUES (?, 'disconnect', 'test', 'ack', ?, ?)",
  ).run(id, started, started);
  return id;
}

function count(table: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

async function seed() {
  const [keep, revoked] = (await s.tokens.create({ minutes: '600', count: '2' }, 'test', 'bulk'))
    .tokens;
  db.prepare('UPDATE tokens SET used_ms = 123000, used_bytes = 4567 WHERE id = ?').run(keep!.id);
  db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ?').run(NOW - 400 * DAY, revoked!.id);
  session(keep!.id, 500, 600);
  session(keep!.id, 500, 60);
  session(keep!.id, 400, 300);
  session(keep!.id, 10, 120);
  session(keep!.id, 0, 30, 'live');
  session(revoked!.id, 401, 90);
  const audit = db.prepare(
    "INSERT INTO audit_log (at, actor, action, details) VALUES (?, 'test', 'x', '{}')",
  );
  audit.run(NOW - 800 * DAY);
  audit.run(NOW - 10 * DAY);
  const email = db.prepare(
    `INSERT INTO email_outbox (message_id, kind, to_address, subject, html, text, status,
     next_attempt_at, created_at, updated_at, sent_at) VALUES (?, 'test', 'a@example.org', 's', 'h', 't', ?, 0, 0, 0, ?)`,
  );
  email.run('m1', 'sent', NOW - 100 * DAY);
  email.run('m2', 'sent', NOW - 10 * DAY);
  email.run('m3', 'failed', null);
  const hook = Number(
    db
      .prepare(
        "INSERT INTO webhooks (url, events, secret, created_at) VALUES ('https://example.org/h', '[]', 'x', 0)",
      )
      .run().lastInsertRowid,
  );
  const delivery = db.prepare(
    `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload, status,
     next_attempt_at, created_at, delivered_at) VALUES (?, ?, 'token.created', '{}', 'delivered', 0, 0, ?)`,
  );
  const old = Number(delivery.run(hook, 'e1', NOW - 100 * DAY).lastInsertRowid);
  delivery.run(hook, 'e2', NOW - 1 * DAY);
  db.prepare(
    'INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, duration_ms) VALUES (?, 1, 0, 200, 5)',
  ).run(old);
  return { keep: keep!, revoked: revoked! };
}

describe('retention', () => {
  it('removes what is older than the settings and keeps usage per day and per token', async () => {
    const { keep, revoked } = await seed();
    const before = await s.retention.usageByDay();
    expect(before.reduce((n, d) => n + d.sessions, 0)).toBe(6);

    const r = await s.retention.run();
    expect(r.error).toBeNull();
    // 3 sessions of the kept token older than 365 days, and the revoked token's one.
    expect(r.removed).toEqual({ sessions: 4, audit: 1, emails: 1, webhooks: 1, tokens: 1 });
    expect(count('sessions')).toBe(2);
    expect(count('coa_jobs')).toBe(2);
    expect(count('email_outbox')).toBe(2);
    expect(count('webhook_attempts')).toBe(0);
    expect(await s.store.tokens.findById(revoked.id)).toBeUndefined();
    const kept = (await s.store.tokens.findById(keep.id))!;
    expect([kept.usedMs, kept.usedBytes]).toEqual([123000, 4567]);

    expect(await s.retention.usageByDay()).toEqual(before);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(await s.retention.lastRun()).toEqual(r);
    expect(
      db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'retention.run'").get(),
    ).toEqual({ n: 1 });

    // A second run finds nothing more and the totals still match.
    const again = await s.retention.run();
    expect(again.removed).toEqual({ sessions: 0, audit: 0, emails: 0, webhooks: 0, tokens: 0 });
    expect(await s.retention.usageByDay()).toEqual(before);
  });

  it('keeps everything when the settings say 0', async () => {
    await seed();
    await s.settings.update(
      {
        retainSessionsDays: '0',
        retainAuditDays: '0',
        retainOutboxDays: '0',
        retainTokensDays: '0',
      },
      'test',
    );
    const r = await s.retention.run();
    expect(r.removed).toEqual({ sessions: 0, audit: 0, emails: 0, webhooks: 0, tokens: 0 });
    expect(count('sessions')).toBe(6);
  });

  it('refuses retention settings out of range', async () => {
    await expect(s.settings.update({ retainAuditDays: '-1' }, 'test')).rejects.toThrow(
      expect.objectContaining({ code: 'PORTICO_BAD_INPUT' }),
    );
    await expect(s.settings.update({ retainTokensDays: '4000' }, 'test')).rejects.toThrow(
      expect.objectContaining({ code: 'PORTICO_BAD_INPUT' }),
    );
  });
});
