// `npm run bench`: toolgate's execute path against a passthrough worker on the
// same workerd (issue 6). Both run in Miniflare directly (not `wrangler dev`,
// whose proxy caps throughput), each in its own workerd process so that CPU
// time can be read per worker from /proc. D1 reads and writes per execute are
// counted by a bench-only entry module around the built bundle (D1_COUNTING_ENTRY),
// which also plays "D1 as in production" for one more run per scenario: one
// single-threaded primary at 1 ms per statement. See README, "Performance".
//
// Env: BENCH_DURATION (seconds per run, default 5), BENCH_CONNECTIONS (10),
// BENCH_ROUNDS (3), BENCH_SCENARIOS (comma-separated names, default all),
// BENCH_WARMUP (seconds of unrecorded load per worker before the rounds, 2),
// BENCH_LATENCY_DURATION (seconds per one-connection latency run, 3; 0 skips them),
// BENCH_PROFILE (seconds of CPU profile per scenario after its rounds, 0 = none),
// BENCH_PRODUCTION_DURATION (seconds of the "D1 as in production" run per scenario,
// default BENCH_DURATION; 0 skips it), BENCH_OUT (results dir, default bench/results),
// BENCH_STARTUP=0 skips `wrangler check startup`.
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
// @ts-expect-error autocannon ships no types; only its documented programmatic API is used.
import autocannon from "autocannon";
import { D1_COUNTING_ENTRY, d1Counts, d1Delta, setD1Production } from "./d1-counter.mjs";
import { connectProfiler, summarizeProfile } from "./profile.mjs";
import { machine, median, pkgVersion, profileTables, round, roundRun, table } from "./report.mjs";
import { scenarios } from "./scenarios.mjs";
import { CLIENT_ID, CLIENT_SECRET } from "./upstream.mjs";
import {
  applyMigrations,
  build,
  cpuMs,
  freePort,
  json,
  MINIFLARE_VERSION,
  PASSTHROUGH,
  readWranglerToml,
  root,
  startUpstream,
  startupMs,
  startWorker,
} from "./workers.mjs";

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
/** Seconds of load with "D1 as in production" per scenario, after its measured rounds; 0 for none. */
const PRODUCTION_DURATION = Number(env.BENCH_PRODUCTION_DURATION ?? DURATION);

/**
 * One autocannon run; latency percentiles from per-response times (autocannon's histogram is whole ms), of
 * responses with the expected status (200 for the passthrough, the scenario's for toolgate).
 * @param {{ url: string, method: string, headers: Record<string, string>, body?: string, expect: number }} target @param {number[]} pids
 */
