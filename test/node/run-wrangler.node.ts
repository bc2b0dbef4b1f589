/**
 * The real runner (spawnWrangler), with a stand-in for wrangler's bin that
 * reports what it received: arguments as given, a secret only on stdin, and
 * stdin closed when there is no input, so that wrangler never waits for a
 * terminal answer nobody can give.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { spawnWrangler } from "../../scripts/deploy/wrangler.mjs";

let dir: string;
let bin: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "toolgate-fake-wrangler-"));
  bin = path.join(dir, "wrangler.mjs");
  writeFileSync(
    bin,
    `let stdin = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (stdin += chunk));
process.stdin.on("end", () => {
  console.log(JSON.stringify({ argv: process.argv.slice(2), stdin, cwd: process.cwd(), metrics: process.env.WRANGLER_SEND_METRICS }));
  if (process.argv[2] === "fail") {
    console.error("✘ [ERROR] it failed");
    process.exit(3);
  }
});
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("passes the arguments as they are and the input on stdin, in the project folder", async () => {
  const result = await spawnWrangler(dir, bin)(["secret", "bulk"], { input: '{"ADMIN_TOKEN":"s3cret"}' });
  expect(result.status).toBe(0);
  expect(JSON.parse(result.stdout)).toEqual({
    argv: ["secret", "bulk"],
    stdin: '{"ADMIN_TOKEN":"s3cret"}',
    cwd: dir,
    metrics: "false",
  });
});

it("closes stdin when there is no input, and reports the exit status and stderr", async () => {
  const result = await spawnWrangler(dir, bin)(["fail", "--json"]);
  expect(result.status).toBe(3);
  expect(JSON.parse(result.stdout)).toMatchObject({ argv: ["fail", "--json"], stdin: "" });
  expect(result.stderr).toContain("it failed");
});
