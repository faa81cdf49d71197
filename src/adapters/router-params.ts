// Small readers shared by the adapters: router parameters are untrusted text, so each value
// is trimmed, length-capped and stripped of control characters before it reaches a context.

import { isIP } from 'node:net';
import type { ClientContext } from './router-adapter.js';

/** MAX_TEXT_LENGTH caps identifiers such as NAS-Identifier, SSID or session id. */
export const MAX_TEXT_LENGTH = 253;

/** MAX_MESSAGE_LENGTH caps reply and error texts from the router. */
export const MAX_MESSAGE_LENGTH = 512;

// C0/C1 controls and the Unicode format characters that reorder or hide text.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * readText returns the first present, non-empty value among `keys`, trimmed, with control
 * characters removed and cut to `max` characters, or undefined when there is none.
 */
export function readText(
  params: Record<string, string>,
  keys: string | readonly string[],
  max = MAX_TEXT_LENGTH,
): string | undefined {
  for (const key of typeof keys === 'string' ? [keys] : keys) {
    const raw = Object.hasOwn(params, key) ? params[key] : undefined;
    if (typeof raw !== 'string') continue;
    const text = raw.replace(CONTROL, '').trim().slice(0, max);
    if (text !== '') return text;
  }
  return undefined;
}

/**
 * readRaw returns the first present, non-empty value among `keys` with only surrounding
 * whitespace trimmed, for URLs that safe-url must see as the router sent them.
 */
export function readRaw(
  params: Record<string, string>,
  keys: string | readonly string[],
): string | undefined {
  for (const key of typeof keys === 'string' ? [keys] : keys) {
    const raw = Object.hasOwn(params, key) ? params[key] : undefined;
    if (typeof raw === 'string' && raw.trim() !== '') return raw.trim();
  }
  return undefined;
}

/** readIp returns the value of `key` when it is an IPv4 or IPv6 literal, else undefined. */
export function readIp(params: Record<string, string>, key: string): string | undefined {
  const value = readText(params, key);
  return value !== undefined && isIP(value) !== 0 ? value : undefined;
}

/** hasAny returns true when at least one of `keys` is present with a non-empty value. */
export function hasAny(params: Record<string, string>, keys: readonly string[]): boolean {
  return keys.some((key) => readText(params, key) !== undefined);
}

/** dropUndefined returns a copy of `ctx` without the keys whose value is undefined. */
export function dropUndefined(ctx: ClientContext): ClientContext {
  return Object.fromEntries(
    Object.entries(ctx).filter(([, v]) => v !== undefined),
  ) as ClientContext;
}
