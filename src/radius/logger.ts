/** RadiusLogger is the pino-like logger the RADIUS layer writes to. */
export interface RadiusLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** silentLogger is a RadiusLogger that discards everything. */
export const silentLogger: RadiusLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** ThrottledLog writes a line at most once per key and interval. */
export interface ThrottledLog {
  /** Logs now if key has not been logged within the interval, with the count it held back. */
  log(level: 'warn' | 'error', key: string, obj: object, msg: string): void;
}

/**
 * createThrottledLog returns a ThrottledLog over logger, so that a flood of bad packets
 * from one NAS leaves one line per interval instead of one per packet.
 */
export function createThrottledLog(
  logger: RadiusLogger,
  intervalMs: number,
  now: () => number,
  maxKeys = 10_000,
): ThrottledLog {
  const seen = new Map<string, { at: number; suppressed: number }>();
  return {
    log(level, key, obj, msg) {
      const at = now();
      const last = seen.get(key);
      if (last && at - last.at < intervalMs) {
        last.suppressed++;
        return;
      }
      // Spoofed sources could grow the map without end; old keys only hold counts.
      if (!last && seen.size >= maxKeys) seen.clear();
      seen.set(key, { at, suppressed: 0 });
      logger[level](last?.suppressed ? { ...obj, suppressed: last.suppressed } : obj, msg);
    },
  };
}
