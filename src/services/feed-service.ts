// Calendar feeds staff set up (Settings > Bookings > Calendar feeds, /api/v1/feeds): each
// is one room's or resource's iCalendar address with its own token policy, poll interval
// and rules for which events count. Validation and the audit trail live here; the reading
// is the poller's.

import type { Clock } from '../clock.js';
import { badInput, notFound, type FieldError } from '../errors.js';
import type { FeedFields, FeedRecord } from '../storage/feed-repo.js';
import type { Store } from '../storage/store.js';
import { parseFeedPolicy, type FeedPolicy } from './booking-settings.js';
import { PorticoError } from '../errors.js';
import { literalAddressProblem } from './outbound-http.js';

/** FeedInput is a feed as a form or an API body gives it. */
export type FeedInput = {
  name?: unknown;
  url?: unknown;
  resource?: unknown;
  policy?: unknown;
  pollMinutes?: unknown;
  horizonDays?: unknown;
  skipFree?: unknown;
  skipPrivate?: unknown;
  allowPrivateNetwork?: unknown;
  enabled?: unknown;
};

/** FeedView is a feed as pages and the API show it: its settings and its last poll. */
export type FeedView = Omit<FeedRecord, 'etag' | 'lastModified' | 'policy'> & {
  policy: FeedPolicy;
};

/** FEED_DEFAULTS are a new feed's values for fields left out. */
export const FEED_DEFAULTS = { pollMinutes: 15, horizonDays: 60 } as const;

const isBlank = (v: unknown) =>
  v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

const flag = (errors: FieldError[], field: string, v: unknown, dflt: boolean): boolean => {
  if (v === undefined || v === null || v === '') return dflt;
  if (v === true || v === 'true' || v === 'on' || v === '1' || v === 1) return true;
  if (v === false || v === 'false' || v === 'off' || v === '0' || v === 0) return false;
  errors.push({ field, message: 'must be true or false' });
  return dflt;
};

const whole = (
  errors: FieldError[],
  field: string,
  v: unknown,
  min: number,
  max: number,
  dflt: number,
): number => {
  if (isBlank(v)) return dflt;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    errors.push({ field, message: `must be a whole number from ${min} to ${max}` });
    return dflt;
  }
  return n;
};

