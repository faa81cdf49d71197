// The one signature scheme for webhooks in both directions: HMAC-SHA256 over
// `timestamp + "." + body` with a shared secret, sent as `X-Portico-Signature: t=<unix
// seconds>,v1=<hex>`. Signing the timestamp with the body makes an old request useless after
// the tolerance, and a receiver that remembers recent signatures refuses replays inside it.

import { createHmac, timingSafeEqual } from 'node:crypto';

/** SIGNATURE_HEADER is the header that carries the signature. */
export const SIGNATURE_HEADER = 'x-portico-signature';

/** SIGNATURE_TOLERANCE_MS is how far a signed timestamp may be from our clock. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

/** signatureHex returns the hex HMAC-SHA256 of `timestamp.body` under `secret`. */
export function signatureHex(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
}

/** signatureHeader returns the header value for `body` signed at `nowMs`. */
export function signatureHeader(secret: string, nowMs: number, body: string): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${signatureHex(secret, t, body)}`;
}

/** SignatureCheck is the outcome of checking a signature: the v1 value when good, else why not. */
export type SignatureCheck =
  | { ok: true; signature: string; timestampMs: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/**
 * verifySignature checks `header` against `body` and `secret` at `nowMs` (constant-time
 * comparison; any of several v1 values may match, so a sender can rotate secrets).
 */
export function verifySignature(
  header: string | undefined,
  body: string,
  secret: string,
  nowMs: number,
  toleranceMs = SIGNATURE_TOLERANCE_MS,
): SignatureCheck {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing' };
  let t: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't' && v !== undefined && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/i.test(v))
      candidates.push(v.toLowerCase());
  }
  if (t === undefined || candidates.length === 0) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowMs - t * 1000) > toleranceMs) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signatureHex(secret, t, body), 'hex');
  for (const c of candidates) {
    if (timingSafeEqual(expected, Buffer.from(c, 'hex')))
      return { ok: true, signature: c, timestampMs: t * 1000 };
  }
  return { ok: false, reason: 'mismatch' };
}
