// "E-mail this code": staff send one token's code to a guest with the visitor e-mail template
// (the same `{accesscode}` placeholders as bookings), through the outbox, so the message is
// retried like any other and shows in the outbox. The rate limit is counted from the audit
// log in the database, so it holds across nodes and restarts.

import { formatCode } from '../core/code.js';
import { formatDateTime } from '../core/describe.js';
import type { Clock } from '../clock.js';
import { badInput, ERROR_CODES, PorticoError, type FieldError } from '../errors.js';
import type { Store } from '../storage/store.js';
import { parseEmailAddress } from './booking-settings.js';
import type { EmailService } from './email-service.js';
import type { TokenService, TokenView } from './token-service.js';

/** TOKEN_EMAIL_LIMITS are how many codes may be e-mailed per hour: per token and per sender. */
export const TOKEN_EMAIL_LIMITS = { perToken: 5, perActor: 60, windowMs: 3_600_000 } as const;

/** TOKEN_EMAIL_ACTION is the audit action of an e-mailed code (and what the limit counts). */
export const TOKEN_EMAIL_ACTION = 'token.email';

/** TokenEmailInput is what staff type: the address and, optionally, the guest's name. */
export type TokenEmailInput = { to?: unknown; guestName?: unknown };

/** TokenEmailResult says which message was queued for which address. */
export type TokenEmailResult = { emailId: number; to: string; token: TokenView };

/** TokenEmailDeps are what sending a code needs. */
export type TokenEmailDeps = {
  store: Store;
  clock: Clock;
  tokens: TokenService;
  emails: EmailService;
  timeZone: () => string;
  spaceName: () => string;
  publicUrl: string;
};

const SENDABLE = new Set(['scheduled', 'unused', 'active', 'online']);

/**
 * createTokenEmail returns `send`, which queues a token's code for one address. It throws
 * PORTICO_BAD_INPUT for a bad address or name, PORTICO_CONFLICT for a token nobody can use
 * any more, PORTICO_RATE_LIMITED past TOKEN_EMAIL_LIMITS and PORTICO_NOT_FOUND for no token.
 */
export function createTokenEmail(deps: TokenEmailDeps) {
  const { store, clock, tokens, emails } = deps;
  const when = (ms: number) => formatDateTime(ms, deps.timeZone(), clock.now());

  return {
    async send(
      codeOrId: string | number,
      input: TokenEmailInput,
      actor: string,
    ): Promise<TokenEmailResult> {
      const errors: FieldError[] = [];
      const to = parseEmailAddress(input.to);
      if (to === undefined)
        errors.push({ field: 'to', message: 'must be an e-mail address, e.g. guest@example.org' });
      const guestName =
        typeof input.guestName === 'string' ? input.guestName.trim().replace(/\s+/g, ' ') : '';
      if (
        input.guestName !== undefined &&
        input.guestName !== null &&
        typeof input.guestName !== 'string'
      )
        errors.push({ field: 'guestName', message: 'must be text' });
      else if (guestName.length > 200)
        errors.push({ field: 'guestName', message: 'must be at most 200 characters' });
      if (errors.length > 0) throw badInput(errors);
      const token = await tokens.get(codeOrId);
      if (!SENDABLE.has(token.state))
        throw new PorticoError(
          ERROR_CODES.CONFLICT,
          `this token is ${token.state}: nobody can use it any more, so it is not e-mailed`,
        );
      const now = clock.now();
      const m = await emails.render('visitor', {
        accesscode: formatCode(token.code),
        accesscode_link: `${deps.publicUrl}/t/${token.code}`,
        guestname: guestName === '' ? 'there' : guestName,
        resource: token.description,
        start: when(token.validFrom ?? now),
        end: token.validUntil === null ? '' : when(token.validUntil),
        minutes: token.minutesLeft === null ? '' : String(token.minutesLeft),
        validuntil: token.validUntil === null ? '' : when(token.validUntil),
        spacename: deps.spaceName(),
      });
      const emailId = await store.transaction(async (tx) => {
        const recent = await tx.audit.search(
          { actionPrefixes: [TOKEN_EMAIL_ACTION], since: now - TOKEN_EMAIL_LIMITS.windowMs },
          1000,
        );
        const exact = recent.filter((e) => e.action === TOKEN_EMAIL_ACTION);
        if (
          exact.filter((e) => e.targetId === String(token.id)).length >= TOKEN_EMAIL_LIMITS.perToken
        )
          throw new PorticoError(
            ERROR_CODES.RATE_LIMITED,
            `this code was already e-mailed ${TOKEN_EMAIL_LIMITS.perToken} times in the last hour; try again later`,
          );
        if (exact.filter((e) => e.actor === actor).length >= TOKEN_EMAIL_LIMITS.perActor)
          throw new PorticoError(
            ERROR_CODES.RATE_LIMITED,
            `you have e-mailed ${TOKEN_EMAIL_LIMITS.perActor} codes in the last hour; try again later`,
          );
        const id = await emails.queue('token', to as string, m, null);
        await tx.audit.record({
          at: now,
          actor,
          action: TOKEN_EMAIL_ACTION,
          targetType: 'token',
          targetId: String(token.id),
          details: { to, emailId: id },
        });
        return id;
      });
      return { emailId, to: to as string, token };
    },
  };
}

/** TokenEmail is the "e-mail this code" use case. */
export type TokenEmail = ReturnType<typeof createTokenEmail>;
