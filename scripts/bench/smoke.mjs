// `npm run bench:smoke` (part of `npm test`): the benchmark harness runs every
// scenario once for one second, profiles it for one more, and writes well-formed
// results. It asserts no timings, only that the harness works, every request
// succeeded, and the D1 counts are what the execute path does.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const out = mkdtempSync(path.join(tmpdir(), "toolgate-bench-smoke-"));
Object.assign(process.env, {
  BENCH_DURATION: "1",
  BENCH_ROUNDS: "1",
  BENCH_WARMUP: "0",
  BENCH_STARTUP: "0",
  BENCH_PROFILE: "1",
  BENCH_LATENCY_DURATION: "1",
  BENCH_PRODUCTION_DURATION: "1",
  BENCH_OUT: out,
});
const { main } = await import("./bench.mjs");
try {
  await main();
  const results = JSON.parse(readFileSync(path.join(out, "profile-latest.json"), "utf8"));
  assert.equal(results.scenarios.length, 8, "eight scenarios");
  const names = results.scenarios.map((/** @type {{ scenario: string }} */ s) => s.scenario);
  assert.ok(names.includes("pattern-near-limit") && names.includes("regex-format-60kb"), "the pattern scenarios");
  assert.ok(results.bundle.raw_bytes > 0 && results.bundle.gzip_bytes > 0, "bundle sizes");
  assert.ok(results.machine.nproc > 0 && typeof results.machine.cpu_model === "string", "machine");
  for (const s of results.scenarios) {
    for (const key of [
      "passthrough_rps",
      "toolgate_rps",
      "throughput_ratio",
      "added_p50_ms",
      "added_p99_ms",
      "added_p50_ms_1conn",
      "added_p99_ms_1conn",
    ]) {
      assert.equal(typeof s[key], "number", `${s.scenario}.${key} is a number`);
    }
    assert.ok(s.toolgate_rps > 0 && s.passthrough_rps > 0, `${s.scenario}: requests were served`);
    // Counts, not timings: a warm execute reads nothing from D1 (its tool is in the definition cache, read
    // again once per DEFINITION_CACHE_SECONDS, which a slow machine can reach within a run), and log rows go
    // to D1 in groups, yet every execute leaves exactly one row.
    assert.ok(s.d1_reads_per_execute < 0.1, `${s.scenario}: D1 reads on warm executes: ${s.d1_reads_per_execute}`);
    assert.ok(s.d1_round_trips_per_1000_executes < 1000, `${s.scenario}: fewer D1 round trips than executes`);
    assert.equal(s.log_rows_written, s.d1_executes, `${s.scenario}: one log row per execute, none lost`);
    assert.equal(typeof s.d1_production?.d1_bound_executes_per_s, "number", `${s.scenario}: D1 as in production ran`);
    assert.equal(s.d1_production.unexpected_status, 0, `${s.scenario}: D1 as in production answered as expected`);
    assert.ok(s.profile.busy_us_per_request > 0, `${s.scenario}: the profile saw the isolate busy`);
    assert.ok(
      s.profile.areas.some((/** @type {{ name: string }} */ a) => a.name.startsWith("toolgate: src/")),
      `${s.scenario}: profile frames map back to toolgate's sources`,
    );
    assert.ok(s.toolgate_cpu_ms_per_req === null || s.toolgate_cpu_ms_per_req >= 0, `${s.scenario}: CPU per request`);
    assert.equal(s.unexpected_status, 0, `${s.scenario}: every response had the expected status`);
    assert.equal(typeof s.create_tool_ms, "number", `${s.scenario}: tool creation timed`);
    assert.equal(s.errors, 0, `${s.scenario}: no connection errors or timeouts`);
  }
  const oauth = results.scenarios.find((/** @type {{ scenario: string }} */ s) => s.scenario === "oauth2");
  assert.equal(typeof oauth.token_calls_warm, "number", "oauth2 token calls counted");
  console.error("bench:smoke ok");
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(0);
