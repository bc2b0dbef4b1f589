// The benchmark's moving parts: the bundle (`wrangler deploy --dry-run`), the
// loopback upstream, Miniflare instances each in their own workerd process,
// and their CPU time read from /proc.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { measureBundle } from "../bundle-size.mjs";

export const root = path.join(import.meta.dirname, "..", "..");
// The Miniflare that the pinned wrangler itself runs (and so the same workerd that `wrangler dev` and
// `wrangler deploy` target), resolved through wrangler rather than declared twice at another version.
const wranglerRequire = createRequire(createRequire(import.meta.url).resolve("wrangler/package.json"));
const { Miniflare } = wranglerRequire("miniflare");
/** @type {string} */
export const MINIFLARE_VERSION = wranglerRequire("miniflare/package.json").version;
const wrangler = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const env = process.env;

/** compatibility_date, compatibility_flags and [vars] from wrangler.toml (flat keys only). */
export function readWranglerToml() {
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
export function build() {
  const outdir = mkdtempSync(path.join(tmpdir(), "toolgate-bench-"));
  const r = spawnSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outdir], {
    cwd: root,
    env: { ...env, WRANGLER_SEND_METRICS: "false" },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${r.stdout}\n${r.stderr}`);
  return { outdir, main: path.join(outdir, "index.js"), bundle: measureBundle(outdir) };
}

/** `wrangler check startup`: the span of its startup CPU profile, in ms; null if it fails. @param {string} outdir */
export function startupMs(outdir) {
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
      ms: Number(((profile.endTime - profile.startTime) / 1000).toFixed(1)),
      note: "wrangler check startup, CPU profile span, local machine",
    };
  } catch {
    return { ms: null, note: `wrangler check startup failed: ${(r.stderr || r.stdout || "").slice(-300)}` };
  }
}

/** Starts scripts/bench/upstream.mjs as its own process. */
export async function startUpstream() {
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
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** PIDs of workerd processes below this process. */
export function workerdPids() {
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
export function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * TICK_MS;
}

/** A Miniflare instance in its own workerd process; returns it with its URL and workerd PIDs. @param {Record<string, unknown>} options Miniflare options */
export async function startWorker(options) {
  const before = new Set(workerdPids());
  const mf = new Miniflare({ host: "127.0.0.1", port: 0, ...options });
  const url = (await mf.ready).origin;
  const pids = workerdPids().filter((p) => !before.has(p));
  if (pids.length === 0) throw new Error("no workerd process found for a Miniflare instance");
  return { mf, url, pids };
}

export const PASSTHROUGH = `
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

/** @param {Miniflare} mf */
export async function applyMigrations(mf) {
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

/** @param {string} url @param {RequestInit} [init] @returns {Promise<any>} */
export async function json(url, init) {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text);
}
