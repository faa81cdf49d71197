// Service views turned into what the API sends: instants as ISO 8601 in the venue's zone and
// codes grouped for reading. One place, so every route shows the same shapes.

import { formatCode } from '../../core/code.js';
import { formatIsoInZone } from '../../core/time.js';
import type { ApiKeyView } from '../../services/api-key-service.js';
import type { BatchView } from '../../services/batch-service.js';
import type { TokenView } from '../../services/token-service.js';
import type { NasRecord } from '../../storage/nas-repo.js';

/** isoOrNull returns the instant as ISO 8601 in `timeZone`, or null. */
export function isoOrNull(ms: number | null, timeZone: string): string | null {
  return ms === null ? null : formatIsoInZone(ms, timeZone);
}

/** presentToken returns a token as the API shows it. */
export function presentToken(t: TokenView, tz: string) {
  return {
    ...t,
    code: formatCode(t.code),
    validFrom: isoOrNull(t.validFrom, tz),
    validUntil: isoOrNull(t.validUntil, tz),
    firstUsedAt: isoOrNull(t.firstUsedAt, tz),
    createdAt: formatIsoInZone(t.createdAt, tz),
    revokedAt: isoOrNull(t.revokedAt, tz),
  };
}

/** presentBatch returns a batch as the API shows it. */
export function presentBatch(b: BatchView, tz: string) {
  return { ...b, createdAt: formatIsoInZone(b.createdAt, tz) };
}

/** presentNas returns a router without its secrets (they are shown only when set). */
export function presentNas(n: NasRecord, tz: string) {
  const { secret: _s, uamSecret, controllerCredentials, fasKey, ...rest } = n;
  return {
    ...rest,
    hasUamSecret: uamSecret !== null,
    hasControllerAccount: controllerCredentials !== null,
    hasFasKey: fasKey !== null,
    createdAt: formatIsoInZone(n.createdAt, tz),
    lastSeenAt: isoOrNull(n.lastSeenAt, tz),
  };
}

/** presentApiKey returns an API key's public details (never the key or its hash). */
export function presentApiKey(k: ApiKeyView, tz: string) {
  return {
    ...k,
    createdAt: formatIsoInZone(k.createdAt, tz),
    lastUsedAt: isoOrNull(k.lastUsedAt, tz),
    revokedAt: isoOrNull(k.revokedAt, tz),
  };
}