/** parseFeedInput validates a feed; throws PORTICO_BAD_INPUT naming every bad field. */
export function parseFeedInput(input: FeedInput): FeedFields {
  const errors: FieldError[] = [];
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name === '' || name.length > 100)
    errors.push({ field: 'name', message: 'must be 1 to 100 characters' });
  const rawUrl = typeof input.url === 'string' ? input.url.trim() : '';
  let url = '';
  try {
    // Calendar apps hand out webcal:// links; the feed behind them is HTTPS.
    const u = new URL(rawUrl.replace(/^webcals?:\/\//i, 'https://'));
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    url = u.toString();
  } catch {
    errors.push({ field: 'url', message: 'must be an absolute http(s) URL' });
  }
  if (url.length > 2000) errors.push({ field: 'url', message: 'must be at most 2000 characters' });
  const resource = typeof input.resource === 'string' ? input.resource.trim() : '';
  if (resource.length > 200)
    errors.push({ field: 'resource', message: 'must be at most 200 characters' });
  let policy: FeedPolicy = {};
  if (!isBlank(input.policy)) {
    if (typeof input.policy !== 'object' || Array.isArray(input.policy))
      errors.push({ field: 'policy', message: 'must be an object of token-policy fields' });
    else {
      try {
        policy = parseFeedPolicy(input.policy as Record<string, unknown>);
      } catch (err) {
        if (!(err instanceof PorticoError)) throw err;
        for (const f of err.fields) errors.push({ field: `policy.${f.field}`, message: f.message });
      }
    }
  }
  const fields: FeedFields = {
    name,
    url,
    resource,
    policy,
    pollMinutes: whole(
      errors,
      'pollMinutes',
      input.pollMinutes,
      1,
      1440,
      FEED_DEFAULTS.pollMinutes,
    ),
    horizonDays: whole(errors, 'horizonDays', input.horizonDays, 1, 730, FEED_DEFAULTS.horizonDays),
    skipFree: flag(errors, 'skipFree', input.skipFree, false),
    skipPrivate: flag(errors, 'skipPrivate', input.skipPrivate, false),
    allowPrivateNetwork: flag(errors, 'allowPrivateNetwork', input.allowPrivateNetwork, false),
    enabled: flag(errors, 'enabled', input.enabled, true),
  };
  const problem = url === '' ? undefined : literalAddressProblem(url, fields.allowPrivateNetwork);
  if (problem) errors.push({ field: 'url', message: problem });
  if (errors.length > 0) throw badInput(errors);
  return fields;
}

/** toFeedView returns what a page or the API may show of a feed. */
export function toFeedView(f: FeedRecord): FeedView {
  const { etag: _etag, lastModified: _lastModified, policy, ...rest } = f;
  return { ...rest, policy: policy as FeedPolicy };
}

/** createFeedService returns the feed use cases; `onChange` hears that a feed was added or changed. */
export function createFeedService(deps: {
  store: Store;
  clock: Clock;
  onChange?: () => void;
  /** Cancels the upcoming bookings of a feed being deleted (the booking service's job). */
  cancelFeedBookings: (feedId: number, actor: string) => Promise<number>;
}) {
  const { store, clock } = deps;
  const repo = store.feeds;
  const audit = (actor: string, action: string, id: number, details: Record<string, unknown>) =>
    store.audit.record({
      at: clock.now(),
      actor,
      action,
      targetType: 'feed',
      targetId: String(id),
      details,
    });
  const find = async (id: number): Promise<FeedRecord> => {
    const f = Number.isInteger(id) ? await repo.findById(id) : undefined;
    if (!f) throw notFound(`feed #${id}`);
    return f;
  };

  return {
    /** list returns every feed with its last poll. */
    async list(): Promise<FeedView[]> {
      return (await repo.list()).map(toFeedView);
    },
    /** get returns one feed; throws PORTICO_NOT_FOUND. */
    async get(id: number): Promise<FeedView> {
      return toFeedView(await find(id));
    },
    /** record returns one feed as stored, for the poller; throws PORTICO_NOT_FOUND. */
    async record(id: number): Promise<FeedRecord> {
      return find(id);
    },
    /** create validates and adds a feed, due for polling at once. */
    async create(input: FeedInput, actor: string): Promise<FeedView> {
      const fields = parseFeedInput(input);
      const id = await store.transaction(async () => {
        const id = await repo.insert(fields, actor, clock.now());
        // The name only: a calendar's secret address must not end up in the log.
        await audit(actor, 'feed.create', id, { name: fields.name });
        return id;
      });
      deps.onChange?.();
      return toFeedView(await find(id));
    },
    /** update validates and replaces a feed's settings; throws PORTICO_NOT_FOUND. */
    async update(id: number, input: FeedInput, actor: string): Promise<FeedView> {
      await find(id);
      const fields = parseFeedInput(input);
      await store.transaction(async () => {
        await repo.update(id, fields, clock.now());
        await audit(actor, 'feed.update', id, { name: fields.name });
      });
      deps.onChange?.();
      return toFeedView(await find(id));
    },
    /** remove deletes a feed and cancels its upcoming bookings; throws PORTICO_NOT_FOUND. */
    async remove(id: number, actor: string): Promise<{ cancelled: number }> {
      const f = await find(id);
      return store.transaction(async () => {
        const cancelled = await deps.cancelFeedBookings(id, actor);
        await repo.remove(id);
        await audit(actor, 'feed.delete', id, { name: f.name, cancelled });
        return { cancelled };
      });
    },
  };
}

/** FeedService is the feed use cases' interface. */
export type FeedService = ReturnType<typeof createFeedService>;
