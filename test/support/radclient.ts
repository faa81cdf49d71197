// Debian's radclient (freeradius-utils) as an independent RADIUS client for end-to-end
// tests: it verifies our authenticators and Message-Authenticator itself.

import { spawn } from 'node:child_process';

/** RADCLIENT is where Debian installs radclient (the pretest step installs it). */
export const RADCLIENT = '/usr/bin/radclient';

/** RadclientRun is radclient's exit code and everything it printed. */
export type RadclientRun = { readonly exitCode: number | null; readonly output: string };

/** radclient runs radclient with `args`, feeding `input` on stdin; it rejects after `timeoutMs`. */
export function radclient(
  args: string[],
  input: string,
  timeoutMs = 20_000,
): Promise<RadclientRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(RADCLIENT, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`radclient did not finish within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, output });
    });
    child.stdin.end(input);
  });
}
