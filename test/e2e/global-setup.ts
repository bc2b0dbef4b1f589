// Runs once before the e2e files. Without Chromium, CI fails loudly; on a
// developer's machine the suites skip themselves (see findChromium) after this warning.
// Then it applies the migrations once, to a state every dev server copies: applying
// them runs a whole wrangler, which each of the dozen suites would otherwise wait for.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { applyMigrations, CHROMIUM_MISSING, findChromium } from "./harness";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (findChromium() === undefined) {
    if (process.env.CI) throw new Error(CHROMIUM_MISSING);
    console.warn(`\n⚠️  Skipping the end-to-end tests. ${CHROMIUM_MISSING}\n`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), "toolgate-e2e-migrated-"));
  try {
    // As long as a suite's start-up may take (hookTimeout): on a loaded machine it is over a minute.
    await applyMigrations(path.join(dir, "state"), 240_000);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  project.provide("migratedState", path.join(dir, "state"));
  return () => rm(dir, { recursive: true, force: true });
}
