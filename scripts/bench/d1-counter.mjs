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
 * "D1 as in production" (POST /__bench/d1/production with `on` or `off`): the wrapper also plays D1's
 * single-threaded primary, which Cloudflare documents at about 1 ms per query. Round trips take turns on
 * one clock: each holds the database for 1 ms per statement, starting when the one before it is done, and
 * its caller waits until its turn has passed before the call runs. A caller never waits on another
 * request (a Worker request may not), only on its own timer, so one cancelled request cannot stall the
 * rest. `busy_ms` adds up the time held, so 1,000 × executes / busy_ms is the rate at which the primary
 * saturates.
 */
export const D1_COUNTING_ENTRY = `
import worker from "./index.js";
export * from "./index.js";

let production = false;
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

/** When the simulated primary is next free (epoch ms). */
let primaryFreeAt = 0;
async function onPrimary(statements, call) {
  counts.round_trips++;
  if (!production) return call();
  const start = Math.max(Date.now(), primaryFreeAt);
  primaryFreeAt = start + statements;
  counts.busy_ms += statements;
  await new Promise((resolve) => setTimeout(resolve, primaryFreeAt - Date.now()));
  return call();
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
    if (pathname === "/__bench/d1/production" && request.method === "POST")
      return request.text().then((text) => {
        production = text.trim() === "on";
        return Response.json({ production });
      });
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

/**
 * Turns "D1 as in production" on or off in toolgate's counting entry.
 * @param {string} url toolgate's origin @param {boolean} on
 */
export async function setD1Production(url, on) {
  await json(`${url}/__bench/d1/production`, { method: "POST", body: on ? "on" : "off" });
}

/**
 * toolgate's D1 counters (see D1_COUNTING_ENTRY) once they stop moving: execution log rows are written in
 * ctx.waitUntil after the response, so they can trail the load by a little.
 * @param {string} url toolgate's origin
 * @returns {Promise<{ requests: number, executes: number, reads: number, writes: number, other: number, round_trips: number, busy_ms: number, sql: Record<string, number> }>}
 */
export async function d1Counts(url) {
  let last = await json(`${url}/__bench/d1`);
  // Looked at 4 times a second: longer than the log writer's group-commit window (50 ms), so a group still
  // open when the load stops is counted.
  for (let i = 0; i < 40; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
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
