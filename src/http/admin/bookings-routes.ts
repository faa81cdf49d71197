// Bookings on the dashboard: recent bookings and visitors with their codes and e-mail status,
// cancel or resend per booking, the manual booking form, the desk's visitor form, the e-mail outbox (retry a failed message), Settings > Bookings
// (token policy, incoming-webhook secret), the calendar feeds, Settings > E-mail (SMTP and the
// templates, with a preview), and the outgoing webhooks with their delivery log.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { EMAIL_PLACEHOLDERS, unknownPlaceholders } from '../../services/email-template.js';
import type { EmailKind } from '../../services/email-service.js';
import { WEBHOOK_EVENT_HELP, WEBHOOK_EVENTS } from '../../services/webhook-service.js';
import { FEED_POLICY_FIELDS } from '../../services/booking-settings.js';
import { FEED_DEFAULTS, type FeedView } from '../../services/feed-service.js';
import type { FeedPollResult } from '../../services/ics-poller.js';
import { PorticoError } from '../../errors.js';
import { staffActor } from '../plugins/staff-auth.js';
import { fieldErrors, formBody, list, str, type AdminOptions } from './pages.js';

const staff = { role: 'staff' as const };
const EMAIL_STATUSES = ['queued', 'sending', 'retrying', 'sent', 'failed'] as const;

/** checked returns whether a checkbox (hidden "0" plus box "1") was ticked. */
const checked = (v: string | string[] | undefined) => list(v).includes('1');

/** bookingId returns a URL's booking id as a number (0, which no booking has, when not one). */
const bookingId = (v: string) => (/^\d{1,15}$/.test(v) ? Number(v) : 0);

/** flatFeed returns a feed as the form's flat values (policy fields as 'policy.NAME'). */
const flatFeed = (f: FeedView): Record<string, unknown> => {
  const values: Record<string, unknown> = { ...f };
  for (const [k, v] of Object.entries(f.policy)) values[`policy.${k}`] = v;
  return values;
};

/** PageExtra is what a form page shows besides its data: values typed, errors, a notice. */
type PageExtra = {
  values?: Record<string, unknown>;
  errors?: Record<string, string>;
  notice?: string;
  newSecret?: string;
};

