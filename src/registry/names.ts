/** Which tool names are already taken, for callers that pick names for others (imports). */
import { or, sql } from "drizzle-orm";
import { connections, tools } from "../db/schema";
import type { Db } from "./queries";

/** D1 binds at most 100 parameters per statement. */
const PREFIXES_PER_QUERY = 90;

/** Every stored tool name that starts with one of `prefixes` (case-sensitive, as names are unique). */
export async function namesStartingWith(db: Db, prefixes: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(prefixes)];
  const taken = new Set<string>();
  for (let i = 0; i < unique.length; i += PREFIXES_PER_QUERY) {
    const chunk = unique.slice(i, i + PREFIXES_PER_QUERY);
    // instr, not LIKE: no escaping of % and _, and no 50-byte pattern limit.
    const rows = await db
      .select({ name: tools.name })
      .from(tools)
      .where(or(...chunk.map((prefix) => sql`instr(${tools.name}, ${prefix}) = 1`)))
      .all();
    for (const row of rows) taken.add(row.name);
  }
  return taken;
}

/** Every stored connection name that starts with one of `prefixes` (an import names the connections it creates). */
export async function connectionNamesStartingWith(db: Db, prefixes: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(prefixes)];
  const taken = new Set<string>();
  for (let i = 0; i < unique.length; i += PREFIXES_PER_QUERY) {
    const chunk = unique.slice(i, i + PREFIXES_PER_QUERY);
    const rows = await db
      .select({ name: connections.name })
      .from(connections)
      .where(or(...chunk.map((prefix) => sql`instr(${connections.name}, ${prefix}) = 1`)))
      .all();
    for (const row of rows) taken.add(row.name);
  }
  return taken;
}
