// Counting toolgate's D1 statements per execute, without touching its code:
// an entry module beside the built bundle that wraps the DB binding.
import { json } from "./workers.mjs";

/**
 * The bench's entry module for toolgate, next to the built bundle (which it imports unchanged): it hands
 * the bundle an env whose DB counts the statements it runs, and answers GET /__bench/d1 with the counters.
 * Counting happens in the Worker's own isolate, so it adds no I/O to the measured path. A statement is
 * counted when it is executed (first/all/run/raw, each statement of a batch, each of exec's), as a read
 * (SELECT, or WITH ... without INSERT/UPDATE/DELETE), a write (INSERT/UPDATE/DELETE/REPLACE) or other; a
 * round trip is one call to D1 (a batch is one, however many statements it holds).
 *
 * With `production`, the wrapper also plays D1's single-threaded primary: one round trip at a time, across
 * every request of the isolate, each holding the database for 1 ms per statement before it runs. `busy_ms`
 * is the time the database was held, so `executes / busy_ms` is the rate at which it saturates.
 * @param {{ production?: boolean }} [options]
 */
export function d1CountingEntry({ production = false } = {}) {
  return `
import worker from "./index.js";
export * from "./index.js";

const PRODUCTION = ${production ? "true" : "false"};
const counts = { requests: 0, executes: 0, reads: 0, writes: 0, other: 0, round_trips: 0, busy_ms: 0, sql: {} };
const EXECUTE = /^\\/tools\\/[^/]+\\/execute$/;

function kind(sql) {
  const text = sql.replace(/^(?:\\s|--[^\\n]*\\n?|\\/\\*[\\s\\S]*?\\*\\/)+/, "").toLowerCase();
  const verb = /^[a-z]+/.exec(text)?.[0] ?? "";
  if (verb === "select") return "reads";
  if (["insert", "update", "delete", "replace"].includes(verb)) return "writes";
  if (verb === "with") return /\\b(insert|update|delete|replace)\\b/.test(text) ? "writes" : "reads";
  return "other";
}
function count(sql) {
  counts[kind(sql)]++;
  counts.sql[sql] = (counts.sql[sql] ?? 0) + 1;
}

// The single-threaded primary: round trips take tickets and run in ticket order. A waiting request looks
// again every millisecond on its own timer: a Worker request may not wait on a promise another request
// settles, so the one before it cannot wake it.
let nextTicket = 0;
let serving = 0;
async function onPrimary(statements, call) {
  counts.round_trips++;
  if (!PRODUCTION) return call();
  const ticket = nextTicket++;
  while (serving !== ticket) await new Promise((resolve) => setTimeout(resolve, 1));
  const started = Date.now();
  try {
    await new Promise((resolve) => setTimeout(resolve, statements));
    return await call();
  } finally {
    counts.busy_ms += Date.now() - started;
    serving++;
  }
}

class CountingStatement {
  constructor(inner, sql) {
    this.inner = inner;
    this.sql = sql;
  }
  bind(...values) {
    return new CountingStatement(this.inner.bind(...values), this.sql);
  }
  first(column) {
    count(this.sql);
    return onPrimary(1, () => (column === undefined ? this.inner.first() : this.inner.first(column)));
  }
  all() {
    count(this.sql);
    return onPrimary(1, () => this.inner.all());
  }
  run() {
    count(this.sql);
    return onPrimary(1, () => this.inner.run());
  }
  raw(options) {
    count(this.sql);
    return onPrimary(1, () => this.inner.raw(options));
  }
}

class CountingSession {
  constructor(inner) {
    this.inner = inner;
  }
  prepare(sql) {
    return new CountingStatement(this.inner.prepare(sql), sql);
  }
  batch(statements) {
    for (const s of statements) count(s.sql);
    return onPrimary(statements.length, () => this.inner.batch(statements.map((s) => s.inner)));
  }
  getBookmark() {
    return this.inner.getBookmark();
  }
}

class CountingD1 extends CountingSession {
  exec(sql) {
    const statements = sql.split(/;\\s*(?:\\n|$)/).filter((x) => x.trim() !== "");
    for (const s of statements) count(s.trim());
    return onPrimary(statements.length, () => this.inner.exec(sql));
  }
  dump() {
    return this.inner.dump();
  }
  withSession(constraintOrBookmark) {
    return new CountingSession(this.inner.withSession(constraintOrBookmark));
  }
}

const envs = new WeakMap();
function countingEnv(env) {
  let wrapped = envs.get(env);
  if (wrapped === undefined) {
    wrapped = { ...env, DB: new CountingD1(env.DB) };
    envs.set(env, wrapped);
  }
  return wrapped;
}

export default {
  fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (pathname === "/__bench/d1") return Response.json(counts);
    counts.requests++;
    if (request.method === "POST" && EXECUTE.test(pathname)) counts.executes++;
    return worker.fetch(request, countingEnv(env), ctx);
  },
  scheduled(controller, env, ctx) {
    return worker.scheduled(controller, countingEnv(env), ctx);
  },
  queue(batch, env, ctx) {
    return worker.queue(batch, countingEnv(env), ctx);
  },
};`;
}

/** The entry as the bench has always used it: counting only. */
export const D1_COUNTING_ENTRY = d1CountingEntry();

/**
 * toolgate's D1 counters (see D1_COUNTING_ENTRY) once they stop moving: execution log rows are written in
 * ctx.waitUntil after the response, so they can trail the load by a little.
 * @param {string} url toolgate's origin
 * @returns {Promise<{ requests: number, executes: number, reads: number, writes: number, other: number, round_trips: number, busy_ms: number, sql: Record<string, number> }>}
 */
export async function d1Counts(url) {
  let last = await json(`${url}/__bench/d1`);
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await json(`${url}/__bench/d1`);
    if (JSON.stringify(next) === JSON.stringify(last)) return next;
    last = next;
  }
  throw new Error("toolgate's D1 counters did not settle within 10 s");
}

/**
 * The counters' change between two readings; SQL texts that did not run in between are left out.
 * @param {Awaited<ReturnType<typeof d1Counts>>} before @param {Awaited<ReturnType<typeof d1Counts>>} after
 */
export function d1Delta(before, after) {
  /** @type {Record<string, number>} */
  const sql = {};
  for (const [text, n] of Object.entries(after.sql)) {
    const d = n - (before.sql[text] ?? 0);
    if (d > 0) sql[text] = d;
  }
  return {
    requests: after.requests - before.requests,
    executes: after.executes - before.executes,
    reads: after.reads - before.reads,
    writes: after.writes - before.writes,
    other: after.other - before.other,
    round_trips: after.round_trips - before.round_trips,
    busy_ms: after.busy_ms - before.busy_ms,
    sql,
  };
}
