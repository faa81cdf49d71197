// Named parameters for PostgreSQL: lets a PostgreSQL repository reuse SQL fragments written
// for SQLite with `:name` parameters (the token state rule, report scopes) instead of keeping
// a second copy that could drift from the first.

/** Positional is a statement with `$1`… placeholders and the values in their order. */
export type Positional = { text: string; values: unknown[] };

/**
 * named rewrites every `:name` (or `@name`) parameter of `sql` to a `$n` placeholder and
 * returns the values taken from `params` in that order; a name used twice gets one number.
 * Casts (`::bigint`) are left alone; a name missing from `params` throws.
 */
export function named(sql: string, params: Readonly<Record<string, unknown>>): Positional {
  const numbers = new Map<string, number>();
  const values: unknown[] = [];
  const text = sql.replace(/(?<![:@\w])[:@]([A-Za-z_]\w*)/g, (_m, name: string) => {
    let n = numbers.get(name);
    if (n === undefined) {
      if (!(name in params)) throw new Error(`no value for parameter :${name}`);
      values.push(params[name]);
      n = values.length;
      numbers.set(name, n);
    }
    return `$${n}`;
  });
  return { text, values };
}
