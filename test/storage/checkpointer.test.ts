import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { shouldTruncate, startCheckpointer } from '../../src/storage/checkpointer.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-ckpt-'));
  db = openDatabase(join(dir, 'p.db'), { manualCheckpoint: true });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const walBytes = () => statSync(join(dir, 'p.db-wal')).size;
const waitFor = async (what: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

it('copies the WAL back from a worker thread and resets it past the limit, losing nothing', async () => {
  const insert = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)');
  const pad = 'x'.repeat(2000);
  // About 8 MiB of WAL without any checkpoint on this connection.
  db.transaction(() => {
    for (let i = 0; i < 4000; i++) insert.run(`k${i}`, JSON.stringify(pad));
  })();
  expect(walBytes()).toBeGreaterThan(4 * 1024 * 1024);

  const cp = startCheckpointer(join(dir, 'p.db'), { intervalMs: 20, truncateAbovePages: 256 });
  await waitFor(() => cp.stats().truncates > 0);
  await waitFor(() => walBytes() < 1024 * 1024);
  expect(cp.stats().errors).toBe(0);
  await cp.stop();

  // Writes go on after the reset, and every row is still there.
  insert.run('after', '1');
  expect(db.prepare('SELECT COUNT(*) AS n FROM settings').get()).toEqual({ n: 4001 });
});

it('reports errors instead of throwing, and stops promptly', async () => {
  const messages: string[] = [];
  const cp = startCheckpointer(join(dir, 'missing', 'nothing.db'), {
    intervalMs: 10,
    onError: (m) => messages.push(m),
  });
  await waitFor(() => cp.stats().errors > 0);
  expect(messages[0]).toMatch(/directory|unable to open|does not exist/i);
  await cp.stop();
});

it('resets a WAL past the limit only in a quiet tick, or under load once it is four times past', () => {
  const limit = 1000;
  // Under the limit, or a checkpoint kept from finishing: never.
  expect(shouldTruncate({ busy: 0, log: 900 }, 900, limit)).toBe(false);
  expect(shouldTruncate({ busy: 1, log: 5000 }, 5000, limit)).toBe(false);
  // Past the limit while frames are still being written: not yet (it would stall them).
  expect(shouldTruncate({ busy: 0, log: 1500 }, 1400, limit)).toBe(false);
  expect(shouldTruncate({ busy: 0, log: 1500 }, -1, limit)).toBe(false);
  // Past the limit and nothing written since the last tick: now.
  expect(shouldTruncate({ busy: 0, log: 1500 }, 1500, limit)).toBe(true);
  // Four times past the limit: even under load, so that the WAL stays bounded.
  expect(shouldTruncate({ busy: 0, log: 4001 }, 3900, limit)).toBe(true);
});

it('resets a WAL past the limit once writes pause', async () => {
  const insert = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)');
  const pad = 'x'.repeat(2000);
  // About 500 pages: past a limit of 256, under four times it.
  db.transaction(() => {
    for (let i = 0; i < 1000; i++) insert.run(`k${i}`, JSON.stringify(pad));
  })();
  const before = walBytes();
  expect(before).toBeGreaterThan(256 * 4096);
  expect(before).toBeLessThan(1024 * 4096);
  const cp = startCheckpointer(join(dir, 'p.db'), { intervalMs: 20, truncateAbovePages: 256 });
  await waitFor(() => cp.stats().truncates > 0);
  await waitFor(() => walBytes() < 256 * 4096);
  expect(cp.stats().errors).toBe(0);
  await cp.stop();
  expect(db.prepare('SELECT COUNT(*) AS n FROM settings').get()).toEqual({ n: 1000 });
});
