/**
 * The definition cache: per isolate, what the execute path needs to run a
 * tool, so that a warm execute reads nothing from D1.
 *
 * - An entry is served for at most the bound (DEFINITION_CACHE_SECONDS,
 *   default 5 s; 0 turns the cache off). That is how long another isolate's
 *   write can go unseen here: isolates share no memory, and nothing tells
 *   them of a change.
 * - The isolate that writes a definition drops what depends on it at once
 *   (`invalidate`), so its own next execute reads the new version.
 * - A caller that sends a D1 bookmark newer than the one an entry was read at
 *   gets a fresh read: read-your-writes holds across isolates too.
 * - Each entry names what it was built from (`tool:<id>`, `tool-name:<name>`,
 *   `connection:<id>`); invalidating one of those drops every entry built
 *   from it.
 * - Only definitions live here. Secrets are cached sealed, as stored; token
 *   state (leases, rotated refresh tokens) never enters this cache.
 */
import type { RunnableTool } from "./queries";

/**
 * A tool and its connection, as one statement loads them (./queries.ts): a
 * damaged row (./stored-tool.ts) is cached too, and fails to run as it would
 * read fresh. The connection row holds its definition and sealed secrets;
 * never token state, which lives in KV and connection_tokens.
 */
export type { RunnableTool };

export const DEFAULT_CACHE_SECONDS = 5;
export const MAX_CACHE_SECONDS = 3600;
/** Entries per isolate: tool rows carry schemas, and an isolate has 128 MB. */
export const MAX_CACHE_ENTRIES = 500;

/** Reads DEFINITION_CACHE_SECONDS: unset or empty is the default; else 0 to 3600 (fractions allowed), in ms. */
export function parseCacheBound(value: unknown): { ok: true; ms: number } | { ok: false; reason: string } {
  if (value === undefined || value === null || value === "") return { ok: true, ms: DEFAULT_CACHE_SECONDS * 1000 };
  const text = typeof value === "string" ? value.trim() : String(value);
  if (!/^\d{1,4}(?:\.\d{1,3})?$/.test(text) || Number(text) > MAX_CACHE_SECONDS)
    return {
      ok: false,
      reason: `DEFINITION_CACHE_SECONDS must be a number of seconds from 0 to ${MAX_CACHE_SECONDS}.`,
    };
  return { ok: true, ms: Math.round(Number(text) * 1000) };
}

/** Dependency keys: an entry names what it was built from, so that a write can drop it. */
export const toolDependency = (toolId: string) => `tool:${toolId}`;
/** An entry found by a tool's name (MCP's tools/call) also depends on whichever tool holds that name. */
export const toolNameDependency = (name: string) => `tool-name:${name}`;
/** An entry of a tool with a connection depends on the connection too. */
export const connectionDependency = (connectionId: string) => `connection:${connectionId}`;

interface Entry {
  value: RunnableTool;
  /** When it was read (the cache's clock, ms). */
  readAt: number;
  /** The D1 bookmark of the read, when the session gave one. */
  bookmark: string | null;
  dependsOn: readonly string[];
}

export class DefinitionCache {
  /** Map order is recency: a hit moves its entry to the end, the oldest goes first when full. */
  private readonly entries = new Map<string, Entry>();
  /**
   * Counts invalidations. A read takes it before going to D1 and caches its
   * result only if no write was noted meanwhile: otherwise a read that started
   * before a write could put the old version back after the write dropped it.
   */
  private generationCount = 0;

  constructor(
    private readonly maxEntries = MAX_CACHE_ENTRIES,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /**
   * The entry under `key` if it was read less than `boundMs` ago and at a
   * bookmark no older than `atLeast` (when the caller sent one).
   */
  get(key: string, boundMs: number, atLeast: string | null = null): RunnableTool | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.now() - entry.readAt >= boundMs) {
      this.entries.delete(key);
      return undefined;
    }
    if (atLeast !== null && (entry.bookmark === null || entry.bookmark < atLeast)) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  get generation(): number {
    return this.generationCount;
  }

  /** Caches `value` unless an invalidation happened since `generation` was read (then it may be stale already). */
  set(
    key: string,
    value: RunnableTool,
    dependsOn: readonly string[],
    bookmark: string | null,
    generation: number,
  ): void {
    if (generation !== this.generationCount) return;
    this.entries.delete(key);
    this.entries.set(key, { value, readAt: this.now(), bookmark, dependsOn });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  /** Drops every entry built from `dependency` (a tool or, later, a connection that was written). */
  invalidate(dependency: string): void {
    this.generationCount++;
    for (const [key, entry] of this.entries) if (entry.dependsOn.includes(dependency)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
