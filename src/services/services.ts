// Wires the use cases over one store. Everything outside services/ talks to these.

import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Db } from '../storage/database.js';
import { createStore, type Store } from '../storage/store.js';
import { createAccessService } from './access-service.js';
import { createAccountingService } from './accounting-service.js';
import { createApiKeyService } from './api-key-service.js';
import { createAuditService } from './audit-service.js';
import { createBatchService } from './batch-service.js';
import { createControllerService } from './controller-service.js';
import { createCutoffService } from './cutoff-service.js';
import { createLockoutService } from './lockout-service.js';
import { createMetricsService } from './metrics-service.js';
import { createNasService } from './nas-service.js';
import { createSecretBox } from './secret-box.js';
import { createOpenndsService } from './opennds-service.js';
import { createPortalService } from './portal-service.js';
import { createPrintService } from './print-service.js';
import { createRadiusService, radiusTimings } from './radius-service.js';
import { createRetentionService } from './retention-service.js';
import { createSessionService } from './session-service.js';
import { createSettingsService } from './settings-service.js';
import { createStaffService } from './staff-service.js';
import { createTokenService } from './token-service.js';
import { createWebSessionService } from './web-session-service.js';
import { createBookingService } from './booking-service.js';
import { createBookingSettings } from './booking-settings.js';
import { createEmailService } from './email-service.js';
import { createTokenEmail } from './token-email.js';
import { createTokenImport } from './token-import.js';
import { defaultNodeId } from './node-id.js';
import { createFeedService } from './feed-service.js';
import { createIcsPoller, ICS_LEASE_MS } from './ics-poller.js';
import { createLeaseService } from './lease-service.js';
import { createOutboundHttp, type OutboundOptions } from './outbound-http.js';
import { createWebhookService } from './webhook-service.js';
import { createUsageEvents } from './usage-events.js';
import { createReportService } from './report-service.js';

/**
 * createServices returns every use case over `store` (or the SQLite store over `db`), with
 * settings read from `config`; `outbound` are the seams of the guarded HTTP client (tests: a
 * resolver, trusted addresses); `nodeId` names this node in claims and leases (default
 * PORTICO_NODE_ID).
 */
