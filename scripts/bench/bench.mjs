// `npm run bench`: toolgate's execute path against a passthrough worker on the
// same workerd (issue 6). Both run in Miniflare directly (not `wrangler dev`,
// whose proxy caps throughput), each in its own workerd process so that CPU
// time can be read per worker from /proc. D1 reads and writes per execute are
// counted by a bench-only entry module around the built bundle (D1_COUNTING_ENTRY).
// See README, "Performance".
//
// Env: BENCH_DURATION (seconds per run, default 5), BENCH_CONNECTIONS (10),
// BENCH_ROUNDS (3), BENCH_SCENARIOS (comma-separated names, default all),
// BENCH_WARMUP (seconds of unrecorded load per worker before the rounds, 2),
// BENCH_LATENCY_DURATION (seconds per one-connection latency run, 3; 0 skips them),
// BENCH_PROFILE (seconds of CPU profile per scenario after its rounds, 0 = none),
// BENCH_OUT (results dir, default bench/results), BENCH_STARTUP=0 skips
// `wrangler check startup`.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { gzipSync } from "node:zlib";
// @ts-expect-error autocannon ships no types; only its documented programmatic API is used.
import autocannon from "autocannon";
import { connectProfiler, summarizeProfile } from "./profile.mjs";
import { API_KEY, CLIENT_ID, CLIENT_SECRET } from "./upstream.mjs";

const root = path.join(import.meta.dirname, "..", "..");

// The Miniflare that the pinned wrangler itself runs (and so the same workerd that `wrangler dev` and
// `wrangler deploy` target), resolved through wrangler rather than declared twice at another version.
const wranglerRequire = createRequire(createRequire(import.meta.url).resolve("wrangler/package.json"));
const { Miniflare } = wranglerRequire("miniflare");
/** @type {string} */
const MINIFLARE_VERSION = wranglerRequire("miniflare/package.json").version;
const wrangler = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const env = process.env;
const DURATION = Number(env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 10);
/** One connection, one request at a time: latency without queueing, which at saturation is what p50 measures. */
const LATENCY_DURATION = Number(env.BENCH_LATENCY_DURATION ?? 3);
const ROUNDS = Number(env.BENCH_ROUNDS ?? 3);
const WARMUP = Number(env.BENCH_WARMUP ?? 2);
const OUT = path.resolve(root, env.BENCH_OUT ?? "bench/results");
const ADMIN_TOKEN = randomBytes(24).toString("base64url");
/** Seconds of CPU profiling per scenario (`npm run bench:profile`), after its measured rounds; 0 for none. */
const PROFILE = Number(env.BENCH_PROFILE ?? 0);

