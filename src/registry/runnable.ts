/**
 * Finding the tool an execute runs: from the isolate's definition cache when
 * it holds a recent enough copy (./definition-cache.ts), else from D1 through
 * the request's replica session, and from the primary before answering
 * "not found" (a replica may not have a tool created a moment ago yet).
 *
 * Only the execute paths (the API's execute, MCP's tools/call) read through
 * the cache; the editor, the lists, GET /tools/{id} and every write read D1.
 */
import { drizzle } from "drizzle-orm/d1";
import { requestDatabaseOf } from "../db/session";
import type { Env } from "../env";
import {
  connectionDependency,
  DEFAULT_CACHE_SECONDS,
  DefinitionCache,
  parseCacheBound,
  toolDependency,
  toolNameDependency,
} from "./definition-cache";
import {
  findMcpTool,
  findRunnableTool,
  findRunnableToolByName,
  toolNameNotFound,
  toolNotFound,
  type RunnableTool,
} from "./queries";
import type { StoredTool } from "./stored-tool";

/** The isolate's definition cache. */
const definitionCache = new DefinitionCache();

/**
 * Called by every write of a tool in this isolate (src/registry/writes.ts):
 * the next execute here reads the new version, by id or by its name.
 */
export function forgetTool(tool: Pick<StoredTool, "id" | "name">): void {
  definitionCache.invalidate(toolDependency(tool.id));
  definitionCache.invalidate(toolNameDependency(tool.name));
}

/**
 * Called by the rewrap for each tool it re-sealed. A cached row sealed under
 * a retired key would still open until that key leaves ENCRYPTION_KEYS (and
 * changing a secret starts new isolates), but this isolate need not wait.
 * Every entry depends on its tool's id, those found by name too.
 */
export function forgetRewrappedTool(toolId: string): void {
  definitionCache.invalidate(toolDependency(toolId));
}

/** Called by every write of a connection in this isolate: the tools that use it are read again. */
export function forgetConnection(connectionId: string): void {
  definitionCache.invalidate(connectionDependency(connectionId));
}

/** The tool to run by id; 404 `tool_not_found`. */
export async function runnableToolById(env: Env, id: string): Promise<RunnableTool> {
  const found = await readThrough(env, `id:${id}`, [], (db) => findRunnableTool(drizzle(db), id));
  if (!found) throw toolNotFound(id);
  return found;
}

/** The tool with exactly this name (POST /tools/by-name/{name}/execute); 404 `tool_not_found`. */
export async function runnableToolByName(env: Env, name: string): Promise<RunnableTool> {
  const found = await readThrough(env, `name:${name}`, [toolNameDependency(name)], (db) =>
    findRunnableToolByName(drizzle(db), name),
  );
  if (!found) throw toolNameNotFound(name);
  return found;
}

/** The tool MCP's tools/call names, if it exists and is offered over MCP. */
export function runnableMcpTool(env: Env, name: string): Promise<RunnableTool | undefined> {
  return readThrough(env, `mcp:${name}`, [toolNameDependency(name)], (db) => findMcpTool(drizzle(db), name));
}

async function readThrough(
  env: Env,
  key: string,
  dependsOn: string[],
  load: (db: D1Database) => Promise<RunnableTool | undefined>,
): Promise<RunnableTool | undefined> {
  const requestDb = requestDatabaseOf(env.DB);
  const boundMs = cacheBoundMs(env.DEFINITION_CACHE_SECONDS);
  if (boundMs > 0) {
    const hit = definitionCache.get(key, boundMs, requestDb.callerBookmark);
    if (hit) return hit;
  }
  const generation = definitionCache.generation;
  const value = (await load(requestDb.replica())) ?? (await load(requestDb.primary()));
  if (!value) return undefined;
  if (boundMs > 0) {
    const built = [toolDependency(value.tool.id), ...dependsOn];
    if (value.connection) built.push(connectionDependency(value.connection.id));
    definitionCache.set(key, value, built, requestDb.bookmark(), generation);
  }
  return value;
}

/** The setting, read once per distinct value; a value that cannot be read keeps the default (and says so once). */
let lastSetting: { value: unknown; ms: number } | undefined;
function cacheBoundMs(value: unknown): number {
  if (lastSetting !== undefined && lastSetting.value === value) return lastSetting.ms;
  const parsed = parseCacheBound(value);
  if (!parsed.ok) console.error(JSON.stringify({ msg: "definition cache: invalid setting", reason: parsed.reason }));
  const ms = parsed.ok ? parsed.ms : DEFAULT_CACHE_SECONDS * 1000;
  lastSetting = { value, ms };
  return ms;
}
