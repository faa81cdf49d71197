// Which process serves a database file. `portico serve` writes `FILE.server.pid` (created
// exclusively) and removes it on shutdown; `portico db restore` refuses while the process
// named there is alive. A crashed server leaves the file behind: a pid that no longer runs
// is stale and taken over, so a crash never blocks the next start or a restore.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ERROR_CODES, PorticoError } from '../errors.js';

/** ServerLock is a held claim on a database file; release() removes it. */
export type ServerLock = { file: string; pid: number; release(): void };

/** serverLockFile returns the pid file's path for the database `dbFile`. */
export function serverLockFile(dbFile: string): string {
  return `${dbFile}.server.pid`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user (e.g. the portico service user).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * readServerLock returns the live server process holding `dbFile`, or null when none does
 * (no pid file, or one left by a process that is gone).
 */
export function readServerLock(dbFile: string): { pid: number } | null {
  let text: string;
  try {
    text = readFileSync(serverLockFile(dbFile), 'utf8');
  } catch {
    return null;
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  return alive(pid) ? { pid } : null;
}

/**
 * acquireServerLock claims `dbFile` for this process and returns the claim; it throws
 * PORTICO_CONFLICT when another live Portico server already serves that file.
 */
export function acquireServerLock(dbFile: string): ServerLock {
  const file = serverLockFile(dbFile);
  mkdirSync(dirname(dbFile), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return {
        file,
        pid: process.pid,
        release: () => {
          try {
            if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readServerLock(dbFile);
      if (holder)
        throw new PorticoError(
          ERROR_CODES.CONFLICT,
          `another Portico server (pid ${holder.pid}) is running on ${dbFile}`,
        );
      rmSync(file, { force: true });
    }
  }
  throw new PorticoError(
    ERROR_CODES.CONFLICT,
    `could not claim ${file}; is another server starting?`,
  );
}
