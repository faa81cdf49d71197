// Scaffolding while the PostgreSQL repositories are written: a repository whose every method
// rejects. It is gone once every group is written.

/** notPorted returns repositories named `keys` whose methods reject with "not ported". */
export function notPorted<T>(keys: readonly string[]): T {
  const repo = (name: string): unknown =>
    new Proxy(
      {},
      {
        get: (_t, method) => () =>
          Promise.reject(new Error(`PostgreSQL ${name}.${String(method)} is not ported yet`)),
      },
    );
  return Object.fromEntries(keys.map((k) => [k, repo(k)])) as T;
}