/** compatibility_date, compatibility_flags and [vars] from wrangler.toml (flat keys only). */
function readWranglerToml() {
  const text = readFileSync(path.join(root, "wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(text)?.[1];
  const flagsText = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(text)?.[1] ?? "";
  const flags = [...flagsText.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? "");
  /** @type {Record<string, string>} */
  const vars = {};
  const varsSection = /^\[vars\]\s*\n([\s\S]*?)(?=^\[|$(?![\s\S]))/m.exec(text)?.[1] ?? "";
  for (const m of varsSection.matchAll(/^([A-Z_][A-Z0-9_]*)\s*=\s*"([^"]*)"/gm)) vars[m[1] ?? ""] = m[2] ?? "";
  if (!date) throw new Error("no compatibility_date in wrangler.toml");
  return { date, flags, vars };
}

/** `wrangler deploy --dry-run --outdir`: the bundle that would be uploaded. */
function build() {
  const outdir = mkdtempSync(path.join(tmpdir(), "toolgate-bench-"));
  const r = spawnSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outdir], {
    cwd: root,
    env: { ...env, WRANGLER_SEND_METRICS: "false" },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${r.stdout}\n${r.stderr}`);
  const files = readdirSync(outdir).filter((f) => /\.(m?js|wasm)$/.test(f));
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const data = readFileSync(path.join(outdir, f));
    raw += data.length;
    gzip += gzipSync(data, { level: 9 }).length;
  }
  return { outdir, main: path.join(outdir, "index.js"), bundle: { files, raw_bytes: raw, gzip_bytes: gzip } };
}

/** `wrangler check startup`: the span of its startup CPU profile, in ms; null if it fails. @param {string} outdir */
function startupMs(outdir) {
  if (env.BENCH_STARTUP === "0") return { ms: null, note: "skipped (BENCH_STARTUP=0)" };
  const file = path.join(outdir, "startup.cpuprofile");
  const r = spawnSync(process.execPath, [wrangler, "check", "startup", "--outfile", file], {
    cwd: root,
    env: { ...env, WRANGLER_SEND_METRICS: "false" },
    encoding: "utf8",
    timeout: 180_000,
  });
  try {
    const profile = JSON.parse(readFileSync(file, "utf8"));
    return {
      ms: round((profile.endTime - profile.startTime) / 1000, 1),
      note: "wrangler check startup, CPU profile span, local machine",
    };
  } catch {
    return { ms: null, note: `wrangler check startup failed: ${(r.stderr || r.stdout || "").slice(-300)}` };
  }
}

/** Starts scripts/bench/upstream.mjs as its own process. */
async function startUpstream() {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, "upstream.mjs")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (c) => {
      buf += c;
      const line = buf.split("\n")[0];
      if (buf.includes("\n") && line) resolve(JSON.parse(line).port);
    });
    child.once("exit", (code) => reject(new Error(`upstream exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill("SIGTERM") };
}

/** A TCP port nothing listens on right now. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** PIDs of workerd processes below this process. */
function workerdPids() {
  /** @type {Map<number, number>} */
  const parent = new Map();
  /** @type {Map<number, string>} */
  const comm = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      comm.set(Number(d), stat.slice(stat.indexOf("(") + 1, close));
      parent.set(Number(d), Number(stat.slice(close + 2).split(" ")[1]));
    } catch {
      // Gone.
    }
  }
  const below = (/** @type {number} */ pid) => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true;
    return false;
  };
  return [...comm].filter(([pid, name]) => name.includes("workerd") && below(pid)).map(([pid]) => pid);
}

const TICK_MS = 1000 / Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || 100);

/** utime + stime of the given processes, in ms. @param {number[]} pids */
function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * TICK_MS;
}

/** A Miniflare instance in its own workerd process; returns it with its URL and workerd PIDs. @param {Record<string, unknown>} options Miniflare options */
async function startWorker(options) {
  const before = new Set(workerdPids());
  const mf = new Miniflare({ host: "127.0.0.1", port: 0, ...options });
  const url = (await mf.ready).origin;
  const pids = workerdPids().filter((p) => !before.has(p));
  if (pids.length === 0) throw new Error("no workerd process found for a Miniflare instance");
  return { mf, url, pids };
}

const PASSTHROUGH = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const init = { method: request.method, headers: {} };
    for (const name of ["content-type", "authorization", "x-api-key"]) {
      const value = request.headers.get(name);
      if (value !== null) init.headers[name] = value;
    }
    if (request.method !== "GET" && request.method !== "HEAD") init.body = await request.arrayBuffer();
    const res = await fetch(env.UPSTREAM + url.pathname + url.search, init);
    return new Response(res.body, { status: res.status, headers: { "content-type": res.headers.get("content-type") ?? "application/json" } });
  },
};`;

/**
 * The bench's entry module for toolgate, next to the built bundle (which it imports unchanged): it hands
 * the bundle an env whose DB counts the statements it runs, and answers GET /__bench/d1 with the counters.
 * Counting happens in the Worker's own isolate, so it adds no I/O to the measured path. A statement is
 * counted when it is executed (first/all/run/raw, each statement of a batch, each of exec's), as a read
 * (SELECT, or WITH ... without INSERT/UPDATE/DELETE), a write (INSERT/UPDATE/DELETE/REPLACE) or other.
 */
const D1_COUNTING_ENTRY = `
import worker from "./index.js";
export * from "./index.js";

