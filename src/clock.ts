// The one clock. Everything that needs the time gets it from here, so tests can fix it.

/** Clock returns the current time in milliseconds since the Unix epoch. */
export type Clock = { now(): number };

/** systemClock reads the machine's clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** fixedClock returns a clock for tests that stands still until `set` or `advance` moves it. */
export function fixedClock(
  start: number,
): Clock & { set(ms: number): void; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    set: (ms) => {
      t = ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}
