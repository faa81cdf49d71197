// E-mail from the outbox. `queue` writes the rendered message in the caller's transaction
// (the booking and its e-mail commit together); the worker claims a message, sends it over
// SMTP outside any transaction and marks it sent only after the server accepted it. A failed
// send is retried with doubling back-off, so an SMTP outage delays mail but loses none. A
// crash between the server's acceptance and the mark can send a message twice; both copies
// carry the same Message-ID, so the duplicate is recognisable.

import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { badInput, notFound } from '../errors.js';
import type { EmailRecord, EmailStatus } from '../storage/outbox-repo.js';
import type { Store } from '../storage/store.js';
import { parseEmailAddress, type BookingSettingsService } from './booking-settings.js';
import {
  renderEmail,
  SAMPLE_VALUES,
  type EmailTemplate,
  type EmailValues,
  type RenderedEmail,
} from './email-template.js';
import { createSmtpMailer, describeSendError, type Mailer } from './email-transport.js';
import { defaultNodeId } from './node-id.js';
import { createOutboxWorker, retryDelayMs, type OutboxWorker } from './outbox-worker.js';

/** EMAIL_KINDS are the messages Portico sends. */
export const EMAIL_KINDS = ['booking', 'visitor'] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

/** OutboxKind is what an outbox message is: a template's kind, or `token` for a code staff e-mailed. */
export type OutboxKind = EmailKind | 'token';

const BACKOFF_BASE_MS = 60_000;
const BACKOFF_MAX_MS = 3_600_000;
// Longer than nodemailer's connection + greeting + socket timeouts together.
const LEASE_MS = 120_000;

/** EmailView is a message as staff see it (no body). */
export type EmailView = Omit<EmailRecord, 'html' | 'text'>;

/** EmailServiceDeps are what the e-mail service needs; `mailer` replaces SMTP in tests. */
export type EmailServiceDeps = {
  store: Store;
  clock: Clock;
  settings: BookingSettingsService;
  /** Host part of Message-IDs, e.g. the public URL's host name. */
  messageIdDomain: () => string;
  mailer?: () => Mailer | null;
  onError?: (err: unknown) => void;
  /** The name this node claims messages under (default `hostname:pid`). */
  nodeId?: string;
};

