// Types of postgres-server.mjs (plain JavaScript so that the .mjs benchmarks can start it).

/** PG_BIN is the folder of Debian's PostgreSQL 15 programs (PORTICO_PG_BIN overrides it). */
export declare const PG_BIN: string;

/** PG_ROLE is the superuser role of a throwaway server. */
export declare const PG_ROLE: string;

/** PgServer is a running throwaway server. */
export type PgServer = {
  readonly port: number;
  readonly dir: string;
  /** pid returns the postmaster's process id, or 0 when it is not running. */
  pid(): number;
  /** url returns the connection URL of `database` (default `postgres`). */
  url(database?: string): string;
  /** socketUrl returns the URL of `database` over the server's Unix socket. */
  socketUrl(database?: string): string;
  /** stop shuts the server down and removes its folder. */
  stop(): Promise<void>;
};

/** PgServerOptions choose durability and more server settings. */
export type PgServerOptions = {
  /** Keep PostgreSQL's default fsync and synchronous commit (default: off, for tests). */
  durable?: boolean;
  /** More `-c name=value` settings. */
  settings?: Readonly<Record<string, string>>;
};

/** removeStaleServers removes the folders (and stops the servers) of runs that are gone. */
export declare function removeStaleServers(): void;

/** startPostgres starts a server in a new temporary folder; it throws when it cannot. */
export declare function startPostgres(opts?: PgServerOptions): Promise<PgServer>;
