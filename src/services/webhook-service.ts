// Outgoing webhooks: staff register URLs for events; `emit` writes one delivery per receiver
// in the caller's transaction, so an event exists exactly when the change that caused it was
// committed; the worker posts the signed JSON outside any transaction, retries with back-off
// and logs every attempt.

import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import { badInput, notFound, type FieldError } from '../errors.js';
import type { Store } from '../storage/store.js';
import type { AttemptRecord, DeliveryRecord, WebhookRecord } from '../storage/webhook-repo.js';
import {
  createOutboundHttp,
  literalAddressProblem,
  OutboundError,
  type OutboundHttp,
} from './outbound-http.js';
import { defaultNodeId } from './node-id.js';
import { createOutboxWorker, retryDelayMs, type OutboxWorker } from './outbox-worker.js';
import { signatureHeader } from './webhook-signature.js';

/** WEBHOOK_EVENTS are the event types staff can subscribe a URL to. */
export const WEBHOOK_EVENTS = [
  'token.created',
  'token.redeemed',
  'token.low_balance',
  'token.depleted',
  'token.expired',
  'session.started',
  'session.stopped',
  'device.refused',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** WEBHOOK_EVENT_HELP says, per event type, when Portico raises it (for the dashboard). */
export const WEBHOOK_EVENT_HELP: Record<WebhookEvent, string> = {
  'token.created': 'a token is made (dashboard, API, bulk, booking)',
  'token.redeemed': 'a token is used for the first time',
  'token.low_balance':
    'a token falls under 5 minutes or a tenth of its minutes (again after minutes are added)',
  'token.depleted': "a token's minutes or data are used up",
  'token.expired': "a token's validity or first-use lifetime ends while a device is online",
  'session.started': 'a device goes online (accounting Start)',
  'session.stopped': 'a device goes offline: Stop, silent session closed, router reboot',
  'device.refused':
    'a valid code is refused for a device (device limit, expired, used up…); once a minute per device',
};

/** WEBHOOK_MAX_ATTEMPTS is how often a delivery is tried before it is marked failed. */
export const WEBHOOK_MAX_ATTEMPTS = 8;
/** WEBHOOK_TIMEOUT_MS is how long one POST may take. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** WEBHOOK_MAX_RESPONSE_BYTES bounds what we read of a receiver's answer (we need only the status). */
const WEBHOOK_MAX_RESPONSE_BYTES = 1_000_000;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 3_600_000;
const LEASE_MS = 2 * WEBHOOK_TIMEOUT_MS;

/** WebhookView is a receiver as staff see it: never its secret. */
export type WebhookView = Omit<WebhookRecord, 'secret'>;

/** DeliveryView is a delivery as staff see it, without the receiver's secret. */
export type DeliveryView = Omit<DeliveryRecord, 'secret'>;

/** WebhookInput is what staff type to register a receiver. */
export type WebhookInput = {
  url?: unknown;
  events?: unknown;
  description?: unknown;
  allowPrivateNetwork?: unknown;
};

const toView = ({ secret: _s, ...w }: WebhookRecord): WebhookView => w;
const toDeliveryView = ({ secret: _s, ...d }: DeliveryRecord): DeliveryView => d;

/** parseWebhookInput returns a validated receiver or throws PORTICO_BAD_INPUT naming the fields. */
export function parseWebhookInput(input: WebhookInput): {
  url: string;
  events: WebhookEvent[];
  description: string;
  allowPrivateNetwork: boolean;
} {
  const errors: FieldError[] = [];
  const rawUrl = typeof input.url === 'string' ? input.url.trim() : '';
  let url = '';
  try {
    const u = new URL(rawUrl);
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || rawUrl.length > 2000)
      throw new Error('scheme');
    url = u.toString();
  } catch {
    errors.push({ field: 'url', message: 'must be an absolute http(s) URL' });
  }
  const list = Array.isArray(input.events)
    ? input.events.map(String)
    : typeof input.events === 'string'
      ? input.events.split(/[\s,]+/).filter((s) => s !== '')
      : [];
  const unknown = list.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (list.length === 0)
    errors.push({
      field: 'events',
      message: `choose at least one of ${WEBHOOK_EVENTS.join(', ')}`,
    });
  else if (unknown.length > 0)
    errors.push({
      field: 'events',
      message: `unknown event ${unknown.join(', ')}; use ${WEBHOOK_EVENTS.join(', ')}`,
    });
  const description = typeof input.description === 'string' ? input.description.trim() : '';
  if (description.length > 200)
    errors.push({ field: 'description', message: 'must be at most 200 characters' });
  const allow = input.allowPrivateNetwork;
  const allowPrivateNetwork = allow === true || allow === 'true' || allow === '1' || allow === 'on';
  if (
    allow !== undefined &&
    allow !== null &&
    !allowPrivateNetwork &&
    ![false, 'false', '0', 'off', ''].includes(allow as string)
  )
    errors.push({ field: 'allowPrivateNetwork', message: 'must be true or false' });
  const problem = url === '' ? undefined : literalAddressProblem(url, allowPrivateNetwork);
  if (problem) errors.push({ field: 'url', message: problem });
  if (errors.length > 0) throw badInput(errors);
  return { url, events: [...new Set(list)] as WebhookEvent[], description, allowPrivateNetwork };
}

