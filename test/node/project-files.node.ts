/**
 * Files the deploy and the Env type depend on: .deploy-secrets is never
 * committed, .dev.vars.example is, and worker-configuration.d.ts is exactly
 * what `npm run types` makes of wrangler.toml and .dev.vars.example (so the
 * type-level test in test/env-agrees.ts compares src/env.ts with the truth).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";

const repo = path.join(import.meta.dirname, "..", "..");

function ignoredByGit(file: string) {
  const result = spawnSync("git", ["check-ignore", "--no-index", "--quiet", file], { cwd: repo });
  if (result.status !== 0 && result.status !== 1) throw new Error(`git check-ignore failed: ${result.stderr}`);
  return result.status === 0;
}

it("git ignores .deploy-secrets and .dev.vars, and not .dev.vars.example", () => {
  expect(ignoredByGit(".deploy-secrets")).toBe(true);
  expect(ignoredByGit(".dev.vars")).toBe(true);
  expect(ignoredByGit(".dev.vars.example")).toBe(false);
});

it("worker-configuration.d.ts is what `npm run types` generates", () => {
  const file = path.join(repo, "worker-configuration.d.ts");
  const committed = readFileSync(file, "utf8");
  const result = spawnSync("npm", ["run", "--silent", "types"], {
    cwd: repo,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  const generated = readFileSync(file, "utf8");
  // Leave the file as the test found it; the failure says what to do.
  if (generated !== committed) writeFileSync(file, committed);
  expect(result.status, result.stderr).toBe(0);
  expect(generated, "worker-configuration.d.ts is out of date: run `npm run types` and commit it").toBe(committed);
});
