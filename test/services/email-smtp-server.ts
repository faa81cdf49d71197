// A real SMTP server on loopback for the e-mail tests (the smtp-server package), with a tiny
// MIME reader for the text and HTML parts nodemailer writes.

import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** ReceivedMail is one message the test server accepted. */
export type ReceivedMail = {
  messageId: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  raw: string;
};

const decodeQp = (s: string) =>
  Buffer.from(
    s
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  ).toString('utf8');

const decodeWord = (s: string) =>
  s.replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_m, enc: string, data: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : decodeQp(data.replace(/_/g, ' ')),
  );

const headerOf = (head: string, name: string): string => {
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(unfolded);
  return m ? (m[1] as string).trim() : '';
};

/** parseMime returns the headers we check and the decoded text/plain and text/html parts. */
export function parseMime(raw: string): Omit<ReceivedMail, 'to' | 'raw'> {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\r\n\r\n');
  const parts: Record<string, string> = {};
  const boundary = /boundary="?([^";\s]+)"?/i.exec(headerOf(head, 'Content-Type'))?.[1];
  const chunks = boundary ? body.split(`--${boundary}`).slice(1, -1) : [`${head}\r\n\r\n${body}`];
  for (const chunk of chunks) {
    const [ph = '', ...pb] = chunk.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
    const content = pb.join('\r\n\r\n').replace(/\r?\n$/, '');
    const type = headerOf(ph, 'Content-Type').split(';')[0]?.trim().toLowerCase() ?? '';
    const enc = headerOf(ph, 'Content-Transfer-Encoding').toLowerCase();
    parts[type] =
      enc === 'quoted-printable'
        ? decodeQp(content)
        : enc === 'base64'
          ? Buffer.from(content, 'base64').toString('utf8')
          : content;
  }
  return {
    messageId: headerOf(head, 'Message-ID'),
    subject: decodeWord(headerOf(head, 'Subject')),
    text: parts['text/plain'] ?? '',
    html: parts['text/html'] ?? '',
  };
}

/**
 * startSmtpServer listens on 127.0.0.1 port 0; while `mode` is 'reject' it answers every
 * recipient with a temporary 451, as a server in trouble does.
 */
export async function startSmtpServer(port = 0) {
  const received: ReceivedMail[] = [];
  const state = { mode: 'accept' as 'accept' | 'reject', rejected: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 2000,
    onRcptTo(_address, _session, callback) {
      if (state.mode === 'reject') {
        state.rejected++;
        callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        received.push({
          ...parseMime(raw),
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    state,
    /** countByMessageId returns how often each Message-ID arrived. */
    countByMessageId(): Map<string, number> {
      const m = new Map<string, number>();
      for (const r of received) m.set(r.messageId, (m.get(r.messageId) ?? 0) + 1);
      return m;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
