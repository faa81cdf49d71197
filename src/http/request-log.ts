// What Fastify logs about each request. A code printed on a card or typed into a link is a
// bearer credential, and so are a status link and a success link (either opens the token's
// page, signs its devices out and hands its code to a router), so the request log shows
// them masked like every other log line does.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { maskCode } from '../core/code.js';

// The splash page's card links (/t/CODE) and the API's token routes (/api/v1/tokens/CODE...).
const CODE_IN_PATH = /^(\/t\/|\/api\/v1\/tokens\/)([^/?#]+)/;
// A status link keeps its token id (base 36) and loses its HMAC.
const STATUS_REF_IN_PATH = /^(\/status\/[0-9a-z]{1,11}\.)[^/?#]+/;
// `code=` on the splash page and the API, `uid=`/`username=` when a router sends the guest
// back after a login, `q=` when staff search the token list by code.
const CODE_IN_QUERY = /(^|&)(code=|uid=|username=|q=)([^&]*)/gi;
const SEAL_IN_QUERY = /(^|&)(s=)[^&]*/g;

/**
 * redactUrl returns a request URL with the token codes in its path and query masked, and
 * the HMAC of a status link and a success link's `s=` replaced by `***`.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q === -1 ? url : url.slice(0, q))
    .replace(
      CODE_IN_PATH,
      (_m, prefix: string, code: string) =>
        prefix + (code === 'export.csv' ? code : maskCode(code)),
    )
    .replace(STATUS_REF_IN_PATH, '$1***');
  if (q === -1) return path;
  const query = url
    .slice(q + 1)
    .replace(
      CODE_IN_QUERY,
      (_m, sep: string, key: string, code: string) => sep + key + maskCode(code),
    )
    .replace(SEAL_IN_QUERY, '$1$2***');
  return `${path}?${query}`;
}

/** requestSerializer returns the request as Fastify logs it, with codes masked in the URL. */
export function requestSerializer(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

// An id a proxy passed on (nginx: proxy_set_header X-Request-Id $request_id) is kept when it
// is short and plain; anything else gets a fresh one, so nothing odd reaches the log.
const GIVEN_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/** requestId returns the request's correlation id: the X-Request-Id it came with, or a new UUID. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && GIVEN_ID.test(given) ? given : randomUUID();
}
