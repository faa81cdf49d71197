// The simulated gateway's RADIUS client side, as a NAS does it: requests built with Portico's
// own codec (Message-Authenticator first), sent over UDP, retransmitted with the same
// Identifier and bytes until an answer whose authenticators verify arrives or the tries run
// out (RFC 5080 §2.2.1). Answers that do not verify are ignored, not trusted.

import { createSocket, type Socket } from 'node:dgram';
import { encodeAttributes, type AttributePair } from '../radius/attributes.js';
import {
  verifyMessageAuthenticator,
  verifyResponseAuthenticator,
} from '../radius/authenticator.js';
import { decodePacket, encodeRequest, type RadiusPacket } from '../radius/packet.js';

/** RadiusClientOptions says where the RADIUS server is and how patiently to ask it. */
export type RadiusClientOptions = {
  host: string;
  secret: string;
  /** Wait for an answer before each retransmission; default 1000 ms. */
  timeoutMs?: number;
  /** Sends in all, the first included; default 3. */
  tries?: number;
};

/** RadiusClient sends requests to one RADIUS server and resolves with verified answers. */
export type RadiusClient = {
  /**
   * request sends `code` with `attributes` to `port` and resolves with the verified answer,
   * or undefined when none came after every try.
   */
  request(
    port: number,
    code: number,
    attributes: readonly AttributePair[],
  ): Promise<RadiusPacket | undefined>;
  close(): Promise<void>;
};

type Pending = {
  authenticator: Buffer;
  settle: (packet: RadiusPacket | undefined) => void;
};

/** createRadiusClient binds a UDP socket on an ephemeral port and returns the client. */
export async function createRadiusClient(opts: RadiusClientOptions): Promise<RadiusClient> {
  const secret = Buffer.from(opts.secret, 'utf8');
  const timeoutMs = opts.timeoutMs ?? 1000;
  const tries = opts.tries ?? 3;
  const socket: Socket = createSocket(opts.host.includes(':') ? 'udp6' : 'udp4');
  const pending = new Map<number, Pending>();
  let nextId = Math.floor(Math.random() * 256);

  socket.on('message', (datagram) => {
    const decoded = decodePacket(datagram);
    if (!decoded.ok) return;
    const packet = decoded.packet;
    const waiting = pending.get(packet.identifier);
    if (!waiting) return;
    if (!verifyResponseAuthenticator(packet, waiting.authenticator, secret)) return;
    if (
      packet.messageAuthenticatorOffset >= 0 &&
      !verifyMessageAuthenticator(packet, secret, waiting.authenticator)
    )
      return;
    waiting.settle(packet);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, opts.host.includes(':') ? '::1' : '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });

  // An Identifier stays reserved until its request is answered or given up (RFC 5080 §2.2.1).
  const takeId = (): number | undefined => {
    for (let i = 0; i < 256; i++) {
      const id = (nextId + i) & 0xff;
      if (!pending.has(id)) {
        nextId = (id + 1) & 0xff;
        return id;
      }
    }
    return undefined;
  };

  return {
    async request(port, code, attributes) {
      const identifier = takeId();
      if (identifier === undefined) return undefined;
      const bytes = encodeRequest({
        code,
        identifier,
        attributes: encodeAttributes(attributes),
        secret,
        messageAuthenticator: true,
      });
      const authenticator = Buffer.from(bytes.subarray(4, 20));
      return new Promise<RadiusPacket | undefined>((resolve) => {
        let sent = 0;
        let timer: NodeJS.Timeout | undefined;
        const settle = (packet: RadiusPacket | undefined) => {
          clearTimeout(timer);
          pending.delete(identifier);
          resolve(packet);
        };
        const send = () => {
          if (sent >= tries) return settle(undefined);
          sent++;
          socket.send(bytes, port, opts.host);
          timer = setTimeout(send, timeoutMs);
        };
        pending.set(identifier, { authenticator, settle });
        send();
      });
    },
    async close() {
      for (const p of [...pending.values()]) p.settle(undefined);
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
