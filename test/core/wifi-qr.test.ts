import { describe, expect, test } from 'vitest';
import { escapeWifiField, wifiPasswordProblem, wifiQrPayload } from '../../src/core/wifi-qr.js';

describe('escapeWifiField', () => {
  test.each([
    ['Harbour Guest', 'Harbour Guest'],
    ['a;b', 'a\\;b'],
    ['a,b', 'a\\,b'],
    ['a:b', 'a\\:b'],
    ['say "hi"', 'say \\"hi\\"'],
    ['back\\slash', 'back\\\\slash'],
    ['\\;,:"', '\\\\\\;\\,\\:\\"'],
    ["it's ok & <fine>", "it's ok & <fine>"],
  ])('%j -> %j', (input, out) => {
    expect(escapeWifiField(input)).toBe(out);
  });
});

describe('wifiQrPayload', () => {
  test.each([
    [
      { ssid: 'Harbour Guest', password: 'sea-breeze-42' },
      'WIFI:T:WPA;S:Harbour Guest;P:sea-breeze-42;;',
    ],
    [{ ssid: 'Open Lobby', password: '' }, 'WIFI:T:nopass;S:Open Lobby;;'],
    [
      { ssid: 'Back;Room', password: 'p:a,s"s\\', hidden: true },
      'WIFI:T:WPA;S:Back\\;Room;P:p\\:a\\,s\\"s\\\\;H:true;;',
    ],
    [{ ssid: 'Hidden', password: '', hidden: true }, 'WIFI:T:nopass;S:Hidden;H:true;;'],
  ])('%j', (net, out) => {
    expect(wifiQrPayload(net)).toBe(out);
  });
});

describe('wifiPasswordProblem', () => {
  test.each([
    ['', null],
    ['12345678', null],
    ['x'.repeat(63), null],
    ['a'.repeat(64).replace(/a/g, 'f'), null],
    ['1234567', 'must be 8 to 63 characters (a WPA passphrase), or blank for an open network'],
    ['x'.repeat(64), 'must be 8 to 63 characters (a WPA passphrase), or blank for an open network'],
    [
      'pässwort123',
      'may hold only printable ASCII characters (letters, digits, punctuation, spaces)',
    ],
  ])('%j', (pw, problem) => {
    expect(wifiPasswordProblem(pw)).toBe(problem);
  });
});
