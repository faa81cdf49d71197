// POST /webhooks/bookings: booking systems that push events sign the exact body with the
// shared secret from Settings > Bookings (X-Portico-Signature: t=<unix seconds>,v1=<hex
// HMAC-SHA256 of "t.body">). The body is kept as the raw text the signature covers; missing,
// stale, forged and replayed requests get 401 and change nothing.

import type { FastifyPluginAsync } from 'fastify';
import { ERROR_CODES, PorticoError } from '../../errors.js';
import type { Services } from '../../services/services.js';
import { SIGNATURE_HEADER } from '../../services/webhook-signature.js';
import { presentBooking } from '../api/bookings.js';

const REFUSALS = {
  missing: `sign the request: send ${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`,
  malformed: `the ${SIGNATURE_HEADER} header is malformed; expected t=<unix seconds>,v1=<64 hex digits>`,
  stale:
    'the signature timestamp is more than 5 minutes from our clock; sign each request when sending it',
  mismatch: 'the signature does not match the body; check the shared secret',
  replayed: 'this signed request was already received',
  disabled: 'the booking webhook is off: set its shared secret in Settings > Bookings',
} as const;

/** bookingWebhookRoutes registers POST /bookings; register it with the /webhooks prefix. */
export const bookingWebhookRoutes: FastifyPluginAsync<{ services: Services }> = async (
  app,
  { services },
) => {
  // In this plugin only: keep JSON as the exact text that was signed.
  app.addContentTypeParser(
    ['application/json', 'text/plain'],
    { parseAs: 'string', bodyLimit: 262_144 },
    (_request, body, done) => done(null, body),
  );

  app.post('/bookings', async (request, reply) => {
    const raw = typeof request.body === 'string' ? request.body : '';
    const header = request.headers[SIGNATURE_HEADER];
    const r = await services.bookings.handleWebhook(
      raw,
      typeof header === 'string' ? header : undefined,
    );
    if (!r.ok) {
      request.log.warn({ reason: r.reason }, 'booking webhook refused');
      throw new PorticoError(ERROR_CODES.UNAUTHORIZED, REFUSALS[r.reason]);
    }
    return reply
      .status(r.outcome === 'created' ? 201 : 200)
      .send(presentBooking(r.outcome, r.booking, services.timeZone()));
  });
};
