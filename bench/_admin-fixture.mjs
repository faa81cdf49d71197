// Shared set-up for the dashboard benchmarks: a database file with 100,000 tokens in ten
// batches, in every state, and a signed-in admin session for requests.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { fixedClock } from '../dist/clock.js';
import { loadConfig } from '../dist/config.js';
import { buildApp } from '../dist/http/app.js';
import { createServices } from '../dist/services/services.js';
import { openDatabase } from '../dist/storage/database.js';

/** NOW is the benchmark's fixed clock: 1 December 2026, 10:00 UTC. */
export const NOW = Date.parse('2026-12-01T10:00:00Z');

/**
 * seededAdmin returns an app over `total` tokens (10,000 a batch) in a mix of states, with
 * an admin signed in: `cookie` is the session cookie for requests.
 */
export async function seededAdmin(total = 100_000) {
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-admin-'));
  const db = openDatabase(join(dir, 'portico.db'));
  const clock = fixedClock(NOW);
  const config = loadConfig({ PORTICO_DB: join(dir, 'portico.db'), PORTICO_TIMEZONE: 'UTC' });
  const services = createServices({ db, clock, config });
  for (let b = 0; b < total / 10_000; b++) {
    await services.tokens.create(
      {
        minutes: 60 + b * 30,
        count: 10_000,
        batchName: `Event ${b + 1}`,
        description: `desk ${b}`,
      },
      'bench',
    );
  }
  // A mix of states, set in SQL the way accounting and staff would have left them.
  db.exec(`
    UPDATE tokens SET revoked_at = ${NOW - 1000} WHERE id % 50 = 1;
    UPDATE tokens SET valid_until = ${NOW - 3_600_000} WHERE id % 50 = 2;
    UPDATE tokens SET valid_from = ${NOW + 86_400_000} WHERE id % 50 = 3;
    UPDATE tokens SET used_ms = minutes * 60000, first_used_at = ${NOW - 7_200_000} WHERE id % 50 = 4;
    UPDATE tokens SET used_ms = 600000, first_used_at = ${NOW - 3_600_000} WHERE id % 10 = 5;
  `);
  const nas = await services.nas.add({ name: 'bench', address: '192.0.2.1' }, 'bench');
  const insertSession = db.prepare(`INSERT INTO sessions (token_id, nas_id, status, class,
    acct_session_id, device_mac, reserved_at, started_at, last_seen_at, updated_at)
    VALUES (?, ?, 'live', ?, ?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (let id = 5; id <= total; id += 100) {
      const mac = `02-00-00-${((id >> 16) & 255).toString(16).padStart(2, '0')}-${((id >> 8) & 255).toString(16).padStart(2, '0')}-${(id & 255).toString(16).padStart(2, '0')}`;
      insertSession.run(
        id,
        nas.id,
        `bench:${id}`,
        `s${id}`,
        mac,
        NOW - 600_000,
        NOW - 600_000,
        NOW,
        NOW,
      );
    }
  })();
  db.exec('ANALYZE');
  await services.staff.add('admin', 'bench-password-1', 'admin', 'bench');
  const signed = await services.webSessions.signIn('admin', 'bench-password-1', '127.0.0.1');
  if (!signed.ok) throw new Error('could not sign in');
  const app = await buildApp(services);
  return {
    app,
    db,
    services,
    cookie: `portico_staff=${signed.sessionId}`,
    async close() {
      await app.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** appendResults adds a dated section with the machine's load and `lines` to RESULTS.md. */
export function appendResults(title, file, lines) {
  const load = loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  const date = new Date().toISOString().slice(0, 10);
  appendFileSync(
    fileURLToPath(new URL('./RESULTS.md', import.meta.url)),
    `\n## ${title} (bench/${file}, ${date})\n\n` +
      `- machine load average while measuring: ${load} (2 cores shared with other work)\n` +
      lines.map((l) => `- ${l}`).join('\n') +
      '\n',
  );
}
