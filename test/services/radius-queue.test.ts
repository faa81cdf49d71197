// The RADIUS handler's queue is bounded: a flood beyond MAX_QUEUED is dropped at once (the
// router retransmits) instead of growing memory.

import { expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { RadiusCode } from '../../src/radius/codes.js';
import type { RadiusRequest } from '../../src/radius/server.js';
import { MAX_QUEUED, type NasClient } from '../../src/services/radius-service.js';
import { createServices } from '../../src/services/services.js';
import { openDatabase } from '../../src/storage/database.js';

it(`drops requests beyond ${MAX_QUEUED} waiting, and counts them under one name`, async () => {
  const db = openDatabase(':memory:');
  try {
    const config = loadConfig({ PORTICO_DB: ':memory:', PORTICO_TIMEZONE: 'UTC' });
    const s = createServices({ db, clock: fixedClock(Date.UTC(2026, 11, 4)), config });
    const nas = await s.nas.add({ name: 'n', address: '192.0.2.1', secret: 'secret-123' }, 't');
    const client = (await s.radius.lookupClient('192.0.2.1')) as NasClient;
    expect(client.nas.id).toBe(nas.id);
    const request = (id: number): RadiusRequest<NasClient> => ({
      // A CoA-Request is not for Portico's server: dropped cheaply once its batch runs.
      packet: {
        code: RadiusCode.CoaRequest,
        identifier: id & 255,
        authenticator: Buffer.alloc(16),
        attributes: [],
        messageAuthenticatorOffset: -1,
      } as never,
      client,
      remote: { address: '192.0.2.1', port: 1000 + (id % 1000) },
      socket: 'acct',
      receivedAt: 0,
    });
    const replies = Array.from({ length: MAX_QUEUED + 7 }, (_, i) => s.radius.handler(request(i)));
    expect(s.radiusStats().drops['overloaded']).toBe(7);
    await Promise.all(replies);
    expect(s.radiusStats().drops['unexpected-code']).toBe(MAX_QUEUED);
  } finally {
    db.close();
  }
}, 60_000);
