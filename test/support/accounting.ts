// A device's accounting as a router would report it, for tests that need a session online
// without a RADIUS socket: a Start, or an Interim-Update with the seconds online.

import type { MacAddress } from '../../src/core/mac.js';
import { normalizeMac } from '../../src/core/mac.js';
import type { Services } from '../../src/services/services.js';

/** DeviceReport names the session and what the router says about the device. */
export type DeviceReport = {
  nasId: number;
  code: string;
  acctSessionId: string;
  /** The MAC as the router spells it in Calling-Station-Id. */
  mac: string;
  framedIp?: string | null;
  nasIpAddress?: string | null;
  nasIdentifier?: string | null;
  /** Seconds online: an Interim-Update; absent: a Start. */
  seconds?: number;
};

/** reportAccounting records a Start or Interim-Update for a device in one transaction. */
export async function reportAccounting(s: Services, r: DeviceReport): Promise<void> {
  const mac = normalizeMac(r.mac) as MacAddress;
  const now = s.clock.now();
  await s.store.transaction(() =>
    s.accounting.record({
      status: r.seconds === undefined ? 'start' : 'interim',
      nasId: r.nasId,
      identity: {
        nasId: r.nasId,
        acctSessionId: r.acctSessionId,
        deviceMac: mac,
        framedIp: r.framedIp ?? null,
        calledStation: null,
        nasPortId: null,
        login: 'code',
        userName: r.code,
        nasIpAddress: r.nasIpAddress ?? null,
        nasIdentifier: r.nasIdentifier ?? null,
        callingStationId: r.mac,
      },
      acctSessionId: r.acctSessionId,
      cls: null,
      userName: r.code,
      mac,
      eventAt: now,
      receivedAt: now,
      sessionSeconds: r.seconds,
      inputOctets: undefined,
      outputOctets: undefined,
      terminateCause: null,
    }),
  );
}
