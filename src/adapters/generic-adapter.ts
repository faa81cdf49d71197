// Routers that send the code themselves (their own login page posts it over RADIUS) or send
// no parameters at all: there is nothing to read and nothing to hand back.

import type {
  AdapterOptions,
  HandOffResult,
  ParseResult,
  RouterAdapter,
} from './router-adapter.js';

/** genericAdapter accepts any request with an empty context and hands off to the success page. */
export const genericAdapter: RouterAdapter = {
  name: 'generic',
  matches: () => true,
  parse: (): ParseResult => ({ ok: true, context: { adapter: 'generic' } }),
  handOff: (_ctx, _credentials, opts: AdapterOptions): HandOffResult => ({
    ok: true,
    handOff: { kind: 'show-success', nextUrl: opts.defaultLandingUrl },
  }),
};
