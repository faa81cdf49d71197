import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { acctPairs, papLogin, startHarness, type Harness } from './harness.js';

let h: Harness;
let app: FastifyInstance;
beforeEach(async () => {
  h = await startHarness();
  app = await buildApp(h.services);
});
afterEach(async () => {
  await app.close();
  await h.close();
});

/** staffCookie signs a staff account in through the sign-in form and returns its cookie. */
async function staffCookie(): Promise<string> {
  await h.services.staff.add('desk', 'desk-password-1', 'staff', 'test');
  const page = await app.inject({ url: '/admin/sign-in' });
  const jar = (r: typeof page) => r.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const signed = await app.inject({
    method: 'POST',
    url: '/admin/sign-in',
    headers: { cookie: jar(page), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      username: 'desk',
      password: 'desk-password-1',
      _csrf: csrf,
      next: '/admin',
    }).toString(),
  });
  expect(signed.statusCode).toBe(303);
  return [jar(page), jar(signed)].filter(Boolean).join('; ');
}

it('counts decisions, drops and latency and shows them to staff on /admin/healthz', async () => {
  const t = (await h.services.tokens.create({ minutes: 60 }, 'staff')).tokens[0]!;
  await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-01'));
  await h.nas.auth(papLogin('WRONGCODE1', 'aa-bb-cc-dd-ee-02'));
  h.nas.raw(Buffer.from('not a radius packet at all'), 'acct');
  await new Promise((r) => setTimeout(r, 100));
  expect((await app.inject({ url: '/admin/healthz' })).statusCode).not.toBe(200);
  const res = await app.inject({ url: '/admin/healthz', headers: { cookie: await staffCookie() } });
  expect(res.statusCode).toBe(200);
  const radius = res.json().radius;
  expect(radius.outcomes).toMatchObject({ 'access.accept': 1, 'access.reject.bad-code': 1 });
  expect(radius.latency.access.count).toBe(2);
  expect(radius.batches.packets).toBe(2);
  expect(radius.server.received['Access-Request']).toBe(2);
  expect(radius.server.drops['too-short'] ?? radius.server.drops['length-out-of-range']).toBe(1);
  expect(res.json().coa).toEqual([expect.objectContaining({ nasId: h.nasId, state: 'ok' })]);
});

it('keeps the public /healthz small: odd Acct-Status-Type values add no counter names', async () => {
  const before = (await app.inject({ url: '/healthz' })).body.length;
  for (let type = 100; type < 160; type++) {
    const r = await h.nas.acct([
      ...acctPairs('Start', { id: `S${type}` }).filter(([k]) => k !== 'Acct-Status-Type'),
      ['Acct-Status-Type', type],
    ]);
    expect(r).toBeDefined();
  }
  const pub = await app.inject({ url: '/healthz' });
  expect(pub.statusCode).toBe(200);
  expect(Object.keys(pub.json()).sort()).toEqual(['coa', 'now', 'ok', 'signInProblems']);
  expect(pub.body.length).toBeLessThanOrEqual(before + 2);
  const outcomes = h.services.radiusStats().outcomes;
  expect(outcomes['acct.other-type']).toBe(60);
  expect(Object.keys(outcomes).filter((k) => k.startsWith('acct.'))).toEqual(['acct.other-type']);
});
