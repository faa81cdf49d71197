import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { papLogin, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

it('counts decisions, drops and latency and shows them on /healthz', async () => {
  const t = h.services.tokens.create({ minutes: 60 }, 'staff').tokens[0]!;
  await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-01'));
  await h.nas.auth(papLogin('WRONGCODE1', 'aa-bb-cc-dd-ee-02'));
  h.nas.raw(Buffer.from('not a radius packet at all'), 'acct');
  await new Promise((r) => setTimeout(r, 100));
  const app = await buildApp(h.services);
  try {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    const radius = res.json().radius;
    expect(radius.outcomes).toMatchObject({ 'access.accept': 1, 'access.reject.bad-code': 1 });
    expect(radius.latency.access.count).toBe(2);
    expect(radius.batches.packets).toBe(2);
    expect(radius.server.received['Access-Request']).toBe(2);
    expect(radius.server.drops['too-short'] ?? radius.server.drops['length-out-of-range']).toBe(1);
  } finally {
    await app.close();
  }
});
