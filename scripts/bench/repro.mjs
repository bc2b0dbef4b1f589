// `node scripts/bench/repro.mjs`: issue 10's schema-pattern repro against the built Worker of this checkout,
// one request at a time, with the CPU time of the Worker's workerd process for each. Run it in a checkout
// before and after a change to compare (README, "Validation limits"). Each step prints one line:
//
// 1. POST /tools with five patterns of `x{1000}` 1,200 times (42 KB), and GET /health sent meanwhile;
// 2. four executes, one after the other, with invalid input, of a tool whose stored input schema holds one
//    such pattern (written to D1 directly, as a tool saved before any limit would be);
// 3. an execute with a 63 KB `format: "regex"` value.
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { applyMigrations, build, cpuMs, readWranglerToml, startWorker } from "./workers.mjs";

const REPRO = "x{1000}".repeat(1200);
const ADMIN_TOKEN = randomBytes(24).toString("base64url");
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };

/** @param {string} url @param {RequestInit} [init] */
async function timed(url, init) {
  const started = performance.now();
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, ms: performance.now() - started, text };
}

const stringWith = (/** @type {string} */ pattern) => ({ type: "string", pattern });

async function main() {
  const toml = readWranglerToml();
  const built = build();
  const worker = await startWorker({
    compatibilityDate: toml.date,
    compatibilityFlags: toml.flags,
    d1Databases: ["DB"],
    kvNamespaces: ["TOKEN_CACHE"],
    modules: true,
    scriptPath: built.main,
    modulesRules: [{ type: "ESModule", include: ["**/*.js", "**/*.mjs"] }],
    modulesRoot: built.outdir,
    bindings: { ...toml.vars, ADMIN_TOKEN, ENCRYPTION_KEYS: randomBytes(32).toString("base64") },
  });
  try {
    await applyMigrations(worker.mf);
    const db = await worker.mf.getD1Database("DB");
    /** @param {string} label @param {() => Promise<{ status: number, ms: number, text: string }>} step */
    const measure = async (label, step) => {
      const before = cpuMs(worker.pids);
      const r = await step();
      const cpu = cpuMs(worker.pids) - before;
      console.log(`${label}: ${r.status} in ${r.ms.toFixed(0)} ms, workerd CPU ${cpu.toFixed(0)} ms`);
      return r;
    };
    /** @param {string} name @param {Record<string, unknown>} input_schema */
    const tool = (name, input_schema) =>
      JSON.stringify({
        name,
        execution_type: "http_request",
        method: "POST",
        endpoint_url: "https://api.example.com/v1/items",
        input_schema,
      });
    await timed(`${worker.url}/health`);

    // 1. Five such patterns in one POST /tools, and /health meanwhile.
    const five = Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`a${i}`, stringWith(`${REPRO}${i}`)]));
    const body = tool("repro_five", { type: "object", properties: five });
    const health = (async () => {
      await new Promise((r) => setTimeout(r, 50));
      return timed(`${worker.url}/health`);
    })();
    await measure(`POST /tools, five patterns (${(body.length / 1024).toFixed(0)} KB)`, () =>
      timed(`${worker.url}/tools`, { method: "POST", headers: admin, body }),
    );
    const h = await health;
    console.log(`GET /health sent 50 ms into it: ${h.status} in ${h.ms.toFixed(0)} ms`);

    // 2. A stored schema with one such pattern, executed four times with invalid input.
    const created = await timed(`${worker.url}/tools`, {
      method: "POST",
      headers: admin,
      body: tool("repro_one", { type: "object", properties: { a: { type: "string" } } }),
    });
    const id = JSON.parse(created.text).id;
    const stored = JSON.stringify({ type: "object", properties: { a: stringWith(REPRO) } });
    await db.prepare("UPDATE tools SET input_schema = ? WHERE id = ?").bind(stored, id).run();
    for (let i = 1; i <= 4; i++)
      await measure(`execute ${i}, stored pattern, input {"a":"x"}`, () =>
        timed(`${worker.url}/tools/${id}/execute`, {
          method: "POST",
          headers: admin,
          body: JSON.stringify({ input: { a: "x" } }),
        }),
      );

    // 3. A 63 KB regex as format: regex data.
    const regexTool = await timed(`${worker.url}/tools`, {
      method: "POST",
      headers: admin,
      body: tool("repro_regex", { type: "object", properties: { r: { type: "string", format: "regex" } } }),
    });
    const regexId = JSON.parse(regexTool.text).id;
    const value = "x{1000}".repeat(9000);
    await measure(`execute, format: regex value of ${(value.length / 1024).toFixed(0)} KB`, () =>
      timed(`${worker.url}/tools/${regexId}/execute`, {
        method: "POST",
        headers: admin,
        body: JSON.stringify({ input: { r: value } }),
      }),
    );
  } finally {
    await worker.mf.dispose();
    rmSync(built.outdir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
