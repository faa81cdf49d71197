// HTTP requests to URLs staff typed in (calendar feeds, outgoing webhooks), guarded so that
// an admin-entered URL cannot reach loopback, link-local, the cloud metadata address or
// private ranges unless staff allowed private addresses for that URL. The check runs on the
// address the socket actually connects to (the DNS answer handed to connect, and the
// socket's peer once connected), so a name that resolves to a public address when saved
// and to 127.0.0.1 later (DNS rebinding) is refused, and so is every redirect hop.
// Bounded: a deadline for the whole exchange, a byte limit on the body.

import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import * as http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import { ERROR_CODES, PorticoError } from '../errors.js';
import {
  ADDRESS_CLASS_WORDS,
  addressAllowed,
  classifyAddress,
  type AddressClass,
} from '../core/ip-ranges.js';

/** OutboundOptions are the seams tests use: a resolver, and addresses trusted besides the rules. */
export type OutboundOptions = {
  /** Resolves host names (default: the system resolver, as `dns.lookup` with `all`). */
  resolve?: (host: string) => Promise<LookupAddress[]>;
  /** Addresses allowed whatever their class (tests: one loopback address, not the others). */
  trusted?: (address: string) => boolean;
};

/** OutboundRequest is one request and its bounds. */
export type OutboundRequest = {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes: number;
  /** How many redirects to follow (GET only); 0 returns the 3xx as it is. */
  maxRedirects: number;
  allowPrivateNetwork: boolean;
};

/** OutboundResponse is the final response with its whole body. */
export type OutboundResponse = {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  url: string;
};

/** OutboundFailure is the kind of failure a caller can tell apart ('status': a non-2xx answer). */
export type OutboundFailure =
  'blocked' | 'tls' | 'timeout' | 'too-large' | 'dns' | 'connect' | 'redirects' | 'status' | 'url';

