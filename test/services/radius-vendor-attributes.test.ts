import { describe, expect, it } from 'vitest';
import { encodeAttributes } from '../../src/radius/attributes.js';
import { vendorAttributes, type SessionLimits } from '../../src/services/vendor-attributes.js';

const none: SessionLimits = { rateDownKbps: null, rateUpKbps: null, dataLeftBytes: null };
const rates: SessionLimits = { rateDownKbps: 4000, rateUpKbps: 1000, dataLeftBytes: null };

describe('vendor attributes', () => {
  it.each([
    ['mikrotik', rates, [['Mikrotik-Rate-Limit', '1000k/4000k']]],
    ['mikrotik', { ...none, rateDownKbps: 2048 }, [['Mikrotik-Rate-Limit', '0k/2048k']]],
    [
      'mikrotik',
      { ...none, dataLeftBytes: 5 * 2 ** 32 + 7 },
      [
        ['Mikrotik-Total-Limit', 7],
        ['Mikrotik-Total-Limit-Gigawords', 5],
      ],
    ],
    ['mikrotik', { ...none, dataLeftBytes: 1_000_000 }, [['Mikrotik-Total-Limit', 1_000_000]]],
    [
      'coova-chilli',
      { ...rates, dataLeftBytes: 500_000_000 },
      [
        ['WISPr-Bandwidth-Max-Up', 1_000_000],
        ['WISPr-Bandwidth-Max-Down', 4_000_000],
        ['ChilliSpot-Max-Total-Octets', 500_000_000],
      ],
    ],
    [
      'openwrt',
      { ...none, dataLeftBytes: 2 ** 40 },
      [['ChilliSpot-Max-Total-Octets', 0xffff_ffff]],
    ],
    [
      'pfsense',
      { ...rates, dataLeftBytes: 10 },
      [
        ['pfSense-Bandwidth-Max-Up', 1_000_000],
        ['pfSense-Bandwidth-Max-Down', 4_000_000],
        ['pfSense-Max-Total-Octets', 10],
      ],
    ],
    [
      'unifi',
      { ...rates, dataLeftBytes: 10 },
      [
        ['WISPr-Bandwidth-Max-Up', 1_000_000],
        ['WISPr-Bandwidth-Max-Down', 4_000_000],
      ],
    ],
    ['generic', { ...none, rateUpKbps: 8 }, [['WISPr-Bandwidth-Max-Up', 8000]]],
    ['meraki', none, []],
    ['aruba', { ...none, rateDownKbps: 100_000_000 }, [['WISPr-Bandwidth-Max-Down', 0xffff_ffff]]],
    ['something-new', { ...none, rateDownKbps: 64 }, [['WISPr-Bandwidth-Max-Down', 64_000]]],
  ] as const)('%s %j', (vendor, limits, expected) => {
    const pairs = vendorAttributes(vendor, limits);
    expect(pairs).toEqual(expected);
    // Every pair must be encodable with the shipped dictionaries.
    expect(() => encodeAttributes(pairs)).not.toThrow();
  });
});
