import { describe, expect, it } from 'vitest';
import { addressAllowed, classifyAddress } from '../../src/core/ip-ranges.js';

describe('address classes for the outgoing-URL guard', () => {
  it.each([
    ['93.184.215.14', 'public'],
    ['8.8.8.8', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.10.20.30', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.178.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.10.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['0.0.0.0', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'reserved'],
    ['fe80::1%eth0', 'link-local'],
    ['fd12:3456::1', 'private'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['localhost', 'invalid'],
    ['1.2.3', 'invalid'],
    ['1:2:3:4:5:6:7:8:9', 'invalid'],
  ])('%s is %s', (address, c) => expect(classifyAddress(address)).toBe(c));

  it.each([
    ['public', false, true],
    ['loopback', false, false],
    ['loopback', true, true],
    ['private', true, true],
    ['link-local', true, true],
    ['metadata', true, false],
    ['reserved', true, false],
    ['invalid', true, false],
  ] as const)('%s with private addresses allowed=%s: %s', (c, allow, ok) =>
    expect(addressAllowed(c, allow)).toBe(ok),
  );
});
