// Positional parameters for statements built from parts (filters, optional clauses).

/** Params collects positional parameters and names each by its `$n`. */
export class Params {
  readonly values: unknown[] = [];
  /** add appends `v` and returns its placeholder. */
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
  private readonly named = new Map<string, string>();
  /**
   * once returns the placeholder of `name`, adding `v` the first time: PostgreSQL refuses a
   * parameter that the statement never uses, so `now` is added only where a state is asked.
   */
  once(name: string, v: unknown): string {
    let ph = this.named.get(name);
    if (ph === undefined) {
      ph = this.add(v);
      this.named.set(name, ph);
    }
    return ph;
  }
}