export function createServices(
  deps: ({ db: Db; store?: undefined } | { store: Store; db?: undefined }) & {
    clock: Clock;
    config: Config;
    outbound?: OutboundOptions;
    nodeId?: string;
  },
) {
  const store = deps.store ?? createStore(deps.db);
  const { clock, config } = deps;
  const http = createOutboundHttp(deps.outbound);
  // This node's name in outbox and cut-off claims and in leases (PORTICO_NODE_ID).
  const nodeId = deps.nodeId ?? config.nodeId ?? defaultNodeId();
  // Periodic work shared by several nodes on one database runs on the holder of its lease.
  const leases = createLeaseService({ store, clock, node: nodeId });
  const metrics = createMetricsService({ store, clock });
  const staff = createStaffService({ store, clock });
  const webhooks = createWebhookService({ store, clock, http, nodeId });
  // The RADIUS side's webhook events (sessions, token balance, refusals), raised in the
  // transactions of accounting, access and the cut-off pass.
  const usage = createUsageEvents({ store, events: webhooks });
  const lockouts = createLockoutService({ store, clock });
  const settings = createSettingsService({ store, clock, config });
  // One reading of the settings for everyone: stored values over the config's defaults.
  const timeZone = () => settings.value('timeZone');
  const codeLength = () => settings.value('codeLength');
  const timings = radiusTimings(config, settings);
  const access = createAccessService({ store, clock, settings: timings });
  // The scheduler and worker run only once main.ts attaches the Disconnect/CoA client and
  // starts them; until then (CLI) jobs are queued for the running server to send.
  const cutoff = createCutoffService({
    store,
    clock,
    settings: timings,
    events: usage,
    controllers: () => controllers,
    metrics: metrics.hooks,
    lease: (ttl) => leases.lease('cutoff-scan', ttl),
    nodeId,
  });
  const sessions = createSessionService({ store, clock, wake: () => cutoff.wake() });
  const accounting = createAccountingService({ store, settings: timings, events: usage });
  const radius = createRadiusService({
    store,
    clock,
    access,
    accounting,
    settings: timings,
    wake: () => cutoff.wake(),
    events: usage,
    metrics: metrics.hooks,
    // PostgreSQL: batches side by side on the pool's connections, two kept for the web,
    // the cut-off worker and the other background work (SQLite runs one regardless).
    batchesInFlight: Math.max(1, config.databasePool - 2),
  });
  metrics.watchRadius(() => radius.stats());
  const tokens = createTokenService({
    store,
    clock,
    timeZone,
    codeLength,
    events: webhooks,
    usage,
    onChange: (id, change) => cutoff.tokenChanged(id, change),
  });
  const bookingSettings = createBookingSettings({ store, clock });
  const emails = createEmailService({
    store,
    clock,
    settings: bookingSettings,
    messageIdDomain: () => new URL(config.publicUrl).hostname || 'portico.invalid',
    nodeId,
  });
  const bookings = createBookingService({
    store,
    clock,
    tokens,
    emails,
    settings: bookingSettings,
    timeZone,
    spaceName: () => settings.value('spaceName'),
    publicUrl: config.publicUrl,
  });
  const nas = createNasService({
    store,
    clock,
    ...(config.secretKey ? { box: createSecretBox(config.secretKey) } : {}),
  });
  const controllers = createControllerService({
    store,
    clock,
    access,
    accounting,
    nas,
    wake: () => cutoff.wake(),
    lease: (ttl) => leases.lease('controller-ticker', ttl),
  });
  const ics = createIcsPoller({
    store,
    clock,
    bookings,
    enabled: async () => (await bookingSettings.bookings()).enabled,
    timeZone,
    http,
    lease: leases.lease('ics-poller', ICS_LEASE_MS),
  });
  const feeds = createFeedService({
    store,
    clock,
    onChange: () => ics.wake(),
    cancelFeedBookings: (id, actor) => bookings.cancelWithPrefix('ics', `${id}/`, actor),
  });
  return {
    store,
    clock,
    config,
    timeZone,
    tokens,
    webhooks,
    /** events raises outgoing-webhook events inside the caller's transaction. */
    events: webhooks as Pick<typeof webhooks, 'emit'>,
    bookingSettings,
    emails,
    /** tokenEmail e-mails one token's code to a guest through the outbox. */
    tokenEmail: createTokenEmail({
      store,
      clock,
      tokens,
      emails,
      timeZone,
      spaceName: () => settings.value('spaceName'),
      publicUrl: config.publicUrl,
    }),
    /** tokenImport creates tokens from another system's CSV file, all or nothing. */
    tokenImport: createTokenImport({ store, clock, tokens, timeZone, events: webhooks }),
    bookings,
    ics,
    feeds,
    staff,
    nas,
    lockouts,
    webSessions: createWebSessionService({ store, clock, staff, lockouts }),
    settings,
    print: createPrintService({ store, clock, config, tokens, settings, timeZone }),
    apiKeys: createApiKeyService({ store, clock }),
    batches: createBatchService({
      store,
      clock,
      onChange: (id, change) => cutoff.tokenChanged(id, change),
    }),
    access,
    sessions,
    portal: createPortalService({ store, clock, access, sessions }),
    opennds: createOpenndsService({
      store,
      clock,
      access,
      accounting,
      events: usage,
      wake: () => cutoff.wake(),
    }),
    accounting,
    cutoff,
    /** controllers lets guests on through a router's controller API (UniFi external portal). */
    controllers,
    radius,
    /** radiusStats returns the RADIUS counters: decisions, drops, batches, latency, server. */
    radiusStats: () => radius.stats(),
    /** metrics is the Prometheus registry behind /metrics and the hooks that feed it. */
    metrics,
    audit: createAuditService({ store, clock }),
    reports: createReportService({ store, clock, timeZone }),
    retention: createRetentionService({
      store,
      clock,
      settings,
      lease: (ttl) => leases.lease('retention', ttl),
    }),
    /** leases are this node's leases on background work shared with other nodes. */
    leases,
  };
}

/** Services is the bundle of use cases the HTTP app, the RADIUS handler and the CLI use. */
export type Services = ReturnType<typeof createServices>;
