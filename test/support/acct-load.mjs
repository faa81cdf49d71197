#!/usr/bin/env node
// Accounting load from a process of its own, for the operations end-to-end test: logs
// `SESSIONS` devices in with CODE, then sends each one's Start and Interim-Updates (the
// session time grows by 5 s and the input octets by 1000 per update) back to back until
// `MAX` updates per device or `MAX_MS` have passed. Prints `ack ACCT-SESSION-ID OCTETS` for
// every Accounting-Response it gets, as soon as it gets it, and `done` at the end.
// Usage: node acct-load.mjs DIST AUTH_PORT ACCT_PORT SECRET CODE SESSIONS MAX MAX_MS

import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, authPort, acctPort, secretText, code, sessions, max, maxMs] = process.argv.slice(2);
const load = (p) => import(pathToFileURL(join(dist, p)).href);
const { encodeAttributes } = await load('radius/attributes.js');
const { decodePacket, encodeRequest } = await load('radius/packet.js');
const secret = Buffer.from(secretText);
const deadline = Date.now() + Number(maxMs);

const socket = createSocket('udp4');
const waiting = new Map();
let nextId = 0;
socket.on('message', (bytes) => {
  const w = waiting.get(bytes[1]);
  if (!w) return;
  waiting.delete(bytes[1]);
  clearTimeout(w.timer);
  w.resolve(bytes);
});
await new Promise((r) => socket.bind(0, '127.0.0.1', r));

/** send returns the reply, or undefined after three tries of 2 s each. */
async function send(codeNumber, attributes) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const id = nextId++ % 256;
    const bytes = encodeRequest({
      code: codeNumber,
      identifier: id,
      attributes,
      secret,
      messageAuthenticator: codeNumber === 1,
    });
    const reply = await new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        resolve(undefined);
      }, 2000);
      waiting.set(id, { resolve, timer });
      socket.send(bytes, Number(codeNumber === 1 ? authPort : acctPort), '127.0.0.1');
    });
    if (reply) return reply;
  }
  return undefined;
}

async function device(i) {
  const mac = `02-00-00-00-00-${String(10 + i).padStart(2, '0')}`;
  const acctId = `load-${process.pid}-${i}`;
  const who = encodeAttributes([
    ['User-Name', code],
    ['Calling-Station-Id', mac],
    ['NAS-IP-Address', '127.0.0.1'],
  ]);
  const accept = await send(1, [...who, ...encodeAttributes([['User-Password', code]])]);
  if (!accept || accept[0] !== 2) throw new Error(`device ${i} was not accepted`);
  const decoded = decodePacket(accept);
  const cls = decoded.ok ? decoded.packet.attributes.find((a) => a.type === 25) : undefined;
  const base = [
    ...who,
    ...encodeAttributes([['Acct-Session-Id', acctId]]),
    ...(cls ? [{ type: 25, value: Buffer.from(cls.value) }] : []),
  ];
  if (!(await send(4, [...base, ...encodeAttributes([['Acct-Status-Type', 'Start']])])))
    throw new Error(`device ${i}: no answer to Start`);
  for (let k = 1; k <= Number(max) && Date.now() < deadline; k++) {
    const octets = 1000 * k;
    const reply = await send(4, [
      ...base,
      ...encodeAttributes([
        ['Acct-Status-Type', 'Interim-Update'],
        ['Acct-Session-Time', 5 * k],
        ['Acct-Input-Octets', octets],
        ['Acct-Output-Octets', octets],
      ]),
    ]);
    if (!reply) throw new Error(`device ${i}: no answer to interim ${k}`);
    process.stdout.write(`ack ${acctId} ${octets}\n`);
  }
}

await Promise.all(Array.from({ length: Number(sessions) }, (_, i) => device(i)));
socket.close();
process.stdout.write('done\n');
