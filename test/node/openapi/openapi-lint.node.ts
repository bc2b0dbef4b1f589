/**
 * Redocly CLI's lint, with its recommended rules, of the OpenAPI document the
 * app serves: no error and no warning, except those redocly.yaml turns off or
 * .redocly.lint-ignore.yaml lists, each with its reason.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { publishedDocument } from "./published-document";

const ROOT = path.resolve(import.meta.dirname, "../../..");
/** Where .redocly.lint-ignore.yaml expects the document (its entries are keyed by this path, from the root). */
const DOCUMENT = "test-results/openapi.json";

it("passes Redocly's recommended rules, every exception justified in the lint config", async () => {
  mkdirSync(path.join(ROOT, "test-results"), { recursive: true });
  writeFileSync(path.join(ROOT, DOCUMENT), JSON.stringify(await publishedDocument(), null, 2));
  const lint = spawnSync(
    process.execPath,
    [
      path.join(ROOT, "node_modules/@redocly/cli/bin/cli.js"),
      "lint",
      DOCUMENT,
      "--config",
      "redocly.yaml",
      "--format=json",
    ],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
      timeout: 60_000,
    },
  );
  expect(lint.error).toBeUndefined();
  const report = JSON.parse(lint.stdout) as { totals: Record<string, number>; problems: unknown[] };
  expect(report.problems).toEqual([]);
  expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  expect(lint.status, lint.stderr).toBe(0);
});
