// RADIUS Interim-Update and Stop report cumulative counters. Charging the difference from
// what was last recorded makes duplicates, retransmits and out-of-order packets harmless.

/** TWO_POW_32 is the value of one Gigaword: the number of wraps of a 32-bit octet counter. */
const TWO_POW_32 = 4294967296;

/**
 * octets64 returns the 64-bit octet count that a 32-bit counter and its Gigawords attribute
 * describe (RFC 2869 §5.1, §5.2), as a number (exact up to 2^53 bytes, 8 PiB).
 */
export function octets64(octets: number | undefined, gigawords: number | undefined): number {
  return (gigawords ?? 0) * TWO_POW_32 + (octets ?? 0);
}

/** Counters are the cumulative values a NAS reports for one session. */
export type Counters = { sessionSeconds: number; inputOctets: number; outputOctets: number };

/**
 * advanceCounters returns the new high-water counters and the increase to charge given what
 * was recorded and what a packet reports. A counter that goes backwards (a retransmit or a
 * reordered packet) charges nothing and leaves the record as it was.
 */
export function advanceCounters(
  recorded: Counters,
  reported: Partial<Counters>,
): { next: Counters; delta: Counters } {
  const pick = (k: keyof Counters) => {
    const was = recorded[k];
    const now = reported[k];
    return now === undefined || !Number.isFinite(now) || now <= was ? was : now;
  };
  const next = {
    sessionSeconds: pick('sessionSeconds'),
    inputOctets: pick('inputOctets'),
    outputOctets: pick('outputOctets'),
  };
  return {
    next,
    delta: {
      sessionSeconds: next.sessionSeconds - recorded.sessionSeconds,
      inputOctets: next.inputOctets - recorded.inputOctets,
      outputOctets: next.outputOctets - recorded.outputOctets,
    },
  };
}
