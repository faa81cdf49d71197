import { describe, expect, it } from 'vitest';
import type { FeedFields } from '../../../src/storage/feed-repo.js';
import { onBoth, T0 } from './both.js';

const feed = (over: Partial<FeedFields> = {}): FeedFields => ({
  name: 'Rooms',
  url: 'https://cal.example.org/rooms.ics',
  resource: 'Orion',
  policy: { minutes: 90, maxDevices: 2 },
  pollMinutes: 15,
  horizonDays: 60,
  skipFree: true,
  skipPrivate: false,
  allowPrivateNetwork: false,
  enabled: true,
  ...over,
});

describe('feeds repository', () => {
  it('stores feeds, hands out due polls once and keeps the poll status as SQLite does', async () => {
    const out = await onBoth(async ({ store }) => {
      const f = store.feeds;
      const none = await f.nextDueAt();
      const a = await f.insert(feed(), 'admin', T0);
      const b = await f.insert(feed({ name: 'Desks', enabled: false, skipFree: false }), null, T0);
      const c = await f.insert(feed({ name: 'Hall', allowPrivateNetwork: true }), 'admin', T0);
      const dueFirst = await f.dueIds(T0);
      const claimed = await f.claim(a, 0, T0 + 900_000);
      const claimedTwice = await f.claim(a, 0, T0 + 900_000);
      const dueAfter = await f.dueIds(T0);
      const next = await f.nextDueAt();
      await f.setStatus(a, {
        etag: '"v1"',
        lastModified: 'Tue, 01 Dec 2026 08:00:00 GMT',
        lastFetchAt: T0,
        lastOutcome: 'imported',
        eventsSeen: 12,
        bookingsChanged: 3,
        lastError: null,
      });
      const withStatus = await f.findById(a);
      // Same URL keeps the validators; a new URL forgets them.
      const sameUrl = await f.update(a, feed({ pollMinutes: 30 }), T0 + 1);
      const keptEtag = (await f.findById(a))?.etag;
      await f.update(a, feed({ url: 'https://cal.example.org/other.ics' }), T0 + 2);
      const afterUrl = await f.findById(a);
      const updateMissing = await f.update(999, feed(), T0);
      const removed = await f.remove(c);
      const removedAgain = await f.remove(c);
      return {
        none,
        ids: [a, b, c],
        dueFirst,
        claimed,
        claimedTwice,
        dueAfter,
        next,
        withStatus,
        sameUrl,
        keptEtag,
        afterUrl,
        updateMissing,
        removed,
        removedAgain,
        list: await f.list(),
        missing: await f.findById(c),
      };
    });
    expect(out.none).toBeNull();
    expect(out.dueFirst).toEqual([out.ids[0], out.ids[2]]);
    expect([out.claimed, out.claimedTwice]).toEqual([true, false]);
    expect(out.dueAfter).toEqual([out.ids[2]]);
    expect(out.next).toBe(0);
    expect(out.withStatus).toMatchObject({
      etag: '"v1"',
      lastOutcome: 'imported',
      eventsSeen: 12,
      skipFree: true,
      skipPrivate: false,
      enabled: true,
      policy: { minutes: 90, maxDevices: 2 },
      createdBy: 'admin',
    });
    expect(out.sameUrl).toBe(true);
    expect(out.keptEtag).toBe('"v1"');
    expect(out.afterUrl).toMatchObject({ etag: null, lastModified: null, nextPollAt: 0 });
    expect(out.updateMissing).toBe(false);
    expect([out.removed, out.removedAgain]).toEqual([true, false]);
    expect(out.list.map((x) => [x.name, x.enabled])).toEqual([
      ['Rooms', true],
      ['Desks', false],
    ]);
    expect(out.missing).toBeUndefined();
  });
});
