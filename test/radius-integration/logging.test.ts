// What the RADIUS side logs: one line per decision at info with a correlation id (rid) that
// the per-packet lines at debug share.

import { afterEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../support/log-lines.js';
import { acctPairs, attr, papLogin, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('RADIUS log lines', () => {
  it('logs each decision once at info, with the rid the packet lines at debug carry', async () => {
    const { logger, lines } = memoryLogger('debug');
    h = await startHarness({ logger });
    const t = (await h.services.tokens.create({ minutes: 60 }, 'test')).tokens[0]!;
    const accept = await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-01'));
    expect(accept?.code).toBe(2);
    await h.nas.auth(papLogin('WRONGCODE', 'aa-bb-cc-dd-ee-02'));
    await h.nas.acct(
      acctPairs('Start', {
        id: 's1',
        user: t.code,
        mac: 'aa-bb-cc-dd-ee-01',
        cls: attr(accept, 'Class'),
      }),
    );
    await h.nas.acct(
      acctPairs('Interim-Update', {
        id: 's1',
        user: t.code,
        mac: 'aa-bb-cc-dd-ee-01',
        cls: attr(accept, 'Class'),
        time: 60,
      }),
    );

    const decisions = lines.filter((l) => l.level === 30 && typeof l.rid === 'string');
    expect(decisions.map((l) => [l.decision ?? l.status, l.reason ?? l.result])).toEqual([
      ['accept', undefined],
      ['reject', 'bad-code'],
      ['start', 'started'],
    ]);
    const rids = decisions.map((l) => l.rid);
    expect(new Set(rids).size).toBe(3);
    for (const rid of rids) {
      const packetLine = lines.find(
        (l) => l.level === 20 && l.rid === rid && l.msg === 'RADIUS request',
      );
      expect(packetLine, String(rid)).toBeDefined();
    }
    // The interim is per-packet detail: debug only.
    expect(lines.some((l) => l.level === 20 && l.status === 'interim')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(t.code);
  });
});