/** createEmailService returns the e-mail use cases and the outbox worker. */
export function createEmailService(deps: EmailServiceDeps) {
  const { store, clock, settings } = deps;
  const repo = store.emails;
  const mailerFor = deps.mailer ?? (async () => createSmtpMailer(await settings.email()));
  const node = deps.nodeId ?? defaultNodeId();

  const templateOf = async (kind: EmailKind): Promise<EmailTemplate> => {
    const s = await settings.email();
    return kind === 'booking'
      ? { subject: s.bookingSubject, html: s.bookingHtml }
      : { subject: s.visitorSubject, html: s.visitorHtml };
  };

  /** sendClaimed sends a message this node has claimed and records the outcome. */
  const sendClaimed = async (id: number): Promise<void> => {
    // Read after the claim: `attempts` already counts this one.
    const m = await repo.findById(id);
    if (!m) return;
    const s = await settings.email();
    let failure: { permanent: boolean; message: string } | null = null;
    const mailer = await mailerFor();
    if (mailer === null) failure = { permanent: false, message: 'no SMTP server is set' };
    else {
      try {
        await mailer.send({
          messageId: m.messageId,
          from: s.from,
          to: m.to,
          subject: m.subject,
          html: m.html,
          text: m.text,
        });
      } catch (err) {
        failure = describeSendError(err);
      } finally {
        mailer.close();
      }
    }
    const now = clock.now();
    if (failure === null) await repo.finish(id, now);
    else {
      const last = failure.permanent || m.attempts >= s.maxAttempts;
      await repo.retry(
        id,
        now,
        failure.message,
        last ? null : now + retryDelayMs(m.attempts, BACKOFF_BASE_MS, BACKOFF_MAX_MS),
        node,
      );
    }
  };

  const worker: OutboxWorker = createOutboxWorker({
    clock,
    claimNext: (now) => repo.claimNext(now, LEASE_MS, node),
    nextDueAt: () => repo.nextDueAt(),
    process: sendClaimed,
    ...(deps.onError ? { onError: deps.onError } : {}),
  });

  const toView = ({ html: _h, text: _t, ...rest }: EmailRecord): EmailView => rest;

  return {
    worker,
    /** enabled returns whether confirmations are sent at all. */
    async enabled(): Promise<boolean> {
      return (await settings.email()).enabled;
    },
    /** render returns a message of `kind` filled with `values`, from the saved template. */
    async render(kind: EmailKind, values: EmailValues): Promise<RenderedEmail> {
      return renderEmail(await templateOf(kind), values);
    },
    /**
     * preview returns what `template` (or the saved one) looks like with sample values; it does
     * not check placeholders (saving does).
     */
    async preview(kind: EmailKind, template?: Partial<EmailTemplate>): Promise<RenderedEmail> {
      return renderEmail({ ...(await templateOf(kind)), ...template }, SAMPLE_VALUES);
    },
    /**
     * queue adds a rendered message to the outbox and returns its id. Call it inside the
     * transaction that made the change the message reports.
     */
    async queue(
      kind: OutboxKind,
      to: string,
      m: RenderedEmail,
      bookingId: number | null,
    ): Promise<number> {
      const id = await repo.enqueue(
        {
          messageId: `<${randomUUID()}@${deps.messageIdDomain()}>`,
          kind,
          bookingId,
          to,
          ...m,
        },
        clock.now(),
      );
      // Runs after the caller's (synchronous) transaction has committed.
      setImmediate(() => worker.kick());
      return id;
    },
    /**
     * sendTest sends one short message to `to` straight away over the saved SMTP settings
     * (not through the outbox, so staff see the server's answer now) and returns whether the
     * server accepted it, with its reason when not. Throws PORTICO_BAD_INPUT for a bad address.
     */
    async sendTest(
      to: string,
      actor: string,
    ): Promise<{ ok: true } | { ok: false; message: string }> {
      const address = parseEmailAddress(to);
      if (address === undefined)
        throw badInput([{ field: 'testTo', message: 'must be an e-mail address' }]);
      const s = await settings.email();
      const mailer = await mailerFor();
      if (mailer === null) return { ok: false, message: 'no SMTP server is set' };
      let result: { ok: true } | { ok: false; message: string } = { ok: true };
      try {
        await mailer.send({
          messageId: `<${randomUUID()}@${deps.messageIdDomain()}>`,
          from: s.from,
          to: address,
          subject: 'Portico test e-mail',
          html: '<p>This is a test e-mail from Portico. Your SMTP settings work.</p>',
          text: 'This is a test e-mail from Portico. Your SMTP settings work.',
        });
      } catch (err) {
        result = { ok: false, message: describeSendError(err).message };
      } finally {
        mailer.close();
      }
      await store.transaction(async (tx) =>
        tx.audit.record({
          at: clock.now(),
          actor,
          action: 'email.test',
          targetType: 'email',
          targetId: null,
          details: { ok: result.ok },
        }),
      );
      return result;
    },
    /** list returns messages newest first, optionally of one status, with counts per status. */
    async list(opts: { status?: EmailStatus; limit?: number; offset?: number } = {}): Promise<{
      messages: EmailView[];
      counts: Record<EmailStatus, number>;
    }> {
      return {
        messages: (
          await repo.list({
            ...(opts.status ? { status: opts.status } : {}),
            limit: Math.min(Math.max(opts.limit ?? 50, 1), 500),
            offset: opts.offset ?? 0,
          })
        ).map(toView),
        counts: await repo.countByStatus(),
      };
    },
    /** get returns one message with its body; throws PORTICO_NOT_FOUND. */
    async get(id: number): Promise<EmailRecord> {
      const m = await repo.findById(id);
      if (!m) throw notFound(`e-mail #${id}`);
      return m;
    },
    /** forBooking returns a booking's messages in the order they were queued. */
    async forBooking(bookingId: number): Promise<EmailView[]> {
      return (await repo.listForBooking(bookingId)).map(toView);
    },
    /** retry gives a failed message a fresh set of attempts, due now; false when it had not failed. */
    async retry(id: number, actor: string): Promise<boolean> {
      const now = clock.now();
      const ok = await store.transaction(async (tx) => {
        const ok = await repo.requeue(id, now);
        if (ok)
          await tx.audit.record({
            at: now,
            actor,
            action: 'email.retry',
            targetType: 'email',
            targetId: String(id),
            details: null,
          });
        return ok;
      });
      if (ok) worker.kick();
      return ok;
    },
  };
}

/** EmailService is the e-mail use cases' interface. */
export type EmailService = ReturnType<typeof createEmailService>;