const counts = { requests: 0, executes: 0, reads: 0, writes: 0, other: 0, sql: {} };
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
    return column === undefined ? this.inner.first() : this.inner.first(column);
  }
  all() {
    count(this.sql);
    return this.inner.all();
  }
  run() {
    count(this.sql);
    return this.inner.run();
  }
  raw(options) {
    count(this.sql);
    return this.inner.raw(options);
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
    return this.inner.batch(statements.map((s) => s.inner));
  }
  getBookmark() {
    return this.inner.getBookmark();
  }
}

class CountingD1 extends CountingSession {
  exec(sql) {
    for (const s of sql.split(/;\\s*(?:\\n|$)/).filter((x) => x.trim() !== "")) count(s.trim());
    return this.inner.exec(sql);
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
};`;

/**
 * toolgate's D1 counters (see D1_COUNTING_ENTRY) once they stop moving: execution log rows are written in
 * ctx.waitUntil after the response, so they can trail the load by a little.
 * @param {string} url toolgate's origin
 * @returns {Promise<{ requests: number, executes: number, reads: number, writes: number, other: number, sql: Record<string, number> }>}
 */
async function d1Counts(url) {
  let last = await json(`${url}/__bench/d1`);
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await json(`${url}/__bench/d1`);
    if (JSON.stringify(next) === JSON.stringify(last)) return next;
    last = next;
  }
  throw new Error("toolgate's D1 counters did not settle within 10 s");
}

/** @param {Miniflare} mf */
async function applyMigrations(mf) {
  const db = await mf.getD1Database("DB");
  const dir = path.join(root, "migrations");
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    const sql = readFileSync(path.join(dir, file), "utf8");
    const statements = sql
      .split("--> statement-breakpoint")
      .flatMap((s) => s.split(/;\s*$/m))
      .map((s) => s.trim())
      .filter((s) => s.replace(/^--.*$/gm, "").trim() !== "");
    await db.batch(statements.map((s) => db.prepare(s)));
  }
}

/** A ~50-property input schema with patterns and formats, and an input that passes it. */
function largeInput() {
  /** @type {Record<string, unknown>} */
  const properties = {};
  /** @type {Record<string, unknown>} */
  const input = {};
  const kinds = [
    [{ type: "string", pattern: "^[a-z][a-z0-9_-]{2,31}$" }, "name_ok-1"],
    [{ type: "string", format: "email" }, "someone@example.com"],
    [{ type: "string", format: "date-time" }, "2026-04-20T10:00:00Z"],
    [{ type: "string", format: "uri" }, "https://example.com/a/b?c=d"],
    [{ type: "string", format: "uuid" }, "123e4567-e89b-12d3-a456-426614174000"],
    [{ type: "integer", minimum: 0, maximum: 1000 }, 500],
    [{ type: "string", pattern: "^[A-Z]{3}-\\d{4}$", maxLength: 8 }, "ABC-1234"],
    [{ type: "string", enum: ["low", "medium", "high"] }, "medium"],
    [{ type: "number", multipleOf: 0.5 }, 2.5],
    [{ type: "array", items: { type: "string", pattern: "^#[0-9a-f]{6}$" }, maxItems: 5 }, ["#a1b2c3", "#ffffff"]],
  ];
  for (let i = 0; i < 50; i++) {
    const [schema, value] = kinds[i % kinds.length] ?? [];
    properties[`field_${i}`] = schema;
    input[`field_${i}`] = value;
  }
  return {
    schema: { type: "object", properties, required: Object.keys(properties), additionalProperties: false },
    input,
  };
}

/** The output schema for upstream.mjs's /large. */
const LARGE_OUTPUT_SCHEMA = {
  type: "object",
  required: ["count", "items"],
  properties: {
    count: { type: "integer" },
    items: {
      type: "array",
      items: {
        type: "object",
        required: ["id", "name", "email", "active", "score", "tags", "note"],
        properties: {
          id: { type: "integer", minimum: 0 },
          name: { type: "string", pattern: "^item-\\d{5}$" },
          email: { type: "string", format: "email" },
          active: { type: "boolean" },
          score: { type: "number" },
          tags: { type: "array", items: { type: "string" } },
          note: { type: "string", maxLength: 200 },
        },
      },
    },
  },
};

/** Scenario definitions: the tool to create, the execute input, and the passthrough's equivalent request. */
function scenarios() {
  const large = largeInput();
  const fixedOut = { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] };
  const msg = { type: "object", properties: { text: { type: "string" } }, required: ["text"] };
  return [
    {
      name: "no-auth",
      tool: { method: "POST", endpoint_url: "/fixed", input_schema: msg, output_schema: fixedOut },
      input: { text: "hello" },
      pass: { method: "POST", path: "/fixed", body: { text: "hello" } },
    },
    {
      name: "no-auth-20ms",
      tool: { method: "POST", endpoint_url: "/slow", input_schema: msg, output_schema: fixedOut },
      input: { text: "hello" },
      pass: { method: "POST", path: "/slow", body: { text: "hello" } },
    },
    {
      name: "api-key",
      tool: {
        method: "GET",
        endpoint_url: "/keyed",
        auth_config: { type: "api_key", location: "header", key_name: "x-api-key", value: API_KEY },
      },
      input: {},
      pass: { method: "GET", path: "/keyed", headers: { "x-api-key": API_KEY } },
    },
    {
      name: "oauth2",
      tool: {
        method: "GET",
        endpoint_url: "/protected",
        auth_config: {
          type: "oauth2",
          grant_type: "client_credentials",
          token_url: "/oauth/token",
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
        },
      },
      input: {},
      pass: { method: "GET", path: "/protected", oauth: true },
    },
    {
      name: "large-input",
      tool: { method: "POST", endpoint_url: "/fixed", input_schema: large.schema },
      input: large.input,
      pass: { method: "POST", path: "/fixed", body: large.input },
    },
    {
      name: "large-output",
      tool: { method: "GET", endpoint_url: "/large", output_schema: LARGE_OUTPUT_SCHEMA, max_response_bytes: 1048576 },
      input: {},
      pass: { method: "GET", path: "/large" },
    },
  ];
}

/**
 * One autocannon run; latency percentiles from per-response times (autocannon's histogram is whole ms).
 * @param {{ url: string, method: string, headers: Record<string, string>, body?: string }} target @param {number[]} pids
 */
async function load(target, pids, duration = DURATION, connections = CONNECTIONS) {
  /** @type {number[]} */
  const times = [];
  const cpuBefore = cpuMs(pids);
  const instance = autocannon({
    url: target.url,
    method: target.method,
    headers: target.headers,
    body: target.body,
    connections,
    duration,
  });
  instance.on(
    "response",
    (
      /** @type {unknown} */ _client,
      /** @type {number} */ status,
      /** @type {number} */ _bytes,
      /** @type {number} */ responseTime,
    ) => {
      if (status >= 200 && status < 300) times.push(responseTime);
    },
  );
  const result = await instance;
  const cpu = cpuMs(pids) - cpuBefore;
  times.sort((a, b) => a - b);
  const pct = (/** @type {number} */ p) =>
    times.length === 0 ? NaN : (times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] ?? NaN);
  const requests = result.requests.total;
  return {
    rps: requests / duration,
    requests,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50_ms: pct(50),
    p99_ms: pct(99),
    cpu_ms_per_req: requests > 0 ? cpu / requests : NaN,
  };
}

const median = (/** @type {number[]} */ xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};
const round = (/** @type {number} */ x, digits = 3) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

/** @param {string} url @param {RequestInit} [init] @returns {Promise<any>} */
async function json(url, init) {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

function machine() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  return {
    nproc: Number(spawnSync("nproc", { encoding: "utf8" }).stdout.trim()) || cpus().length,
    cpu_model: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? "unknown",
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

async function main() {
  const started = Date.now();
  const wanted = env.BENCH_SCENARIOS ? env.BENCH_SCENARIOS.split(",").map((s) => s.trim()) : null;
  const list = scenarios().filter((s) => !wanted || wanted.includes(s.name));
  if (list.length === 0) throw new Error(`no scenario matches BENCH_SCENARIOS=${env.BENCH_SCENARIOS}`);
  const toml = readWranglerToml();
  console.error("Building the Worker (wrangler deploy --dry-run)...");
  const built = build();
  const upstream = await startUpstream();
  const common = {
    compatibilityDate: toml.date,
    compatibilityFlags: toml.flags,
    d1Databases: ["DB"],
    kvNamespaces: ["TOKEN_CACHE"],
  };
  /** @type {Awaited<ReturnType<typeof startWorker>>[]} */
  const workers = [];
  try {
    const entry = path.join(built.outdir, "bench-d1-counting-entry.mjs");
    writeFileSync(entry, D1_COUNTING_ENTRY);
    const inspectorPort = PROFILE > 0 ? await freePort() : undefined;
    const toolgate = await startWorker({
      ...common,
      ...(inspectorPort ? { inspectorPort } : {}),
      modules: true,
      scriptPath: entry,
      // The bundle is ESM (Miniflare's default rules would take an imported .js for CommonJS).
      modulesRules: [{ type: "ESModule", include: ["**/*.js", "**/*.mjs"] }],
      modulesRoot: built.outdir,
      bindings: {
        ...toml.vars,
        ADMIN_TOKEN,
        ENCRYPTION_KEYS: randomBytes(32).toString("base64"),
        ALLOW_HTTP: "true",
        ALLOW_PRIVATE_NETWORKS: "true",
      },
    });
    workers.push(toolgate);
    const passthrough = await startWorker({
      ...common,
      modules: true,
      script: PASSTHROUGH,
      bindings: { UPSTREAM: upstream.url },
    });
    workers.push(passthrough);
    await applyMigrations(toolgate.mf);
    await applyMigrations(passthrough.mf);

    const profiler = inspectorPort ? await connectProfiler(inspectorPort) : null;
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
    const tokenCalls = async () => (await json(`${upstream.url}/__stats`)).token_requests;
    /** @type {Record<string, unknown>[]} */
    const rows = [];
    for (const s of list) {
      const def = { ...s.tool, endpoint_url: upstream.url + s.tool.endpoint_url };
      if (def.auth_config?.token_url)
        def.auth_config = { ...def.auth_config, token_url: upstream.url + def.auth_config.token_url };
      const tool = await json(`${toolgate.url}/tools`, {
        method: "POST",
        headers: admin,
        body: JSON.stringify({ name: `bench_${s.name.replaceAll("-", "_")}`, execution_type: "http_request", ...def }),
      });
      const tgTarget = {
        url: `${toolgate.url}/tools/${tool.id}/execute`,
        method: "POST",
        headers: admin,
        body: JSON.stringify({ input: s.input }),
      };
      /** @type {Record<string, string>} */
      const passHeaders = { ...s.pass.headers };
      if (s.pass.body) passHeaders["content-type"] = "application/json";
      if (s.pass.oauth) {
        const form = `grant_type=client_credentials&client_id=${CLIENT_ID}&client_secret=${CLIENT_SECRET}`;
        const t = await json(`${upstream.url}/oauth/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: form,
        });
        passHeaders.authorization = `Bearer ${t.access_token}`;
      }
      const ptTarget = {
        url: passthrough.url + s.pass.path,
        method: s.pass.method,
        headers: passHeaders,
        body: s.pass.body ? JSON.stringify(s.pass.body) : undefined,
      };
      // Warm: one call each (fills the OAuth2 token cache), checked for success.
      const warm = await json(tgTarget.url, { method: "POST", headers: admin, body: tgTarget.body });
      if (warm.status_code !== 200)
        throw new Error(`${s.name}: warm-up execute answered ${JSON.stringify(warm).slice(0, 300)}`);
      await json(ptTarget.url, { method: ptTarget.method, headers: ptTarget.headers, body: ptTarget.body });

      if (WARMUP > 0) {
        await load(ptTarget, passthrough.pids, WARMUP);
        await load(tgTarget, toolgate.pids, WARMUP);
      }
      const tokenBefore = await tokenCalls();
      const d1Before = await d1Counts(toolgate.url);
      /** @type {Awaited<ReturnType<typeof load>>[]} */
      const tg = [];
      /** @type {Awaited<ReturnType<typeof load>>[]} */
      const pt = [];
      /** @type {Awaited<ReturnType<typeof load>>[]} */
      const tg1 = [];
      /** @type {Awaited<ReturnType<typeof load>>[]} */
      const pt1 = [];
      for (let r = 0; r < ROUNDS; r++) {
        const order = r % 2 === 0 ? ["pt", "tg"] : ["tg", "pt"];
        for (const which of order) {
          if (which === "pt") pt.push(await load(ptTarget, passthrough.pids));
          else tg.push(await load(tgTarget, toolgate.pids));
        }
        if (LATENCY_DURATION > 0)
          for (const which of order) {
            if (which === "pt") pt1.push(await load(ptTarget, passthrough.pids, LATENCY_DURATION, 1));
            else tg1.push(await load(tgTarget, toolgate.pids, LATENCY_DURATION, 1));
          }
        console.error(
          `  ${s.name} round ${r + 1}/${ROUNDS}: passthrough ${Math.round(pt.at(-1)?.rps ?? 0)} req/s, toolgate ${Math.round(tg.at(-1)?.rps ?? 0)} req/s`,
        );
      }
      const tokenWarm = (await tokenCalls()) - tokenBefore;
      const d1After = await d1Counts(toolgate.url);
      const d1 = d1Delta(d1Before, d1After);
      const completed = [...tg, ...tg1].reduce((a, x) => a + x.requests, 0);
      if (d1.requests !== d1.executes)
        throw new Error(
          `${s.name}: toolgate served ${d1.requests - d1.executes} requests besides executes while measured`,
        );
      // Profiled in a run of its own after the measured ones, so the profiler's overhead is in no figure above.
      let profile = null;
      if (profiler) {
        await profiler.start();
        const run = await load(tgTarget, toolgate.pids, PROFILE);
        const cpuprofile = await profiler.stop();
        mkdirSync(path.join(OUT, "profiles"), { recursive: true });
        writeFileSync(path.join(OUT, "profiles", `${s.name}.cpuprofile`), JSON.stringify(cpuprofile));
        profile = summarizeProfile(cpuprofile, `${built.main}.map`, run.requests);
      }
      /** @type {(runs: Record<string, number>[], key: string) => number} */
      const m = (runs, key) => median(runs.map((x) => x[key] ?? NaN));
      rows.push({
        scenario: s.name,
        passthrough_rps: round(m(pt, "rps"), 0),
        toolgate_rps: round(m(tg, "rps"), 0),
        throughput_ratio: round(m(tg, "rps") / m(pt, "rps"), 3),
        passthrough_p50_ms: round(m(pt, "p50_ms")),
        passthrough_p99_ms: round(m(pt, "p99_ms")),
        toolgate_p50_ms: round(m(tg, "p50_ms")),
        toolgate_p99_ms: round(m(tg, "p99_ms")),
        added_p50_ms: round(m(tg, "p50_ms") - m(pt, "p50_ms")),
        added_p99_ms: round(m(tg, "p99_ms") - m(pt, "p99_ms")),
        passthrough_p50_ms_1conn: round(m(pt1, "p50_ms")),
        toolgate_p50_ms_1conn: round(m(tg1, "p50_ms")),
        added_p50_ms_1conn: round(m(tg1, "p50_ms") - m(pt1, "p50_ms")),
        added_p99_ms_1conn: round(m(tg1, "p99_ms") - m(pt1, "p99_ms")),
        passthrough_cpu_ms_per_req: round(m(pt, "cpu_ms_per_req")),
        toolgate_cpu_ms_per_req: round(m(tg, "cpu_ms_per_req")),
        d1_reads_per_execute: d1.executes > 0 ? round(d1.reads / d1.executes) : null,
        d1_writes_per_execute: d1.executes > 0 ? round(d1.writes / d1.executes) : null,
        d1_other_per_execute: d1.executes > 0 ? round(d1.other / d1.executes) : null,
        d1_executes: d1.executes,
        d1_statements: d1.sql,
        toolgate_requests_completed: completed,
        token_calls_warm: s.pass.oauth ? tokenWarm : null,
        non2xx: tg.reduce((a, x) => a + x.non2xx, 0) + pt.reduce((a, x) => a + x.non2xx, 0),
        errors: tg.reduce((a, x) => a + x.errors, 0) + pt.reduce((a, x) => a + x.errors, 0),
        rounds: {
          passthrough: pt.map(roundRun),
          toolgate: tg.map(roundRun),
          passthrough_1conn: pt1.map(roundRun),
          toolgate_1conn: tg1.map(roundRun),
        },
        profile,
      });
    }
    profiler?.close();

    for (const w of workers.splice(0)) await w.mf.dispose();
    const startup = startupMs(built.outdir);
    const results = {
      created_at: new Date().toISOString(),
      command: PROFILE > 0 ? "npm run bench:profile" : "npm run bench",
      settings: {
        duration_s: DURATION,
        connections: CONNECTIONS,
        latency_duration_s: LATENCY_DURATION,
        rounds: ROUNDS,
        warmup_s: WARMUP,
        profile_s: PROFILE,
      },
      machine: machine(),
      versions: {
        wrangler: pkgVersion("wrangler"),
        miniflare: MINIFLARE_VERSION,
        autocannon: pkgVersion("autocannon"),
      },
      bundle: built.bundle,
      startup_ms: startup.ms,
      startup_note: startup.note,
      notes: {
        cpu: "workerd process utime+stime from /proc over the run, divided by requests; includes Miniflare's entry worker and (toolgate) D1/KV in the same process; resolution one clock tick",
        latency:
          "p50/p99 of 2xx response times measured by autocannon per response; added = toolgate minus passthrough (medians over rounds). With BENCH_CONNECTIONS connections both workers are saturated, so their latency is mostly queueing (connections / throughput); the *_1conn figures come from runs with one connection and one request at a time, the latency a single caller sees",
        profile:
          "with BENCH_PROFILE=<seconds>: a CPU profile of toolgate's isolate (workerd inspector, 100 µs sampling) over an extra run after the measured rounds; self time per area (package, toolgate source file via the bundle's source map, or runtime builtin) and per function, in µs per request. Profiles are saved under profiles/ (not committed)",
        d1: "toolgate runs from a bench-only entry module that imports the built bundle unchanged and gives it a DB binding that counts, in the Worker's isolate, each statement executed (first/all/run/raw, each statement of a batch): reads are SELECT, writes INSERT/UPDATE/DELETE. The counters are read, once they stop changing (log rows are written in ctx.waitUntil), before and after the measured rounds (warm-up excluded); d1_reads_per_execute and d1_writes_per_execute divide the statements in that window by d1_executes, the POST /tools/{id}/execute requests the Worker received in it (counted by the same entry module; toolgate_requests_completed is autocannon's count of responses, which misses requests still in flight when a run ends). d1_statements lists every SQL text run in the window with its count",
      },
      scenarios: rows,
      elapsed_s: round((Date.now() - started) / 1000, 1),
    };
    mkdirSync(OUT, { recursive: true });
    const body = JSON.stringify(results, null, 2) + "\n";
    const stamp = results.created_at.replaceAll(":", "-").replace(/\.\d+Z$/, "Z");
    // A profiled run's timings carry the inspector's overhead: it never replaces latest.json.
    const kind = PROFILE > 0 ? "profile" : "bench";
    const latest = PROFILE > 0 ? "profile-latest.json" : "latest.json";
    writeFileSync(path.join(OUT, `${stamp}-${kind}.json`), body);
    writeFileSync(path.join(OUT, latest), body);
    console.log(table(results));
    if (PROFILE > 0) console.log(profileTables(results));
    console.error(`Wrote ${path.relative(root, path.join(OUT, `${stamp}-${kind}.json`))} and ${latest}`);
    return results;
  } finally {
    for (const w of workers) await w.mf.dispose().catch(() => {});
    upstream.stop();
    rmSync(built.outdir, { recursive: true, force: true });
  }
}

