// The benchmark's numbers and report: medians, rounding, the machine, and the
// Markdown tables printed at the end (the README's table is pasted from them).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import path from "node:path";
import { root } from "./workers.mjs";

export const median = (/** @type {number[]} */ xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};
export const round = (/** @type {number} */ x, digits = 3) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

export function machine() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  return {
    nproc: Number(spawnSync("nproc", { encoding: "utf8" }).stdout.trim()) || cpus().length,
    cpu_model: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? "unknown",
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** One run as kept in the results. @param {{ rps: number, p50_ms: number, p99_ms: number, cpu_ms_per_req: number, non2xx: number }} x */
export function roundRun(x) {
  return {
    rps: round(x.rps, 0),
    p50_ms: round(x.p50_ms),
    p99_ms: round(x.p99_ms),
    cpu_ms_per_req: round(x.cpu_ms_per_req),
    non2xx: x.non2xx,
  };
}

/** @param {string} name */
export function pkgVersion(name) {
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
    "| Scenario | Toolgate answers | Passthrough req/s | Toolgate req/s | Throughput ratio | Added p50 (ms) | Added p99 (ms) | Added p50, 1 conn (ms) | Added p99, 1 conn (ms) | CPU/req toolgate (ms) | CPU/req passthrough (ms) | D1 round trips per 1,000 executes | D1 statements per 1,000 executes | Toolgate req/s, D1 as in production | D1 saturates at (executes/s) | Token calls warm |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results.scenarios) {
    lines.push(
      `| ${r.scenario} | ${r.toolgate_status ?? 200} | ${fmt(r.passthrough_rps, 0)} | ${fmt(r.toolgate_rps, 0)} | ${fmt(r.throughput_ratio)} | ${fmt(r.added_p50_ms)} | ${fmt(r.added_p99_ms)} | ${fmt(r.added_p50_ms_1conn)} | ${fmt(r.added_p99_ms_1conn)} | ${fmt(r.toolgate_cpu_ms_per_req, 3)} | ${fmt(r.passthrough_cpu_ms_per_req, 3)} | ${fmt(r.d1_round_trips_per_1000_executes, 1)} | ${fmt(r.d1_statements_per_1000_executes, 1)} | ${fmt(r.d1_production?.toolgate_rps, 0)} | ${fmt(r.d1_production?.d1_bound_executes_per_s, 0)} | ${r.token_calls_warm ?? "-"} |`,
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