/** OutboundError is PORTICO_OUTBOUND: a failed request, its kind, and a plain-words message staff can act on. */
export class OutboundError extends PorticoError {
  constructor(
    readonly failure: OutboundFailure,
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super(ERROR_CODES.OUTBOUND, message, opts);
  }
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const systemResolve = (host: string) =>
  new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

const blockedError = (host: string, address: string, c: AddressClass) =>
  new OutboundError(
    'blocked',
    `${host === address ? address : `${host} (${address})`} is ${ADDRESS_CLASS_WORDS[c]}; ` +
      (c === 'metadata' || c === 'reserved' || c === 'invalid'
        ? 'Portico never connects there'
        : 'Portico connects there only when "allow private addresses" is ticked for this URL'),
  );

/** plainError turns a socket, DNS or TLS error into an OutboundError in plain words. */
const plainError = (err: unknown, url: URL): OutboundError => {
  if (err instanceof OutboundError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e.code ?? '';
  if (TLS_CODES.has(code))
    return new OutboundError(
      'tls',
      `the HTTPS certificate of ${url.host} is not trusted (${e.message}); fix the certificate on the server or use its http:// address`,
      { cause: err },
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new OutboundError('dns', `the host name ${url.hostname} was not found`, {
      cause: err,
    });
  if (code === 'ECONNREFUSED')
    return new OutboundError('connect', `${url.host} refused the connection`, { cause: err });
  if (code === 'ECONNRESET' || code === 'EPIPE')
    return new OutboundError('connect', `${url.host} closed the connection`, { cause: err });
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return new OutboundError('connect', `${url.host} cannot be reached from here`, {
      cause: err,
    });
  return new OutboundError('connect', `${url.host}: ${e.message}`, { cause: err });
};

/**
 * literalAddressProblem returns why a URL whose host is an IP address will be refused (so a
 * form can say so at once), or undefined; host names are checked when connecting.
 */
export function literalAddressProblem(
  url: string,
  allowPrivateNetwork: boolean,
): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
  const c = classifyAddress(host);
  if (c === 'invalid' || addressAllowed(c, allowPrivateNetwork)) return undefined;
  return blockedError(host, host, c).message;
}

/** createOutboundHttp returns the guarded request function. */
export function createOutboundHttp(opts: OutboundOptions = {}) {
  const resolve = opts.resolve ?? systemResolve;
  const trusted = opts.trusted ?? (() => false);

  const check = (host: string, address: string, allowPrivate: boolean) => {
    if (trusted(address)) return;
    const c = classifyAddress(address);
    if (!addressAllowed(c, allowPrivate)) throw blockedError(host, address, c);
  };

  /** guardedLookup resolves a host and refuses the connection when any answer is out of bounds. */
  const guardedLookup =
    (allowPrivate: boolean): LookupFunction =>
    (hostname, options, callback) => {
      resolve(hostname).then(
        (all) => {
          try {
            if (all.length === 0) throw new OutboundError('dns', `no address for ${hostname}`);
            for (const a of all) check(hostname, a.address, allowPrivate);
            const family = options.family === 6 ? 6 : options.family === 4 ? 4 : 0;
            const usable = family === 0 ? all : all.filter((a) => a.family === family);
            if (options.all) callback(null, usable);
            else {
              const first = usable[0] ?? (all[0] as LookupAddress);
              callback(null, first.address, first.family);
            }
          } catch (err) {
            callback(err as NodeJS.ErrnoException, '', 0);
          }
        },
        (err: NodeJS.ErrnoException) => callback(err, '', 0),
      );
    };

  const once = (
    url: URL,
    req: OutboundRequest,
    deadline: AbortSignal,
  ): Promise<{ res: IncomingMessage; body: Buffer }> =>
    new Promise((resolvePromise, reject) => {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      // An IP literal never goes through the lookup: check it here.
      if (classifyAddress(host) !== 'invalid') {
        try {
          check(host, host, req.allowPrivateNetwork);
        } catch (err) {
          reject(err as Error);
          return;
        }
      }
      const mod = url.protocol === 'https:' ? https : http;
      const r = mod.request(url, {
        method: req.method ?? 'GET',
        headers: req.headers,
        agent: false,
        lookup: guardedLookup(req.allowPrivateNetwork),
        signal: deadline,
      });
      r.on('socket', (socket) => {
        socket.once('connect', () => {
          // Belt and braces: whatever resolved the name, the peer is what counts.
          const peer = socket.remoteAddress;
          if (peer === undefined) return;
          try {
            check(host, peer, req.allowPrivateNetwork);
          } catch (err) {
            r.destroy(err as Error);
          }
        });
      });
      r.on('error', (err) => {
        if (deadline.aborted)
          reject(
            new OutboundError('timeout', `no complete answer within ${req.timeoutMs / 1000} s`),
          );
        else reject(plainError(err, url));
      });
      r.on('response', (res) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > req.maxBytes) {
          r.destroy();
          reject(tooLarge(req.maxBytes));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > req.maxBytes) {
            r.destroy();
            reject(tooLarge(req.maxBytes));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolvePromise({ res, body: Buffer.concat(chunks) }));
        res.on('error', (err) => reject(plainError(err, url)));
      });
      r.end(req.body);
    });

  /**
   * request sends `req` and returns the final response with its body; follows up to
   * `maxRedirects` redirects, each checked like the first. Throws OutboundError saying in
   * plain words what went wrong (blocked address, untrusted certificate, timeout, size ...).
   */
  return async function request(req: OutboundRequest): Promise<OutboundResponse> {
    const deadline = AbortSignal.timeout(req.timeoutMs);
    let url: URL;
    try {
      url = new URL(req.url);
    } catch (err) {
      throw new OutboundError('url', `${req.url} is not a URL`, { cause: err });
    }
    for (let hop = 0; ; hop++) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new OutboundError(
          'url',
          `only http:// and https:// addresses are fetched, not ${url.protocol}`,
        );
      const { res, body } = await once(url, req, deadline);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location && req.maxRedirects > 0) {
        if (hop >= req.maxRedirects)
          throw new OutboundError('redirects', `more than ${req.maxRedirects} redirects`);
        url = new URL(location, url);
        continue;
      }
      return { status, headers: res.headers, body, url: url.toString() };
    }
  };
}

const tooLarge = (max: number) =>
  new OutboundError(
    'too-large',
    `the answer is larger than ${max >= 1_000_000 ? `${Math.round(max / 1_000_000)} MB` : `${max} bytes`}`,
  );

/** OutboundHttp is the guarded request function. */
export type OutboundHttp = ReturnType<typeof createOutboundHttp>;
