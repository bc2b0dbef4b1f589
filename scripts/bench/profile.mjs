// CPU profiles of the toolgate isolate under load, through workerd's inspector
// (the DevTools protocol's Profiler domain), summarised by where the time goes.
// Used by bench.mjs when BENCH_PROFILE is set (`npm run bench:profile`).
import { readFileSync } from "node:fs";
import { SourceMapConsumer } from "source-map-js";
import WebSocket from "ws";

/**
 * Connects to the inspector target of the Worker's own isolate (Miniflare names it `core:user:<name>`).
 * @param {number} port
 */
export async function connectProfiler(port) {
  /** @type {{ title: string, webSocketDebuggerUrl?: string, id: string }[]} */
  const targets = /** @type {any} */ (await (await fetch(`http://127.0.0.1:${port}/json`)).json());
  const target = targets.find((t) => t.title.includes("core:user:"));
  if (!target) throw new Error(`no user worker among the inspector targets: ${targets.map((t) => t.title).join(", ")}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl ?? `ws://127.0.0.1:${port}/${target.id}`);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let nextId = 0;
  /** @type {Map<number, (message: any) => void>} */
  const pending = new Map();
  ws.on("message", (data) => {
    const message = JSON.parse(String(data));
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  /** @param {string} method @param {Record<string, unknown>} [params] @returns {Promise<any>} */
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, (message) =>
        message.error ? reject(new Error(message.error.message)) : resolve(message.result),
      );
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  // 100 µs: fine enough for a request that costs a few ms of CPU.
  await send("Profiler.setSamplingInterval", { interval: 100 });
  return {
    start: () => send("Profiler.start"),
    /** @returns {Promise<CpuProfile>} */
    stop: async () => (await send("Profiler.stop")).profile,
    close: () => ws.close(),
  };
}

/**
 * @typedef {{ functionName: string, url: string, lineNumber: number, columnNumber: number }} CallFrame
 * @typedef {{ id: number, callFrame: CallFrame, children?: number[] }} ProfileNode
 * @typedef {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }} CpuProfile
 */

/**
 * Self time per area and per function, in µs per request. Frames of the bundle are mapped back to their
 * source file through its source map; an area is a package, a toolgate source file, or a runtime builtin.
 * @param {CpuProfile} profile @param {string} sourceMapFile @param {number} requests
 */
export function summarizeProfile(profile, sourceMapFile, requests) {
  const map = new SourceMapConsumer(JSON.parse(readFileSync(sourceMapFile, "utf8")));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  /** @type {Map<number, number>} */
  const selfTime = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] ?? 0;
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  /** @type {Map<string, number>} */
  const areas = new Map();
  /** @type {Map<string, number>} */
  const functions = new Map();
  let idle = 0;
  let total = 0;
  for (const [id, us] of selfTime) {
    const frame = nodes.get(id)?.callFrame;
    if (!frame) continue;
    total += us;
    if (frame.functionName === "(idle)") {
      idle += us;
      continue;
    }
    const where = locate(frame, map);
    areas.set(where.area, (areas.get(where.area) ?? 0) + us);
    functions.set(where.fn, (functions.get(where.fn) ?? 0) + us);
  }
  const busy = total - idle;
  const top = (/** @type {Map<string, number>} */ m, /** @type {number} */ n) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({
        name,
        us_per_request: Number((us / requests).toFixed(1)),
        share_of_busy: Number((us / busy).toFixed(3)),
      }));
  return {
    requests,
    busy_us_per_request: Number((busy / requests).toFixed(1)),
    idle_us_per_request: Number((idle / requests).toFixed(1)),
    areas: top(areas, 14),
    functions: top(functions, 14),
  };
}

/** @param {CallFrame} frame @param {SourceMapConsumer} map */
function locate(frame, map) {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return { area: `runtime: ${name}`, fn: name };
  if (frame.url.startsWith("cloudflare-internal:d1"))
    return { area: "runtime: D1 client (cloudflare-internal:d1-api)", fn: `${name} (d1-api)` };
  if (!frame.url.endsWith("index.js") || frame.lineNumber < 0) {
    const file = frame.url.split("/").pop();
    return { area: file?.startsWith("bench-") ? "bench: D1 statement counter" : `other: ${file}`, fn: name };
  }
  const position = map.originalPositionFor({ line: frame.lineNumber + 1, column: frame.columnNumber });
  const source = position.source ?? "";
  if (source === "") return { area: "toolgate: (no source mapping)", fn: name };
  let pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
  // drizzle-orm's own source maps point one directory too high, at node_modules/src/.
  if (pkg === "src") pkg = "drizzle-orm";
  const file = pkg ? null : (/(?:^|\/)(src\/.*)$/.exec(source)?.[1] ?? source);
  const area = pkg ? `package: ${pkg}` : `toolgate: ${file}`;
  const fn = `${position.name ?? name} (${pkg ?? file}:${position.line ?? "?"})`;
  return { area, fn };
}