async function load(target, pids, duration = DURATION, connections = CONNECTIONS) {
  /** @type {number[]} */
  const times = [];
  let unexpected = 0;
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
      if (status === target.expect) times.push(responseTime);
      else unexpected++;
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
    unexpected,
    errors: result.errors + result.timeouts,
    p50_ms: pct(50),
    p99_ms: pct(99),
    cpu_ms_per_req: requests > 0 ? cpu / requests : NaN,
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
    // Log rows as D1 holds them, read from outside the Worker (not counted): every execute must leave one.
    const logDb = await toolgate.mf.getD1Database("DB");
    const logRows = async () => Number((await logDb.prepare("SELECT count(*) AS n FROM executions").first())?.n ?? NaN);
    /** @type {Record<string, unknown>[]} */
    const rows = [];
    for (const s of list) {
      const def = { ...s.tool, endpoint_url: upstream.url + s.tool.endpoint_url };
      if (def.auth_config?.token_url)
        def.auth_config = { ...def.auth_config, token_url: upstream.url + def.auth_config.token_url };
      // Wall time of saving the tool: it checks (and compiles) the schemas' patterns.
      const createStarted = performance.now();
      const tool = await json(`${toolgate.url}/tools`, {
        method: "POST",
        headers: admin,
        body: JSON.stringify({ name: `bench_${s.name.replaceAll("-", "_")}`, execution_type: "http_request", ...def }),
      });
      const createMs = performance.now() - createStarted;
      const expected = s.expect ?? 200;
      const tgTarget = {
        url: `${toolgate.url}/tools/${tool.id}/execute`,
        method: "POST",
        headers: admin,
        body: JSON.stringify({ input: s.input }),
        expect: expected,
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
        expect: 200,
      };
      // Warm: one call each (fills the OAuth2 token cache), checked for the expected answer.
      const warmRes = await fetch(tgTarget.url, { method: "POST", headers: admin, body: tgTarget.body });
      const warm = /** @type {Record<string, unknown>} */ (await warmRes.json());
      if (warmRes.status !== expected || (expected === 200 && warm.status_code !== 200))
        throw new Error(`${s.name}: warm-up execute answered ${warmRes.status} ${JSON.stringify(warm).slice(0, 300)}`);
      await json(ptTarget.url, { method: ptTarget.method, headers: ptTarget.headers, body: ptTarget.body });

      if (WARMUP > 0) {
        await load(ptTarget, passthrough.pids, WARMUP);
        await load(tgTarget, toolgate.pids, WARMUP);
      }
      const tokenBefore = await tokenCalls();
      const d1Before = await d1Counts(toolgate.url);
      const rowsBefore = await logRows();
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
      const logRowsWritten = (await logRows()) - rowsBefore;
      const completed = [...tg, ...tg1].reduce((a, x) => a + x.requests, 0);
      if (d1.requests !== d1.executes)
        throw new Error(
          `${s.name}: toolgate served ${d1.requests - d1.executes} requests besides executes while measured`,
        );
      // D1 as in production: the same load, with the primary played as one single-threaded writer.
      let production = null;
      if (PRODUCTION_DURATION > 0) {
        await setD1Production(toolgate.url, true);
        try {
          const before = await d1Counts(toolgate.url);
          const run = await load(tgTarget, toolgate.pids, PRODUCTION_DURATION);
          const after = d1Delta(before, await d1Counts(toolgate.url));
          production = {
            toolgate_rps: round(run.rps, 0),
            throughput_ratio: round(run.rps / median(pt.map((x) => x.rps)), 3),
            d1_busy_ms_per_execute: after.executes > 0 ? round(after.busy_ms / after.executes, 3) : null,
            d1_bound_executes_per_s: after.busy_ms > 0 ? round((1000 * after.executes) / after.busy_ms, 0) : null,
            d1_round_trips_per_1000_executes:
              after.executes > 0 ? round((1000 * after.round_trips) / after.executes, 1) : null,
            executes: after.executes,
            unexpected_status: run.unexpected,
            errors: run.errors,
          };
        } finally {
          await setD1Production(toolgate.url, false);
        }
        console.error(
          `  ${s.name} D1 as in production: ${production.toolgate_rps} req/s, D1 saturates at ${production.d1_bound_executes_per_s ?? "∞"} executes/s`,
        );
      }
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
        toolgate_status: expected,
        create_tool_ms: round(createMs, 1),
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
        d1_round_trips_per_1000_executes: d1.executes > 0 ? round((1000 * d1.round_trips) / d1.executes, 1) : null,
        d1_statements_per_1000_executes:
          d1.executes > 0 ? round((1000 * (d1.reads + d1.writes + d1.other)) / d1.executes, 1) : null,
        d1_executes: d1.executes,
        log_rows_written: logRowsWritten,
        d1_production: production,
        d1_statements: d1.sql,
        toolgate_requests_completed: completed,
        token_calls_warm: s.pass.oauth ? tokenWarm : null,
        non2xx: tg.reduce((a, x) => a + x.non2xx, 0) + pt.reduce((a, x) => a + x.non2xx, 0),
        unexpected_status: [...tg, ...pt, ...tg1, ...pt1].reduce((a, x) => a + x.unexpected, 0),
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
        status:
          "toolgate_status is what toolgate answers in the scenario (200, or 422 for invalid input); unexpected_status counts responses with another status (the passthrough always expects 200), and non2xx is autocannon's count of non-2xx responses. create_tool_ms is the wall time of the POST /tools that created the scenario's tool, which checks and compiles its patterns",
        latency:
          "p50/p99 of the expected status's response times measured by autocannon per response; added = toolgate minus passthrough (medians over rounds). With BENCH_CONNECTIONS connections both workers are saturated, so their latency is mostly queueing (connections / throughput); the *_1conn figures come from runs with one connection and one request at a time, the latency a single caller sees",
        profile:
          "with BENCH_PROFILE=<seconds>: a CPU profile of toolgate's isolate (workerd inspector, 100 µs sampling) over an extra run after the measured rounds; self time per area (package, toolgate source file via the bundle's source map, or runtime builtin) and per function, in µs per request. Profiles are saved under profiles/ (not committed)",
        d1_production:
          "d1_production: one more run per scenario (BENCH_PRODUCTION_DURATION s, BENCH_CONNECTIONS connections) in which the counting entry plays D1's single-threaded primary: round trips take turns, each holding it 1 ms per statement (a batch of n statements n ms; an INSERT of many rows as one statement 1 ms, which flatters large batches a little). d1_bound_executes_per_s = 1000 × executes / ms held: the rate at which the primary would be busy all the time, whatever the number of Workers. throughput_ratio is against the passthrough's median of the measured rounds",
        log_rows:
          "log_rows_written: rows added to the executions table over the measured window, read from outside the Worker once the counters settled; it equals d1_executes when no log row is lost",
        d1: "toolgate runs from a bench-only entry module that imports the built bundle unchanged and gives it a DB binding that counts, in the Worker's isolate, each statement executed (first/all/run/raw, each statement of a batch): reads are SELECT, writes INSERT/UPDATE/DELETE. The counters are read, once they stop changing (log rows are written in ctx.waitUntil), before and after the measured rounds (warm-up excluded); d1_reads_per_execute and d1_writes_per_execute divide the statements in that window by d1_executes, the POST /tools/{id}/execute requests the Worker received in it (counted by the same entry module; toolgate_requests_completed is autocannon's count of responses, which misses requests still in flight when a run ends). d1_statements lists every SQL text run in the window with its count. A round trip is one call to D1 (a batch is one); d1_round_trips_per_1000_executes and d1_statements_per_1000_executes are per 1,000 executes",
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

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

export { main, table };
