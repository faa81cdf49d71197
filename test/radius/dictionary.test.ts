import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AcctStatusType, AcctTerminateCause, ErrorCause } from '../../src/radius/codes.js';
import {
  defaultDictionary,
  dictionaryPath,
  packageRoot,
  parseDictionary,
} from '../../src/radius/dictionary.js';

const files = (entries: Record<string, string>) => (path: string) => entries[path];

describe('defaultDictionary', () => {
  const dictionary = defaultDictionary();

  it('is found through the package root', () => {
    expect(existsSync(join(packageRoot(), 'package.json'))).toBe(true);
    expect(dictionaryPath()).toBe(join(packageRoot(), 'radius', 'dictionary'));
  });

  it.each([
    ['User-Name', 0, 1, 'string'],
    ['User-Password', 0, 2, 'string'],
    ['Acct-Input-Gigawords', 0, 52, 'integer'],
    ['Event-Timestamp', 0, 55, 'date'],
    ['Message-Authenticator', 0, 80, 'octets'],
    ['NAS-IPv6-Address', 0, 95, 'ipv6addr'],
    ['Framed-IPv6-Prefix', 0, 97, 'ipv6prefix'],
    ['Framed-Interface-Id', 0, 96, 'ifid'],
    ['Error-Cause', 0, 101, 'integer'],
    ['Operator-Name', 0, 126, 'string'],
    ['Mikrotik-Rate-Limit', 14988, 8, 'string'],
    ['Mikrotik-Total-Limit-Gigawords', 14988, 18, 'integer'],
    ['ChilliSpot-Bandwidth-Max-Down', 14559, 5, 'integer'],
    ['WISPr-Bandwidth-Max-Down', 14122, 8, 'integer'],
    ['WISPr-Session-Terminate-Time', 14122, 9, 'string'],
    ['pfSense-Max-Total-Octets', 13644, 3, 'integer'],
    ['Aruba-User-Role', 14823, 1, 'string'],
    ['Meraki-Ap-Tags', 29671, 4, 'string'],
    ['Ubiquiti-Data-Rate-DL', 41112, 1, 'integer64'],
  ])('defines %s as vendor %i type %i (%s)', (name, vendorId, type, dataType) => {
    const definition = dictionary.attribute(name);
    expect(definition).toMatchObject({ name, vendorId, type, dataType });
    expect(dictionary.attributeByCode(vendorId, type)?.name).toBe(name);
  });

  it('marks User-Password as hidden with encrypt=1', () => {
    expect(dictionary.attribute('User-Password')?.encrypt).toBe(1);
    expect(dictionary.attribute('User-Name')?.encrypt).toBe(0);
  });

  it('finds names case-insensitively and vendors by name or number', () => {
    expect(dictionary.attribute('acct-session-id')?.type).toBe(44);
    expect(dictionary.vendor('Mikrotik')?.id).toBe(14988);
    expect(dictionary.vendor(14559)?.name).toBe('ChilliSpot');
    expect(dictionary.vendor(41112)?.name).toBe('Ubiquiti');
  });

  it('leaves ChilliSpot type 10 unnamed so it is carried through raw', () => {
    expect(dictionary.attributeByCode(14559, 10)).toBeUndefined();
  });

  it('attaches VALUE lines, including ones that come before their ATTRIBUTE', () => {
    const serviceType = dictionary.attribute('Service-Type')!;
    expect(serviceType.values.get('Call-Check')).toBe(10);
    expect(serviceType.values.get('Authorize-Only')).toBe(17);
    expect(dictionary.attribute('NAS-Port-Type')?.values.get('Wireless-802.11')).toBe(19);
    expect(dictionary.attribute('Termination-Action')?.valueNames.get(1)).toBe('RADIUS-Request');
  });

  it('agrees with the value constants in codes.ts', () => {
    const statusType = dictionary.attribute('Acct-Status-Type')!;
    expect(statusType.values.get('Start')).toBe(AcctStatusType.Start);
    expect(statusType.values.get('Interim-Update')).toBe(AcctStatusType.InterimUpdate);
    expect(statusType.values.get('Accounting-On')).toBe(AcctStatusType.AccountingOn);
    expect(statusType.values.get('Failed')).toBe(AcctStatusType.Failed);
    const cause = dictionary.attribute('Acct-Terminate-Cause')!;
    expect([...cause.values.values()].sort((a, b) => a - b)).toEqual(
      Object.values(AcctTerminateCause).sort((a, b) => a - b),
    );
    const errorCause = dictionary.attribute('Error-Cause')!;
    expect([...errorCause.values.values()].sort((a, b) => a - b)).toEqual(
      Object.values(ErrorCause).sort((a, b) => a - b),
    );
    expect(errorCause.values.get('Session-Context-Not-Found')).toBe(503);
  });
});

describe('parseDictionary', () => {
  it('follows $INCLUDE relative to the including file and reads vendor blocks', () => {
    const dictionary = parseDictionary(
      '/d/dictionary',
      files({
        '/d/dictionary': '$INCLUDE sub/dictionary.acme # comment\nATTRIBUTE A 1 string\n',
        '/d/sub/dictionary.acme':
          'VENDOR Acme 0x10\nBEGIN-VENDOR Acme\nATTRIBUTE Acme-Flag 2 byte\nEND-VENDOR Acme\n' +
          'VALUE Acme-Flag On 1\n',
      }),
    );
    expect(dictionary.attribute('Acme-Flag')).toMatchObject({ vendorId: 16, type: 2 });
    expect(dictionary.attribute('Acme-Flag')?.values.get('On')).toBe(1);
    expect(dictionary.attributeByCode(0, 1)?.name).toBe('A');
  });

  it.each([
    ['FOO bar', /unknown keyword "FOO"/],
    ['ATTRIBUTE X 1 float', /unknown type "float"/],
    ['ATTRIBUTE X 300 string', /outside 1..255/],
    ['ATTRIBUTE X 1 string encrypt=9', /unknown flag/],
    ['VALUE Nope On 1', /VALUE for unknown attribute Nope/],
    ['END-VENDOR Acme', /unmatched/],
    ['BEGIN-VENDOR Nope', /unknown vendor/],
    ['$INCLUDE missing', /included file \/d\/missing not found/],
    ['ATTRIBUTE X 1 string\nATTRIBUTE X 2 string', /already defined/],
  ])('rejects %j with the file and line', (text, message) => {
    const parse = () => parseDictionary('/d/root', files({ '/d/root': text }));
    expect(parse).toThrow(message);
    expect(parse).toThrow(/\/d\/root/);
    try {
      parse();
    } catch (error) {
      expect(error).toMatchObject({ code: 'ERR_RADIUS_DICTIONARY' });
    }
  });
});
