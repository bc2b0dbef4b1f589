/**
 * Writing an id into wrangler.toml (scripts/deploy/wrangler-toml.mjs): only
 * the one line changes, comments survive, and an edit that wrangler would not
 * read back as intended leaves the file untouched.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readWranglerToml, setBindingKey, writeBindingKey } from "../../scripts/deploy/wrangler-toml.mjs";

const TWO_KV = `name = "toolgate"
# A comment that explains something.
[[kv_namespaces]]
binding = "TOKEN_CACHE" # the token cache
preview_id = "00000000000000000000000000000000"

[[kv_namespaces]]
  binding = 'OAUTH_KV'
  id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

[[d1_databases]]
binding = "TOKEN_CACHE"
`;

describe("setBindingKey", () => {
  it.each([
    {
      case: "inserts the key after the binding line of the matching table",
      args: ["kv_namespaces", "TOKEN_CACHE", "id", "1".repeat(32)] as const,
      expected: TWO_KV.replace(
        'binding = "TOKEN_CACHE" # the token cache\n',
        `binding = "TOKEN_CACHE" # the token cache\nid = "${"1".repeat(32)}"\n`,
      ),
    },
    {
      case: "replaces the key where it is, keeping the indentation (single-quoted binding)",
      args: ["kv_namespaces", "OAUTH_KV", "id", "2".repeat(32)] as const,
      expected: TWO_KV.replace(`  id = "${"a".repeat(32)}"`, `  id = "${"2".repeat(32)}"`),
    },
    {
      case: "goes by table as well as binding name",
      args: ["d1_databases", "TOKEN_CACHE", "database_id", "x"] as const,
      expected: TWO_KV.replace(/binding = "TOKEN_CACHE"\n$/, 'binding = "TOKEN_CACHE"\ndatabase_id = "x"\n'),
    },
  ])("$case", ({ args: [table, binding, key, value], expected }) => {
    expect(setBindingKey(TWO_KV, table, binding, key, value)).toBe(expected);
  });

  it.each([
    ["no such binding", "kv_namespaces", "RATE_LIMITER"],
    ["no such table", "r2_buckets", "TOKEN_CACHE"],
  ])("refuses when there is not exactly one match: %s", (_, table, binding) => {
    expect(() => setBindingKey(TWO_KV, table, binding, "id", "x")).toThrow(/expected exactly one/);
  });

  it("refuses two tables with the same binding", () => {
    const twice = `${TWO_KV}\n[[kv_namespaces]]\nbinding = "OAUTH_KV"\n`;
    expect(() => setBindingKey(twice, "kv_namespaces", "OAUTH_KV", "id", "x")).toThrow(/has 2 \[\[kv_namespaces\]\]/);
  });
});

describe("writeBindingKey", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "toolgate-toml-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the id so that wrangler reads it, and leaves no temporary file", () => {
    const file = path.join(dir, "wrangler.toml");
    writeFileSync(file, TWO_KV);
    writeBindingKey(file, "kv_namespaces", "TOKEN_CACHE", "id", "3".repeat(32));
    expect(readWranglerToml(file).kv_namespaces).toEqual([
      { binding: "TOKEN_CACHE", preview_id: "0".repeat(32), id: "3".repeat(32) },
      { binding: "OAUTH_KV", id: "a".repeat(32) },
    ]);
    expect(readFileSync(file, "utf8")).toContain("# A comment that explains something.");
    expect(readFileSync(file, "utf8")).toContain('binding = "TOKEN_CACHE" # the token cache');
    expect(readdir(dir)).toEqual(["wrangler.toml"]);
  });

  it("leaves the file as it was when the edit would not read back as that one change", () => {
    // The line edit takes the `id = ` inside a multi-line string for the binding's id.
    const tricky = `name = "toolgate"
[[kv_namespaces]]
binding = "TOKEN_CACHE"
notes = """
id = "not an id"
"""
`;
    const file = path.join(dir, "wrangler.toml");
    writeFileSync(file, tricky);
    expect(() => writeBindingKey(file, "kv_namespaces", "TOKEN_CACHE", "id", "4".repeat(32))).toThrow(
      /Could not write id into wrangler.toml safely[\s\S]*id = "4{32}"/,
    );
    expect(readFileSync(file, "utf8")).toBe(tricky);
    expect(readdir(dir)).toEqual(["wrangler.toml"]);
  });
});

function readdir(dir: string) {
  return readdirSync(dir).sort();
}