/** WebhookServiceDeps are what the webhook service needs; `http` is the guarded client. */
export type WebhookServiceDeps = {
  store: Store;
  clock: Clock;
  http?: OutboundHttp;
  onError?: (err: unknown) => void;
  /** The name this node claims deliveries under (default `hostname:pid`). */
  nodeId?: string;
};

/** createWebhookService returns the webhook use cases and their delivery worker. */
export function createWebhookService(deps: WebhookServiceDeps) {
  const { store, clock } = deps;
  const request = deps.http ?? createOutboundHttp();
  const repo = store.webhooks;
  const node = deps.nodeId ?? defaultNodeId();

  /** deliver sends a delivery this node has claimed and records the outcome. */
  const deliver = async (id: number): Promise<void> => {
    // Read after the claim, so `attempts` already counts this one.
    const d = await repo.findDelivery(id);
    if (!d) return;
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      // No redirects: a receiver that moved says so with a 3xx, which counts as a failure.
      const res = await request({
        url: d.url,
        method: 'POST',
        maxRedirects: 0,
        timeoutMs: WEBHOOK_TIMEOUT_MS,
        maxBytes: WEBHOOK_MAX_RESPONSE_BYTES,
        allowPrivateNetwork: d.allowPrivateNetwork,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Portico-Webhooks/1',
          'x-portico-event': d.eventType,
          'x-portico-delivery': d.eventId,
          'x-portico-signature': signatureHeader(d.secret, clock.now(), d.payload),
        },
        body: d.payload,
      });
      statusCode = res.status;
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (err) {
      error =
        err instanceof OutboundError && err.failure === 'timeout'
          ? 'timed out'
          : String((err as Error).message);
    }
    const now = clock.now();
    const durationMs = Math.round(performance.now() - started);
    await store.transaction(async () => {
      await repo.logAttempt({
        deliveryId: id,
        attempt: d.attempts,
        at: now,
        statusCode,
        error,
        durationMs,
      });
      if (error === null) await repo.queue.finish(id, now);
      else {
        const attempts = d.attempts;
        const nextAt =
          attempts >= WEBHOOK_MAX_ATTEMPTS
            ? null
            : now + retryDelayMs(attempts, BACKOFF_BASE_MS, BACKOFF_MAX_MS);
        await repo.queue.retry(id, now, error, nextAt, node);
      }
    });
  };

  const worker: OutboxWorker = createOutboxWorker({
    clock,
    claimNext: (now) => repo.queue.claimNext(now, LEASE_MS, node),
    nextDueAt: () => repo.queue.nextDueAt(),
    process: deliver,
    ...(deps.onError ? { onError: deps.onError } : {}),
  });

  const findOrThrow = async (id: number): Promise<WebhookRecord> => {
    const w = await repo.findById(id);
    if (!w) throw notFound(`webhook #${id}`);
    return w;
  };

  return {
    worker,
    /**
     * emit queues `type` with `data` for every enabled receiver of that type and returns the
     * event id. Call it inside the transaction that made the change: the event is kept only
     * if the change is. `data` may be a function, called only when someone subscribes, so
     * the RADIUS path builds no payload nobody reads.
     */
    async emit(
      type: WebhookEvent,
      data:
        | Record<string, unknown>
        | (() => Record<string, unknown> | Promise<Record<string, unknown>>),
    ): Promise<string> {
      const ids = await repo.subscribers(type);
      const eventId = randomUUID();
      if (ids.length === 0) return eventId;
      const now = clock.now();
      const payload = JSON.stringify({
        id: eventId,
        type,
        createdAt: new Date(now).toISOString(),
        data: typeof data === 'function' ? await data() : data,
      });
      for (const webhookId of ids) await repo.enqueue(webhookId, eventId, type, payload, now);
      // Runs after the caller's transaction has committed (or rolled back: then it finds nothing).
      setImmediate(() => worker.kick());
      return eventId;
    },
    /** register adds a receiver and returns it with its signing secret (shown once). */
    async register(
      input: WebhookInput,
      actor: string,
    ): Promise<{ webhook: WebhookView; secret: string }> {
      const w = parseWebhookInput(input);
      const secret = `whsec_${randomBytes(24).toString('base64url')}`;
      const now = clock.now();
      const id = await store.transaction(async (tx) => {
        const id = await repo.insert({ ...w, secret, createdBy: actor }, now);
        await tx.audit.record({
          at: now,
          actor,
          action: 'webhook.create',
          targetType: 'webhook',
          targetId: String(id),
          details: { url: w.url, events: w.events },
        });
        return id;
      });
      return { webhook: toView(await findOrThrow(id)), secret };
    },
    /** list returns every receiver. */
    async list(): Promise<WebhookView[]> {
      return (await repo.list()).map(toView);
    },
    /** get returns one receiver; throws PORTICO_NOT_FOUND. */
    async get(id: number): Promise<WebhookView> {
      return toView(await findOrThrow(id));
    },
    /** setEnabled pauses or resumes a receiver; paused receivers get no new deliveries. */
    async setEnabled(id: number, enabled: boolean, actor: string): Promise<WebhookView> {
      await findOrThrow(id);
      const now = clock.now();
      await store.transaction(async (tx) => {
        await repo.setDisabled(id, enabled ? null : now);
        await tx.audit.record({
          at: now,
          actor,
          action: enabled ? 'webhook.enable' : 'webhook.disable',
          targetType: 'webhook',
          targetId: String(id),
          details: null,
        });
      });
      return toView(await findOrThrow(id));
    },
    /** remove deletes a receiver with its deliveries and log; throws PORTICO_NOT_FOUND. */
    async remove(id: number, actor: string): Promise<void> {
      await findOrThrow(id);
      await store.transaction(async (tx) => {
        await repo.remove(id);
        await tx.audit.record({
          at: clock.now(),
          actor,
          action: 'webhook.delete',
          targetType: 'webhook',
          targetId: String(id),
          details: null,
        });
      });
    },
    /** deliveryCounts returns how many deliveries are in each status. */
    deliveryCounts() {
      return repo.countDeliveriesByStatus();
    },
    /** deliveries returns the newest deliveries, optionally of one receiver. */
    async deliveries(opts: { webhookId?: number; limit?: number } = {}): Promise<DeliveryView[]> {
      return (
        await repo.listDeliveries({
          ...(opts.webhookId !== undefined ? { webhookId: opts.webhookId } : {}),
          limit: Math.min(Math.max(opts.limit ?? 50, 1), 500),
        })
      ).map(toDeliveryView);
    },
    /** delivery returns one delivery; throws PORTICO_NOT_FOUND. */
    async delivery(id: number): Promise<DeliveryView> {
      const d = await repo.findDelivery(id);
      if (!d) throw notFound(`delivery #${id}`);
      return toDeliveryView(d);
    },
    /** attempts returns the delivery log of one delivery, oldest first. */
    async attempts(deliveryId: number): Promise<AttemptRecord[]> {
      return repo.attempts(deliveryId);
    },
  };
}

/** WebhookService is the webhook use cases' interface. */
export type WebhookService = ReturnType<typeof createWebhookService>;

/** EventSink is the one method other services need to raise events. */
export type EventSink = Pick<WebhookService, 'emit'>;
