// Bulk actions on the token list: add minutes, extend the window, revoke, for 1,000 selected
// tokens in one transaction; live sessions get their CoA or Disconnect; a failure changes
// nothing.

import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parseDateTime } from '../../src/core/time.js';
import { reportAccounting } from '../support/accounting.js';
import { ADMIN, signedIn, type AdminFixture, type Browser } from './admin-fixture.js';

let f: AdminFixture;
let b: Browser;
let csrf: string;
let ids: string[];
let liveSession: number;
beforeEach(async () => {
  ({ f, b, csrf } = await signedIn(ADMIN));
  const s = f.services;
  const made = await s.tokens.create({ minutes: 60, count: 1000, batchName: 'Event' }, 'admin');
  ids = made.tokens.map((t) => String(t.id));
  const nas = await s.nas.add({ name: 'lobby', address: '192.0.2.1', secret: 'secret-123' }, 't');
  await reportAccounting(s, {
    nasId: nas.id,
    code: made.tokens[0]!.code,
    acctSessionId: 'A1',
    mac: '02-00-00-00-00-01',
  });
  liveSession = (await s.sessions.listLive()).sessions[0]!.id;
}, 60_000);
afterEach(async () => {
  await f.close();
});

const minutesOf = () =>
  f.db.prepare('SELECT DISTINCT minutes FROM tokens WHERE deleted_at IS NULL').pluck().all();

describe('bulk actions on selected tokens', () => {
  test('add minutes to 1,000 tokens at once; the device online gets a CoA', async () => {
    const r = await b.post('/admin/tokens/selected', {
      _csrf: csrf,
      action: 'add-minutes',
      addMinutes: '30',
      ids,
      back: '/admin/tokens',
    });
    expect(r.location).toBe('/admin/tokens?changed=1000');
    expect(minutesOf()).toEqual([90]);
    const jobs = await f.services.store.coaJobs.ofSession(liveSession);
    expect(jobs.map((j) => j.kind)).toEqual(['coa']);
    const page = await b.get(r.location!);
    expect(page.body).toContain('Changed 1000 tokens');
  }, 60_000);

  test('extend the window of all of them to the end of a day in the venue’s zone', async () => {
    const r = await b.post('/admin/tokens/selected', {
      _csrf: csrf,
      action: 'extend',
      validUntil: '2026-12-20',
      ids,
    });
    expect(r.location).toBe('/admin/tokens?changed=1000');
    const until = parseDateTime('2026-12-20', 'Europe/Berlin', { endOfDay: true });
    expect(f.db.prepare('SELECT DISTINCT valid_until FROM tokens').pluck().all()).toEqual([until]);
    expect(await f.services.store.coaJobs.ofSession(liveSession)).toHaveLength(1);
  }, 60_000);

  test('revoke them all; the next cut-off pass disconnects the device online', async () => {
    const r = await b.post('/admin/tokens/selected', { _csrf: csrf, action: 'revoke', ids });
    expect(r.location).toBe('/admin/tokens?changed=1000');
    expect(f.db.prepare('SELECT COUNT(*) FROM tokens WHERE revoked_at IS NULL').pluck().get()).toBe(
      0,
    );
    await f.services.cutoff.scan();
    expect((await f.services.store.coaJobs.ofSession(liveSession)).map((j) => j.kind)).toEqual([
      'disconnect',
    ]);
  }, 60_000);

  test('one missing token or a bad value changes none of them', async () => {
    await f.services.tokens.remove([Number(ids[500])], 'admin');
    const r = await b.post('/admin/tokens/selected', {
      _csrf: csrf,
      action: 'add-minutes',
      addMinutes: '30',
      ids,
    });
    expect(r.status).toBe(404);
    expect(minutesOf()).toEqual([60]);
    // A window end before one token's start is refused, and the rest keep theirs too.
    await f.services.tokens.update(Number(ids[7]), { validFrom: '2027-01-10' }, 'admin');
    const bad = await b.post('/admin/tokens/selected', {
      _csrf: csrf,
      action: 'extend',
      validUntil: '2026-12-20',
      ids: ids.slice(0, 10),
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('after the start of token');
    expect(
      f.db.prepare('SELECT COUNT(*) FROM tokens WHERE valid_until IS NOT NULL').pluck().get(),
    ).toBe(0);
    const none = await b.post('/admin/tokens/selected', {
      _csrf: csrf,
      action: 'add-minutes',
      addMinutes: 'lots',
      ids: ids.slice(0, 2),
    });
    expect(none.status).toBe(400);
    expect(await f.services.store.coaJobs.ofSession(liveSession)).toHaveLength(0);
  }, 60_000);
});
