// Sending one message over SMTP with nodemailer. The transport is built from the settings at
// send time, so a changed server takes effect without a restart. Credentials go to nodemailer
// only; nothing here logs them.

import nodemailer from 'nodemailer';
import type { EmailSettings } from './booking-settings.js';

/** OutgoingMail is one message as the outbox hands it to a mailer. */
export type OutgoingMail = {
  messageId: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
};

/** SendError is why a send failed and whether trying again can help. */
export type SendError = { permanent: boolean; message: string };

/** Mailer sends one message and resolves once the server accepted it; it rejects otherwise. */
export type Mailer = {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
};

const TIMEOUT_MS = 20_000;

/** createSmtpMailer returns a mailer for the SMTP server in `s`, or null when none is set. */
export function createSmtpMailer(s: EmailSettings): Mailer | null {
  if (s.smtpHost === null) return null;
  const transport = nodemailer.createTransport({
    host: s.smtpHost,
    port: s.smtpPort,
    secure: s.smtpTls === 'tls',
    requireTLS: s.smtpTls === 'starttls',
    ignoreTLS: s.smtpTls === 'none',
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
    logger: false,
    debug: false,
    ...(s.smtpUser !== null ? { auth: { user: s.smtpUser, pass: s.smtpPassword ?? '' } } : {}),
  });
  return {
    async send(mail) {
      const info = await transport.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        messageId: mail.messageId,
      });
      // One recipient: accepted means the server took responsibility for the message.
      if (info.accepted.length === 0)
        throw Object.assign(new Error(`recipient refused: ${info.response}`), {
          responseCode: 550,
          command: 'RCPT TO',
        });
    },
    close: () => transport.close(),
  };
}

/**
 * describeSendError returns a loggable reason for a failed send (server reply or socket
 * error, never credentials) and whether it is permanent: only a 5xx refusal of the recipient
 * is, since no retry will make the address exist. Everything else (refused connection,
 * timeout, 4xx, a server misconfigured for a while) is retried until the attempts run out.
 */
export function describeSendError(err: unknown): SendError {
  const e = err as {
    responseCode?: number;
    response?: string;
    code?: string;
    command?: string;
    message?: string;
  };
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const text = (e.response ?? e.message ?? String(err)).replace(/\s+/g, ' ').slice(0, 300);
  const permanent = code !== undefined && code >= 500 && e.command === 'RCPT TO';
  return {
    permanent,
    message: code !== undefined ? `${code} ${text}` : `${e.code ?? 'error'}: ${text}`,
  };
}
