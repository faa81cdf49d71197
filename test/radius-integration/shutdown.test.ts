import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { acctPairs, attr, papLogin, startHarness, waitUntil, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  // RFC 5080's own retransmission: up to 30 s before a silent NAS counts as a timeout.
  h = await startHarness({ retry: {} });
});
afterEach(async () => {
  await h.close();
});

it('stops promptly with a Disconnect waiting on a silent NAS and sends it again after a restart', async () => {
  const t = (await h.services.tokens.create({ minutes: 60 }, 'staff')).tokens[0]!;
  const accept = await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-01'));
  const cls = attr(accept, 'Class');
  await h.nas.acct(acctPairs('Start', { id: 'S', user: t.code, mac: 'aa-bb-cc-dd-ee-01', cls }));
  h.das.answer = { kind: 'silent' };
  const live = (await h.services.sessions.listLive()).sessions[0]!;
  const { jobId } = await h.services.sessions.disconnect(live.id, 'alice');
  await waitUntil(() => h.das.received.length === 1);

  const started = performance.now();
  await h.runtime.close();
  expect(performance.now() - started).toBeLessThan(10_000);
  // Not recorded as a timeout: the answer was cut short by the shutdown, not by the NAS.
  expect((await h.services.store.coaJobs.findById(jobId!))?.state).toBe('sending');

  // The next start (here with a stand-in client: the runtime's own is closed) sends it again.
  const resent: string[] = [];
  const ack = async () => ({ outcome: 'ack' as const, attempts: 1, rttMs: 1 });
  h.services.cutoff.attach({
    sendDisconnect: async (_to, attrs) => {
      resent.push(String(attrs.find(([n]) => n === 'Acct-Session-Id')?.[1]));
      return ack();
    },
    sendCoa: ack,
  });
  await h.services.cutoff.start(3_600_000);
  await h.services.cutoff.processJobs();
  expect(resent).toEqual(['S']);
  expect((await h.services.store.coaJobs.findById(jobId!))?.state).toBe('ack');
  await h.services.cutoff.stop();
});
