// A pino logger that keeps its JSON lines in memory, for tests that check what is logged.

import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/** LogLine is one parsed log line. */
export type LogLine = Record<string, unknown> & { level: number; msg: string };

/** memoryLogger returns a logger at `level` and the lines it wrote, parsed. */
export function memoryLogger(level = 'debug'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n'))
        if (l.trim()) lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}
