// A token with no limits but one device, for the rules' tests to vary one field at a time.

import type { Token } from '../../src/core/token.js';

/** BASE_TOKEN has no time, data or rate limit, one device, and no usage. */
export const BASE_TOKEN: Token = {
  id: 1,
  code: '7KQ4M2XD',
  minutes: null,
  validFrom: null,
  validUntil: null,
  expiresAfterFirstUseMinutes: null,
  maxDevices: 1,
  whenFull: 'refuse',
  dataQuotaBytes: null,
  rateDownKbps: null,
  rateUpKbps: null,
  usedMs: 0,
  usedBytes: 0,
  firstUsedAt: null,
  revokedAt: null,
};

/** token returns BASE_TOKEN with the given fields changed. */
export const token = (over: Partial<Token>): Token => ({ ...BASE_TOKEN, ...over });
