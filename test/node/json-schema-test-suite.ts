/**
 * The official JSON Schema Test Suite, read from disk in Node and handed to
 * the workerd tests as a virtual module (`virtual:json-schema-test-suite`):
 * the workerd runtime cannot read the file system.
 *
 * The suite's draft-07, 2019-09 and 2020-12 tests are vendored, unmodified,
 * in test/fixtures/json-schema-test-suite (with its licence and where it came
 * from); JSON_SCHEMA_TEST_SUITE names another copy (a newer checkout, say).
 * When it is absent, the module says so and where it looked, and the
 * conformance test fails. JSON_SCHEMA_SUITE_DETAILS=1 has the test list every
 * answer that is not the suite's. Only the required tests run unless
 * JSON_SCHEMA_SUITE_OPTIONAL=1 (the optional and format tests double the
 * time, and are not asserted); JSON_SCHEMA_SUITE_FILES=<regexp> runs only
 * the files whose path (such as `draft7/ref.json`) matches, to investigate
 * (the scores then fall under their floors).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Plugin } from "vitest/config";

export const SUITE_MODULE = "virtual:json-schema-test-suite";
const RESOLVED = `\0${SUITE_MODULE}`;

/** The suite's folder for each draft toolgate supports. */
const DRAFT_FOLDERS = { "draft-07": "draft7", "2019-09": "draft2019-09", "2020-12": "draft2020-12" } as const;

export interface SuiteGroup {
  description: string;
  schema: unknown;
  tests: { description: string; data: unknown; valid: boolean }[];
}

export interface SuiteFile {
  /** Relative to the draft's folder, such as `ref.json` or `optional/format/email.json`. */
  file: string;
  groups: SuiteGroup[];
}

export type SuitePayload =
  | { found: true; root: string; details: boolean; drafts: Record<keyof typeof DRAFT_FOLDERS, SuiteFile[]> }
  | { found: false; root: string; details: boolean };

export function suiteRoot(projectRoot: string): string {
  return process.env.JSON_SCHEMA_TEST_SUITE ?? path.join(projectRoot, "test", "fixtures", "json-schema-test-suite");
}

function jsonFiles(folder: string, prefix = ""): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const relative = prefix + entry.name;
      if (entry.isDirectory()) return jsonFiles(path.join(folder, entry.name), `${relative}/`);
      return entry.name.endsWith(".json") ? [relative] : [];
    });
}

/** `details`: list every answer that is not the suite's (JSON_SCHEMA_SUITE_DETAILS=1). */
export function readSuite(root: string, details = false): SuitePayload {
  if (!existsSync(path.join(root, "tests"))) return { found: false, root, details };
  const drafts = {} as Record<keyof typeof DRAFT_FOLDERS, SuiteFile[]>;
  for (const [draft, folder] of Object.entries(DRAFT_FOLDERS) as [keyof typeof DRAFT_FOLDERS, string][]) {
    const base = path.join(root, "tests", folder);
    const only = process.env.JSON_SCHEMA_SUITE_FILES ? new RegExp(process.env.JSON_SCHEMA_SUITE_FILES) : null;
    const optional = process.env.JSON_SCHEMA_SUITE_OPTIONAL === "1";
    drafts[draft] = jsonFiles(base)
      .filter((file) => optional || !file.startsWith("optional/"))
      .filter((file) => only === null || only.test(`${folder}/${file}`))
      .map((file) => ({
        file,
        groups: JSON.parse(readFileSync(path.join(base, file), "utf8")) as SuiteGroup[],
      }));
  }
  return { found: true, root, details, drafts };
}

/** The Vite plugin that serves the suite to the tests as `virtual:json-schema-test-suite`. */
export function jsonSchemaTestSuite(projectRoot: string): Plugin {
  return {
    name: "toolgate:json-schema-test-suite",
    resolveId: (id) => (id === SUITE_MODULE ? RESOLVED : undefined),
    // As JSON text parsed at run time: in a JavaScript object literal, a `"__proto__"` key (which the
    // suite tests) would set the prototype instead of making a property.
    load: (id) => {
      if (id !== RESOLVED) return undefined;
      const payload = readSuite(suiteRoot(projectRoot), process.env.JSON_SCHEMA_SUITE_DETAILS === "1");
      return `export default JSON.parse(${JSON.stringify(JSON.stringify(payload))});`;
    },
  };
}