/** bookingsRoutes registers the booking pages under /admin/bookings. */
export const bookingsRoutes: FastifyPluginAsync<AdminOptions> = async (
  app,
  { services, pages },
) => {
  /** page returns a renderer of `template` whose data comes from `data` at render time. */
  const page =
    <E extends PageExtra>(template: string, title: string, data: (e: E) => Promise<object>) =>
    async (request: FastifyRequest, reply: FastifyReply, extra: E, status = 200) =>
      pages.render(
        request,
        reply,
        `bookings/${template}`,
        { title, errors: extra.errors ?? {}, notice: extra.notice ?? '', ...(await data(extra)) },
        status,
      );

  const overview = page('list', 'Bookings and visitors', async (e: PageExtra) => ({
    wide: true,
    bookings: await services.bookings.list({ limit: 100 }),
    counts: (await services.emails.list({ limit: 1 })).counts,
    feeds: await services.feeds.list(),
    values: e.values ?? {},
  }));

  /** DONE are the confirmations the list shows after an action, named in the URL. */
  const DONE: Record<string, string> = {
    registered: 'Visitor registered; their code is below.',
    added: 'Booking added; its code is below.',
    'added-mail': 'Booking added; its code is below and the confirmation is in the outbox.',
    'added-nomail':
      'Booking added; its code is below. No e-mail was queued: e-mail is off in Settings > E-mail.',
    cancelled:
      'Booking cancelled: its code is revoked and devices online now are being disconnected.',
    resent: 'The confirmation with the code is queued in the outbox again.',
  };

  app.get<{ Querystring: { registered?: string; done?: string } }>(
    '/bookings',
    { config: staff },
    async (request, reply) =>
      overview(request, reply, {
        notice: request.query.registered
          ? (DONE.registered as string)
          : (DONE[request.query.done ?? ''] ?? ''),
      }),
  );

  // The manual booking form: a booking typed in by staff, its tokens made as a booking
  // system's would be (Settings > Bookings decides minutes and devices).
  const manualPage = page('new', 'New booking', async (e: PageExtra) => ({
    policy: await services.bookingSettings.bookings(),
    emailOn: await services.emails.enabled(),
    values: e.values ?? { sendEmail: '1' },
  }));

  app.get('/bookings/new', { config: staff }, async (request, reply) =>
    manualPage(request, reply, {}),
  );

  app.post('/bookings/new', { config: staff }, async (request, reply) => {
    const body = formBody(request);
    const sendEmail = checked(body.sendEmail);
    try {
      await services.bookings.createManual(
        {
          guestName: str(body.guestName),
          guestEmail: str(body.guestEmail),
          resource: str(body.resource),
          start: str(body.start),
          end: str(body.end),
          attendees: str(body.attendees),
          sendEmail,
        },
        staffActor(request),
      );
      const done = !sendEmail
        ? 'added'
        : (await services.emails.enabled())
          ? 'added-mail'
          : 'added-nomail';
      return reply.redirect(`/admin/bookings?done=${done}`, 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return manualPage(
        request,
        reply,
        { values: { ...body, sendEmail: sendEmail ? '1' : '0' }, errors },
        400,
      );
    }
  });

  app.get<{ Params: { id: string } }>(
    '/bookings/:id/cancel',
    { config: staff },
    async (request, reply) => {
      const booking = await services.bookings.getById(bookingId(request.params.id));
      return pages.render(request, reply, 'bookings/confirm-cancel', {
        title: 'Cancel this booking?',
        booking,
      });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/bookings/:id/cancel',
    { config: staff },
    async (request, reply) => {
      await services.bookings.cancelById(bookingId(request.params.id), staffActor(request));
      return reply.redirect('/admin/bookings?done=cancelled', 303);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/bookings/:id/resend',
    { config: staff },
    async (request, reply) => {
      try {
        await services.bookings.resend(bookingId(request.params.id), staffActor(request));
        return reply.redirect('/admin/bookings?done=resent', 303);
      } catch (err) {
        if (!(err instanceof PorticoError) || err.code !== 'PORTICO_CONFLICT') throw err;
        const message = `Not sent: ${err.message}.`;
        return overview(request, reply, { errors: { _form: message } }, 409);
      }
    },
  );

  app.post('/bookings/visitors', { config: staff }, async (request, reply) => {
    const body = formBody(request);
    try {
      await services.bookings.registerVisitor(
        {
          name: str(body.name),
          email: str(body.email),
          expectedArrival: str(body.expectedArrival),
        },
        staffActor(request),
      );
      return reply.redirect('/admin/bookings?registered=1', 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return overview(request, reply, { values: body, errors }, 400);
    }
  });

  app.get<{ Querystring: { status?: string } }>(
    '/bookings/outbox',
    { config: staff },
    async (request, reply) => {
      const status = (EMAIL_STATUSES as readonly string[]).includes(request.query.status ?? '')
        ? (request.query.status as (typeof EMAIL_STATUSES)[number])
        : undefined;
      const r = await services.emails.list({ ...(status ? { status } : {}), limit: 200 });
      return pages.render(request, reply, 'bookings/outbox', {
        title: 'E-mail outbox',
        wide: true,
        refreshSeconds: 30,
        messages: r.messages,
        counts: r.counts,
        statuses: EMAIL_STATUSES,
        status: status ?? '',
      });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/bookings/outbox/:id/retry',
    { config: staff },
    async (request, reply) => {
      await services.emails.retry(Number(request.params.id), staffActor(request));
      return reply.redirect('/admin/bookings/outbox', 303);
    },
  );

  // Settings > Bookings (admins).
  const bookingSettingsPage = page('settings', 'Settings > Bookings', async (e: PageExtra) => ({
    values: e.values ?? (await services.bookingSettings.bookings()),
    newSecret: e.newSecret ?? '',
    hasSecret: (await services.bookingSettings.bookings()).webhookSecret !== null,
    webhookUrl: `${services.config.publicUrl}/webhooks/bookings`,
  }));

  app.get<{ Querystring: { saved?: string } }>('/bookings/settings', async (request, reply) =>
    bookingSettingsPage(request, reply, {
      notice: request.query.saved !== undefined ? 'Settings saved.' : '',
    }),
  );

  app.post('/bookings/settings', async (request, reply) => {
    const body = formBody(request);
    try {
      await services.bookingSettings.updateBookings(
        {
          enabled: checked(body.enabled),
          graceBeforeMinutes: str(body.graceBeforeMinutes),
          graceAfterMinutes: str(body.graceAfterMinutes),
          fixedMinutes: str(body.fixedMinutes),
          devices: str(body.devices),
          devicesPer: str(body.devicesPer),
          tokensPer: str(body.tokensPer),
          ...(checked(body.removeWebhookSecret) ? { webhookSecret: null } : {}),
        },
        staffActor(request),
      );
      return reply.redirect('/admin/bookings/settings?saved=1', 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return bookingSettingsPage(
        request,
        reply,
        { values: { ...body, enabled: checked(body.enabled) }, errors },
        400,
      );
    }
  });

  app.post('/bookings/settings/webhook-secret', async (request, reply) => {
    const secret = await services.bookingSettings.generateWebhookSecret(staffActor(request));
    return bookingSettingsPage(request, reply, {
      newSecret: secret,
      notice: 'New shared secret made. Copy it into the booking system now: it is not shown again.',
    });
  });

  // Calendar feeds (admins).
  const feedsPage = page('feeds', 'Calendar feeds', async (e: PageExtra) => ({
    wide: true,
    feeds: await services.feeds.list(),
    values: e.values ?? { ...FEED_DEFAULTS, enabled: true },
  }));

  const feedPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: number,
    extra: PageExtra,
    status = 200,
  ) => {
    const feed = await services.feeds.get(id);
    return page('feed', feed.name, async (e: PageExtra) => ({
      feed,
      values: e.values ?? flatFeed(feed),
    }))(request, reply, extra, status);
  };

  /** feedInput reads the feed form: checkboxes as flags, policy.* fields as the policy. */
  const feedInput = (body: Record<string, string | string[] | undefined>) => {
    const policy: Record<string, string> = {};
    for (const k of FEED_POLICY_FIELDS) policy[k] = str(body[`policy.${k}`]);
    return {
      name: str(body.name),
      url: str(body.url),
      resource: str(body.resource),
      pollMinutes: str(body.pollMinutes),
      horizonDays: str(body.horizonDays),
      skipFree: checked(body.skipFree),
      skipPrivate: checked(body.skipPrivate),
      allowPrivateNetwork: checked(body.allowPrivateNetwork),
      enabled: checked(body.enabled),
      policy,
    };
  };

  /** formValues returns what the form showed, for re-rendering it next to its errors. */
  const formValues = (body: Record<string, string | string[] | undefined>) => {
    const input = feedInput(body);
    const values: Record<string, unknown> = { ...input };
    for (const [k, v] of Object.entries(input.policy)) values[`policy.${k}`] = v;
    return values;
  };

  const pollNotice = (r: FeedPollResult) =>
    r.ok
      ? `Feed read${r.notModified ? ' (unchanged on the server)' : ''}: ${r.events} events, ${r.occurrences} bookings in the window, ${r.created} new, ${r.updated} changed, ${r.cancelled} cancelled${r.skipped ? `, ${r.skipped} skipped by the feed's rules` : ''}.`
      : `The feed could not be read: ${r.error}`;

  app.get('/bookings/feeds', async (request, reply) => feedsPage(request, reply, {}));

  app.post('/bookings/feeds', async (request, reply) => {
    const body = formBody(request);
    try {
      const f = await services.feeds.create(feedInput(body), staffActor(request));
      return reply.redirect(`/admin/bookings/feeds/${f.id}?added=1`, 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return feedsPage(request, reply, { values: formValues(body), errors }, 400);
    }
  });

  app.get<{ Params: { id: string }; Querystring: { added?: string; saved?: string } }>(
    '/bookings/feeds/:id',
    async (request, reply) =>
      feedPage(request, reply, Number(request.params.id), {
        notice:
          request.query.added !== undefined
            ? 'Feed added; Portico reads it in a moment. "Read now" reads it at once.'
            : request.query.saved !== undefined
              ? 'Feed saved.'
              : '',
      }),
  );

  app.post<{ Params: { id: string } }>('/bookings/feeds/:id', async (request, reply) => {
    const id = Number(request.params.id);
    const body = formBody(request);
    try {
      await services.feeds.update(id, feedInput(body), staffActor(request));
      return reply.redirect(`/admin/bookings/feeds/${id}?saved=1`, 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return feedPage(request, reply, id, { values: formValues(body), errors }, 400);
    }
  });

  app.post<{ Params: { id: string } }>('/bookings/feeds/:id/poll', async (request, reply) => {
    const id = Number(request.params.id);
    await services.feeds.get(id);
    const r = await services.ics.pollFeed(id);
    return feedPage(request, reply, id, { notice: pollNotice(r) });
  });

  app.post<{ Params: { id: string } }>('/bookings/feeds/:id/delete', async (request, reply) => {
    await services.feeds.remove(Number(request.params.id), staffActor(request));
    return reply.redirect('/admin/bookings/feeds', 303);
  });

  // Settings > E-mail (admins): SMTP and the templates, with a preview.
  type Preview = { kind: EmailKind; subject: string; html: string; text: string };
  const emailPage = page(
    'email',
    'Settings > E-mail',
    async (e: PageExtra & { preview?: Preview | null }) => ({
      wide: true,
      values: e.values ?? (await services.bookingSettings.emailView()),
      passwordSet: (await services.bookingSettings.emailView()).smtpPasswordSet,
      preview: e.preview ?? null,
      placeholders: EMAIL_PLACEHOLDERS,
    }),
  );

  const emailPatch = (body: Record<string, string | string[] | undefined>) => ({
    enabled: checked(body.enabled),
    smtpHost: str(body.smtpHost),
    smtpPort: str(body.smtpPort),
    smtpTls: str(body.smtpTls),
    smtpUser: str(body.smtpUser),
    smtpPassword: str(body.smtpPassword),
    clearPassword: checked(body.clearPassword),
    from: str(body.from),
    maxAttempts: str(body.maxAttempts),
    bookingSubject: str(body.bookingSubject),
    bookingHtml: str(body.bookingHtml),
    visitorSubject: str(body.visitorSubject),
    visitorHtml: str(body.visitorHtml),
  });

  app.get<{ Querystring: { saved?: string } }>('/bookings/email', async (request, reply) =>
    emailPage(request, reply, {
      notice: request.query.saved !== undefined ? 'E-mail settings saved.' : '',
    }),
  );

  app.post('/bookings/email', async (request, reply) => {
    const body = formBody(request);
    // The password is never sent back to the page, whatever happens.
    const shown = { ...body, smtpPassword: '', enabled: checked(body.enabled) };
    const action = str(body.action);
    if (action === 'preview-booking' || action === 'preview-visitor') {
      const kind: EmailKind = action === 'preview-visitor' ? 'visitor' : 'booking';
      const p = await services.emails.preview(kind, {
        subject: str(body[`${kind}Subject`]),
        html: str(body[`${kind}Html`]),
      });
      const errors: Record<string, string> = {};
      for (const field of [`${kind}Subject`, `${kind}Html`]) {
        const unknown = unknownPlaceholders(str(body[field]));
        if (unknown.length > 0)
          errors[field] = `uses unknown placeholder ${unknown.map((u) => `{${u}}`).join(', ')}`;
      }
      return emailPage(request, reply, { values: shown, errors, preview: { kind, ...p } });
    }
    try {
      await services.bookingSettings.updateEmail(emailPatch(body), staffActor(request));
      return reply.redirect('/admin/bookings/email?saved=1', 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return emailPage(request, reply, { values: shown, errors }, 400);
    }
  });

  app.post('/bookings/email/test', async (request, reply) => {
    const body = formBody(request);
    const values = { ...(await services.bookingSettings.emailView()), testTo: str(body.testTo) };
    try {
      const r = await services.emails.sendTest(str(body.testTo), staffActor(request));
      return emailPage(
        request,
        reply,
        r.ok
          ? {
              values,
              notice: `Test e-mail sent to ${str(body.testTo).trim()}: the server accepted it.`,
            }
          : { values, errors: { _form: `The test e-mail was not sent: ${r.message}.` } },
      );
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return emailPage(request, reply, { values, errors }, 400);
    }
  });

  // Outgoing webhooks (admins).
  const webhooksPage = page('webhooks', 'Webhooks', async (e: PageExtra) => ({
    wide: true,
    webhooks: await services.webhooks.list(),
    deliveries: await services.webhooks.deliveries({ limit: 100 }),
    events: WEBHOOK_EVENTS,
    eventHelp: WEBHOOK_EVENT_HELP,
    values: e.values ?? { events: [] },
    newSecret: e.newSecret ?? '',
  }));

  app.get('/bookings/webhooks', async (request, reply) => webhooksPage(request, reply, {}));

  app.post('/bookings/webhooks', async (request, reply) => {
    const body = formBody(request);
    try {
      const r = await services.webhooks.register(
        {
          url: str(body.url),
          events: list(body.events),
          description: str(body.description),
          allowPrivateNetwork: checked(body.allowPrivateNetwork),
        },
        staffActor(request),
      );
      return webhooksPage(request, reply, {
        newSecret: r.secret,
        notice: `Webhook added. Its signing secret is below: copy it now, it is not shown again.`,
      });
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return webhooksPage(
        request,
        reply,
        { values: { ...body, events: list(body.events) }, errors },
        400,
      );
    }
  });

  app.post<{ Params: { id: string } }>('/bookings/webhooks/:id/toggle', async (request, reply) => {
    const id = Number(request.params.id);
    const w = await services.webhooks.get(id);
    await services.webhooks.setEnabled(id, w.disabledAt !== null, staffActor(request));
    return reply.redirect('/admin/bookings/webhooks', 303);
  });

  app.post<{ Params: { id: string } }>('/bookings/webhooks/:id/delete', async (request, reply) => {
    await services.webhooks.remove(Number(request.params.id), staffActor(request));
    return reply.redirect('/admin/bookings/webhooks', 303);
  });

  app.get<{ Params: { id: string } }>(
    '/bookings/webhooks/deliveries/:id',
    async (request, reply) => {
      const id = Number(request.params.id);
      return pages.render(request, reply, 'bookings/delivery', {
        title: `Delivery #${id}`,
        delivery: await services.webhooks.delivery(id),
        attempts: await services.webhooks.attempts(id),
      });
    },
  );
};
