/**
 * The bundle's size check at the end of `npm run build` (scripts/bundle-size.mjs):
 * it counts the code wrangler wrote (not the source map) and fails the build
 * when that is over the limit.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { BUNDLE_LIMIT_BYTES, measureBundle } from "../../scripts/bundle-size.mjs";

const script = path.join(import.meta.dirname, "..", "..", "scripts", "bundle-size.mjs");
let outdir: string;
beforeEach(() => {
  outdir = mkdtempSync(path.join(tmpdir(), "toolgate-bundle-size-"));
});
afterEach(() => rmSync(outdir, { recursive: true, force: true }));

const check = () => spawnSync(process.execPath, [script, outdir], { encoding: "utf8" });

it("passes a bundle at the limit and names its size", () => {
  writeFileSync(path.join(outdir, "index.js"), "x".repeat(BUNDLE_LIMIT_BYTES - 100));
  writeFileSync(path.join(outdir, "other.mjs"), "y".repeat(100));
  // The source map is uploaded too, but it is not code the Worker runs.
  writeFileSync(path.join(outdir, "index.js.map"), "z".repeat(BUNDLE_LIMIT_BYTES));
  const r = check();
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toContain(`Bundle: ${(BUNDLE_LIMIT_BYTES / 1024).toFixed(1)} KiB raw`);
  expect(measureBundle(outdir)).toMatchObject({ files: ["index.js", "other.mjs"], raw_bytes: BUNDLE_LIMIT_BYTES });
});

it("fails a bundle one byte over the limit, and says by how much", () => {
  writeFileSync(path.join(outdir, "index.js"), "x".repeat(BUNDLE_LIMIT_BYTES));
  writeFileSync(path.join(outdir, "module.wasm"), "w");
  const r = check();
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("The bundle is 0.0 KiB over its limit");
});

it("fails when there is no bundle to measure", () => {
  const r = check();
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("no .js, .mjs or .wasm file");
});
