import { describe, expect, it } from 'vitest';
import { createDuplicateCache } from '../../src/radius/duplicate-cache.js';

const a = Buffer.alloc(16, 1);
const b = Buffer.alloc(16, 2);
const response = Buffer.from('reply');

describe('createDuplicateCache', () => {
  it('moves a request from new to in progress to answered', () => {
    const cache = createDuplicateCache({ ttlMs: 30_000, maxEntries: 10 });
    expect(cache.check('k', a, 0)).toEqual({ kind: 'new' });
    expect(cache.check('k', a, 1)).toEqual({ kind: 'in-progress' });
    cache.complete('k', a, response);
    expect(cache.check('k', a, 2)).toEqual({ kind: 'answered', response });
  });

  it('replaces the entry when the same key comes with another authenticator', () => {
    const cache = createDuplicateCache({ ttlMs: 30_000, maxEntries: 10 });
    cache.check('k', a, 0);
    cache.complete('k', a, response);
    expect(cache.check('k', b, 1)).toEqual({ kind: 'new' });
    cache.complete('k', a, Buffer.from('late answer to the old request'));
    expect(cache.check('k', b, 2)).toEqual({ kind: 'in-progress' });
    expect(cache.size).toBe(1);
  });

  it('purges entries after the TTL', () => {
    const cache = createDuplicateCache({ ttlMs: 30_000, maxEntries: 10 });
    cache.check('k', a, 0);
    cache.complete('k', a, response);
    expect(cache.check('k', a, 29_999).kind).toBe('answered');
    expect(cache.check('k', a, 30_000)).toEqual({ kind: 'new' });
  });

  it('forgets a request that got no answer', () => {
    const cache = createDuplicateCache({ ttlMs: 30_000, maxEntries: 10 });
    cache.check('k', a, 0);
    cache.forget('k', b);
    expect(cache.size).toBe(1);
    cache.forget('k', a);
    expect(cache.check('k', a, 1)).toEqual({ kind: 'new' });
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const cache = createDuplicateCache({ ttlMs: 30_000, maxEntries: 2 });
    cache.check('1', a, 0);
    cache.check('2', a, 1);
    cache.check('3', a, 2);
    expect(cache.size).toBe(2);
    expect(cache.check('1', a, 3)).toEqual({ kind: 'new' });
    expect(cache.check('3', a, 4)).toEqual({ kind: 'in-progress' });
  });

  it('does not keep a view into the datagram', () => {
    const cache = createDuplicateCache({ ttlMs: 30_000, maxEntries: 10 });
    const datagram = Buffer.alloc(16, 5);
    cache.check('k', datagram, 0);
    datagram.fill(6);
    expect(cache.check('k', Buffer.alloc(16, 5), 1)).toEqual({ kind: 'in-progress' });
  });
});