/**
 * The counters' change between two readings; SQL texts that did not run in between are left out.
 * @param {Awaited<ReturnType<typeof d1Counts>>} before @param {Awaited<ReturnType<typeof d1Counts>>} after
 */
function d1Delta(before, after) {
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
    sql,
  };
}

/** @param {Awaited<ReturnType<typeof load>>} x */
function roundRun(x) {
  return {
    rps: round(x.rps, 0),
    p50_ms: round(x.p50_ms),
    p99_ms: round(x.p99_ms),
    cpu_ms_per_req: round(x.cpu_ms_per_req),
    non2xx: x.non2xx,
  };
}

/** @param {string} name */
function pkgVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

/** The results as a Markdown table (printed, and pasted into the README). @param {any} results */
export function table(results) {
  const fmt = (/** @type {unknown} */ x, d = 2) =>
    x === null || x === undefined ? "n/a" : typeof x === "number" ? x.toFixed(d) : String(x);
  const lines = [
    "| Scenario | Passthrough req/s | Toolgate req/s | Throughput ratio | Added p50 (ms) | Added p99 (ms) | Added p50, 1 conn (ms) | Added p99, 1 conn (ms) | CPU/req toolgate (ms) | CPU/req passthrough (ms) | D1 reads/execute | D1 writes/execute | Token calls warm |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results.scenarios) {
    lines.push(
      `| ${r.scenario} | ${fmt(r.passthrough_rps, 0)} | ${fmt(r.toolgate_rps, 0)} | ${fmt(r.throughput_ratio)} | ${fmt(r.added_p50_ms)} | ${fmt(r.added_p99_ms)} | ${fmt(r.added_p50_ms_1conn)} | ${fmt(r.added_p99_ms_1conn)} | ${fmt(r.toolgate_cpu_ms_per_req, 3)} | ${fmt(r.passthrough_cpu_ms_per_req, 3)} | ${fmt(r.d1_reads_per_execute, 3)} | ${fmt(r.d1_writes_per_execute, 3)} | ${r.token_calls_warm ?? "-"} |`,
    );
  }
  const b = results.bundle;
  lines.push(
    "",
    `Bundle: ${(b.raw_bytes / 1024).toFixed(1)} KiB raw, ${(b.gzip_bytes / 1024).toFixed(1)} KiB gzip. Startup: ${results.startup_ms === null ? "n/a" : `${results.startup_ms} ms`} (${results.startup_note}).`,
    `Machine: ${results.machine.nproc} CPUs, ${results.machine.cpu_model}, Node ${results.machine.node}. ${results.settings.rounds} rounds of ${results.settings.duration_s} s with ${results.settings.connections} connections and ${results.settings.latency_duration_s} s with 1 connection, per worker.`,
  );
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
/** Where toolgate's isolate spends its CPU, per scenario: the top areas of each profile. @param {any} results */
export function profileTables(results) {
  const lines = [];
  for (const r of results.scenarios) {
    if (!r.profile) continue;
    lines.push(
      "",
      `Profile, ${r.scenario}: ${r.profile.busy_us_per_request} µs busy per request in toolgate's isolate (${r.profile.requests} requests)`,
      "| Area | µs/request | Share |",
      "| --- | ---: | ---: |",
    );
    for (const a of r.profile.areas.slice(0, 10))
      lines.push(`| ${a.name} | ${a.us_per_request} | ${Math.round(a.share_of_busy * 100)}% |`);
  }
  return lines.join("\n");
}

export { main };
