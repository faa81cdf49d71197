// Guest languages: negotiation from Accept-Language, plural forms, dates in the venue's zone,
// and German saying everything English says.

import { describe, expect, it } from 'vitest';
import { formatDateTime, negotiateLanguage, translator } from '../../src/i18n/i18n.js';
import { MESSAGES_DE } from '../../src/i18n/messages-de.js';
import { MESSAGES_EN } from '../../src/i18n/messages-en.js';

describe('negotiateLanguage', () => {
  it.each([
    [undefined, 'de-DE,de;q=0.9,en;q=0.8', ['en', 'de'], 'de'],
    [undefined, 'fr-CH, fr;q=0.9, de;q=0.7, *;q=0.5', ['en', 'de'], 'de'],
    [undefined, 'en;q=0.2, de;q=0.8', ['en', 'de'], 'de'],
    [undefined, 'de;q=0', ['en', 'de'], 'en'],
    [undefined, 'fr', ['de', 'en'], 'de'],
    [undefined, '*', ['en', 'de'], 'en'],
    [undefined, undefined, ['de'], 'de'],
    ['en', 'de', ['en', 'de'], 'en'],
    ['DE', 'en', ['en', 'de'], 'de'],
    ['de', 'de', ['en'], 'en'],
    ['xx', 'de-AT', ['en', 'de'], 'de'],
  ] as const)('explicit %s, header %s, offered %j -> %s', (explicit, header, offered, want) => {
    expect(negotiateLanguage(explicit, header, [...offered])).toBe(want);
  });
});

describe('translator', () => {
  it('fills placeholders and picks plural forms per language', () => {
    const en = translator('en');
    const de = translator('de');
    expect(en('usage.minutes.left', { n: 1 })).toBe('1 minute left');
    expect(en('usage.minutes.left', { n: 0 })).toBe('0 minutes left');
    expect(de('usage.minutes.left', { n: 1 })).toBe('Noch 1 Minute');
    expect(de('usage.minutes.left', { n: 42 })).toBe('Noch 42 Minuten');
    expect(en('usage.devices', { n: 1, max: 2 })).toBe('Devices online: 1 of 2');
    expect(en('router.message', { text: '{n}' })).toBe('Message from the network: {n}');
  });

  it('has a German text for every English one, with the same placeholders', () => {
    const placeholders = (v: unknown) =>
      [...JSON.stringify(v).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    expect(Object.keys(MESSAGES_DE).sort()).toEqual(Object.keys(MESSAGES_EN).sort());
    for (const [key, en] of Object.entries(MESSAGES_EN)) {
      const de = MESSAGES_DE[key as keyof typeof MESSAGES_EN];
      expect(new Set(placeholders(de)), key).toEqual(new Set(placeholders(en)));
    }
  });
});

describe('formatDateTime', () => {
  const at = Date.UTC(2026, 2, 10, 16, 30);
  it('says today and tomorrow in the language, in the venue time zone', () => {
    expect(formatDateTime(at, 'en', 'Europe/Berlin', at - 3_600_000)).toBe('today, 17:30');
    expect(formatDateTime(at, 'de', 'America/New_York', at)).toBe('heute, 12:30');
    expect(formatDateTime(at, 'en', 'Europe/Berlin', at - 86_400_000)).toBe('tomorrow, 17:30');
    expect(formatDateTime(at, 'de', 'Europe/Berlin', at - 86_400_000)).toBe('morgen, 17:30');
  });
  it('adds the date on another day', () => {
    expect(formatDateTime(at, 'en', 'Europe/Berlin', at - 2 * 86_400_000)).toBe(
      '10 Mar 2026, 17:30',
    );
    expect(formatDateTime(at, 'en', 'Europe/Berlin', at + 86_400_000)).toBe('10 Mar 2026, 17:30');
    expect(formatDateTime(at, 'de', 'Europe/Berlin')).toBe('10. März 2026, 17:30');
  });
});
