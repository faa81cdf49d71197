import { createSocket, type Socket } from 'node:dgram';
import { afterEach } from 'vitest';
import type { RadiusLogger } from '../../src/radius/logger.js';

/** TestPeer is a UDP socket on 127.0.0.1 that sends datagrams and queues what comes back. */
export interface TestPeer {
  readonly port: number;
  send(bytes: Buffer, port: number): void;
  /** Resolves with the next datagram, or undefined once timeoutMs has passed. */
  next(timeoutMs?: number): Promise<Buffer | undefined>;
  /** The datagrams received and not yet taken by next(). */
  readonly pending: number;
  close(): Promise<void>;
}

/** openPeer binds a TestPeer on 127.0.0.1 port 0. */
export async function openPeer(
  onMessage?: (bytes: Buffer, remote: { address: string; port: number }, socket: Socket) => void,
): Promise<TestPeer> {
  const socket = createSocket('udp4');
  const queue: Buffer[] = [];
  const waiters: ((bytes: Buffer) => void)[] = [];
  socket.on('message', (bytes, remote) => {
    if (onMessage) return onMessage(bytes, remote, socket);
    const waiter = waiters.shift();
    if (waiter) waiter(bytes);
    else queue.push(bytes);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    send: (bytes, port) => socket.send(bytes, port, '127.0.0.1'),
    next(timeoutMs = 5000) {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(done), 1);
          resolve(undefined);
        }, timeoutMs);
        const done = (bytes: Buffer) => {
          clearTimeout(timer);
          resolve(bytes);
        };
        waiters.push(done);
      });
    },
    get pending() {
      return queue.length;
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** waitFor polls predicate until it holds, failing the test after timeoutMs. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** LogLine is one captured log call. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly obj: object;
  readonly msg: string;
}

/** captureLogger returns a RadiusLogger that records every call in lines. */
export function captureLogger(): RadiusLogger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (obj: object, msg: string): void => {
      lines.push({ level, obj, msg });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** useCleanup returns a function that registers work to undo after each test, last first. */
export function useCleanup(): (undo: () => Promise<void>) => void {
  const pending: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (pending.length) await pending.pop()!();
  });
  return (undo) => {
    pending.push(undo);
  };
}
