/**
 * Statements built once per isolate and D1 binding (Drizzle prepared
 * queries), for the execute hot path. Building a query's SQL with Drizzle
 * costs more CPU than sending it to D1: the benchmark's profile
 * (`npm run bench:profile`) showed it as the largest single cost of an execute.
 */
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";

/** `build` runs once per D1 binding (one per isolate in practice); its statements are reused by every request. */
export function preparedPerDatabase<T>(build: (db: DrizzleD1Database) => T): (d1: D1Database) => T {
  const cache = new WeakMap<D1Database, T>();
  return (d1) => {
    let prepared = cache.get(d1);
    if (prepared === undefined) {
      prepared = build(drizzle(d1));
      cache.set(d1, prepared);
    }
    return prepared;
  };
}
