import { describe, expect, it } from 'vitest';
import {
  isRandomizedMac,
  formatMac,
  normalizeMac,
  parseCalledStationId,
  type MacAddress,
} from '../../src/core/mac.js';

describe('normalizeMac', () => {
  it.each([
    { input: 'AA-BB-CC-DD-EE-FF', out: 'aa-bb-cc-dd-ee-ff' },
    { input: 'aa-bb-cc-dd-ee-ff', out: 'aa-bb-cc-dd-ee-ff' },
    { input: 'aa:bb:cc:dd:ee:ff', out: 'aa-bb-cc-dd-ee-ff' },
    { input: 'AA:BB:CC:DD:EE:FF', out: 'aa-bb-cc-dd-ee-ff' },
    { input: 'aabbccddeeff', out: 'aa-bb-cc-dd-ee-ff' },
    { input: 'AABBCCDDEEFF', out: 'aa-bb-cc-dd-ee-ff' },
    { input: 'AABB.CCDD.EEFF', out: 'aa-bb-cc-dd-ee-ff' },
    { input: 'aabb.ccdd.eeff', out: 'aa-bb-cc-dd-ee-ff' },
    { input: '  00:1A:2b:3C:4d:5E\n', out: '00-1a-2b-3c-4d-5e' },
    { input: '02-00-5E-10-00-01', out: '02-00-5e-10-00-01' },
  ])('reads $input as $out', ({ input, out }) => {
    expect(normalizeMac(input)).toBe(out);
  });

  it.each([
    { name: 'undefined', input: undefined },
    { name: 'null', input: null },
    { name: 'the empty string', input: '' },
    { name: 'blanks', input: '   ' },
    { name: 'five octets', input: 'aa:bb:cc:dd:ee' },
    { name: 'seven octets', input: 'aa:bb:cc:dd:ee:ff:00' },
    { name: 'eleven hex digits', input: 'aabbccddeef' },
    { name: 'thirteen hex digits', input: 'aabbccddeeff0' },
    { name: 'a non-hex digit', input: 'aa:bb:cc:dd:ee:fg' },
    { name: 'a word', input: 'not-a-mac' },
    { name: 'an IPv4 address', input: '192.168.1.1' },
    { name: 'a MAC with an SSID', input: 'aa-bb-cc-dd-ee-ff:Guest' },
  ])('returns undefined for $name', ({ input }) => {
    expect(normalizeMac(input)).toBeUndefined();
  });
});

describe('parseCalledStationId', () => {
  it.each([
    {
      input: 'AA-BB-CC-DD-EE-FF:Guest WiFi',
      out: { apMac: 'aa-bb-cc-dd-ee-ff', ssid: 'Guest WiFi' },
    },
    { input: 'aa:bb:cc:dd:ee:ff:Lobby', out: { apMac: 'aa-bb-cc-dd-ee-ff', ssid: 'Lobby' } },
    { input: 'AABBCCDDEEFF:Cafe', out: { apMac: 'aa-bb-cc-dd-ee-ff', ssid: 'Cafe' } },
    { input: 'AABB.CCDD.EEFF:Hall-2', out: { apMac: 'aa-bb-cc-dd-ee-ff', ssid: 'Hall-2' } },
    { input: 'aa-bb-cc-dd-ee-ff:My:Net', out: { apMac: 'aa-bb-cc-dd-ee-ff', ssid: 'My:Net' } },
    { input: 'aa-bb-cc-dd-ee-ff:', out: { apMac: 'aa-bb-cc-dd-ee-ff', ssid: '' } },
    { input: 'AA-BB-CC-DD-EE-FF', out: { apMac: 'aa-bb-cc-dd-ee-ff' } },
    { input: 'aa:bb:cc:dd:ee:ff', out: { apMac: 'aa-bb-cc-dd-ee-ff' } },
    { input: ' aabbccddeeff ', out: { apMac: 'aa-bb-cc-dd-ee-ff' } },
  ])('reads the access point $input', ({ input, out }) => {
    expect(parseCalledStationId(input)).toStrictEqual(out);
  });

  it.each([
    { input: 'hotspot1' },
    { input: 'hs-lobby' },
    { input: 'Cafe Hotspot' },
    { input: 'aa-bb-cc-dd-ee' },
    { input: 'aa-bb-cc-dd-ee-fg:Guest' },
    { input: 'aa-bb-cc-dd-ee-ff-00' },
  ])('takes $input as a hotspot name', ({ input }) => {
    expect(parseCalledStationId(input)).toStrictEqual({ name: input });
  });

  it.each([{ input: undefined }, { input: '' }])('returns nothing for $input', ({ input }) => {
    expect(parseCalledStationId(input)).toStrictEqual({});
  });
});

describe('isRandomizedMac', () => {
  const mac = (s: string): MacAddress => {
    const m = normalizeMac(s);
    if (!m) throw new Error(`bad test MAC ${s}`);
    return m;
  };

  it.each([
    { input: '02:00:00:00:00:01', randomized: true },
    { input: '06:11:22:33:44:55', randomized: true },
    { input: '0A:11:22:33:44:55', randomized: true },
    { input: '0e:11:22:33:44:55', randomized: true },
    { input: 'DA:A1:19:00:00:01', randomized: true },
    { input: 'f2:11:22:33:44:55', randomized: true },
    { input: '7e:11:22:33:44:55', randomized: true },
    { input: '00:11:22:33:44:55', randomized: false },
    { input: '04:11:22:33:44:55', randomized: false },
    { input: '08:11:22:33:44:55', randomized: false },
    { input: '0c:11:22:33:44:55', randomized: false },
    { input: 'A4:83:E7:00:00:01', randomized: false },
    { input: 'ac:de:48:00:11:22', randomized: false },
    { input: 'f0:18:98:00:00:01', randomized: false },
    // The digit that counts is the second one, not the first.
    { input: '20:11:22:33:44:55', randomized: false },
    { input: 'e0:11:22:33:44:55', randomized: false },
  ])('says $input is randomized: $randomized', ({ input, randomized }) => {
    expect(isRandomizedMac(mac(input))).toBe(randomized);
  });
});

describe('formatMac', () => {
  it.each([
    ['aa-bb-cc-dd-ee-07', 'AA:BB:CC:DD:EE:07'],
    ['AA-BB-CC-DD-EE-07', 'AA:BB:CC:DD:EE:07'],
    ['aabb.ccdd.ee07', 'AA:BB:CC:DD:EE:07'],
    ['not a mac', 'not a mac'],
  ])('shows %s as %s', (input, out) => {
    expect(formatMac(input)).toBe(out);
  });
});
