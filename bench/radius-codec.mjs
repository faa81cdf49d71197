// Micro benchmark of the RADIUS codec on the hot path of one accounting packet: decode,
// verify the Request Authenticator, read the attributes the service uses, sign the reply.
// Run after `npm run build`: node bench/radius-codec.mjs
import { performance } from 'node:perf_hooks';
import {
  encodeAttributes,
  getAcctOutputOctets64,
  getInteger,
  getString,
} from '../dist/radius/attributes.js';
import { verifyRequestAuthenticator } from '../dist/radius/authenticator.js';
import { decodePacket, encodeRequest, encodeResponse } from '../dist/radius/packet.js';

const secret = Buffer.from('s3cret');
const request = encodeRequest({
  code: 4,
  identifier: 1,
  secret,
  attributes: encodeAttributes([
    ['Acct-Status-Type', 'Interim-Update'],
    ['Acct-Session-Id', '80f00003'],
    ['User-Name', 'AB12CD34'],
    ['Calling-Station-Id', 'AA-BB-CC-DD-EE-FF'],
    ['NAS-Identifier', 'hs1'],
    ['Acct-Session-Time', 300],
    ['Acct-Input-Octets', 123456],
    ['Acct-Output-Octets', 4294967295],
    ['Acct-Output-Gigawords', 1],
  ]),
});

function once() {
  const result = decodePacket(request);
  if (!result.ok || !verifyRequestAuthenticator(result.packet, secret)) throw new Error('bad');
  const packet = result.packet;
  getInteger(packet, 'Acct-Status-Type');
  getString(packet, 'Acct-Session-Id');
  getString(packet, 'User-Name');
  getString(packet, 'Calling-Station-Id');
  getInteger(packet, 'Acct-Session-Time');
  getAcctOutputOctets64(packet);
  return encodeResponse({
    code: 5,
    identifier: packet.identifier,
    requestAuthenticator: packet.authenticator,
    attributes: [],
    secret,
  });
}

for (let i = 0; i < 20_000; i++) once();
const n = 200_000;
const start = performance.now();
for (let i = 0; i < n; i++) once();
const ms = performance.now() - start;
console.log(
  `radius codec: ${Math.round((n / ms) * 1000)} accounting packets/s (${((ms * 1000) / n).toFixed(2)} µs each)`,
);
