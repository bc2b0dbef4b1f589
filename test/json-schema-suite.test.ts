/**
 * Conformance: the official JSON Schema Test Suite (drafts 7, 2019-09 and
 * 2020-12, vendored in test/fixtures/json-schema-test-suite) through the
 * service's save and execute path, with the first group of every file through
 * the API itself, for input and output schemas (test/json-schema-suite.ts).
 * Prints a score table per draft, and fails when a required test is falsely
 * accepted, when a score falls under its floor (issue 15's goals, raised to
 * what the service scores), when a group that needs a remote document is not
 * refused with a 422 that says so, or when anything answers other than
 * 201/422 on save and 200/422 on execute.
 *
 * JSON_SCHEMA_SUITE_DETAILS=1 lists every answer that is not the suite's.
 */
import suite from "virtual:json-schema-test-suite";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { json } from "./helpers";
import {
  CATEGORIES,
  categoryOf,
  cfworkerAlone,
  DRAFTS,
  ECHO_URL,
  emptyTally,
  inPool,
  runGroup,
  USES,
  type Category,
  type Draft,
  type Miss,
  type Refusal,
  type SchemaUse,
  type Tally,
} from "./json-schema-suite";

/**
 * Correct answers on the required tests, at least. Issue 15's goals are
 * draft-07 898/927, 2019-09 1,223/1,259 and 2020-12 1,236/1,299
 * (@cfworker/json-schema's own scores without the suite's remote documents,
 * with its ignored `$dynamicRef`s counted as refusals); these floors are what
 * the service scores now. Raise them when it scores more.
 */
const FLOORS: Record<Draft, Record<SchemaUse, number>> = {
  // Input is under the goal by the two groups whose default breaks its own schema, refused at save as issue 15 asks.
  "draft-07": { input: 895, output: 902 },
  "2019-09": { input: 1219, output: 1226 },
  "2020-12": { input: 1231, output: 1238 },
};

/**
 * The false accepts that remain, each a bug of @cfworker/json-schema that
 * toolgate does not work around yet; listed exactly, so that a new one fails
 * the test, and so does one that is fixed (remove it here).
 * - draft-07: a `$ref`'s sibling `$id` must not change the base URI (siblings of
 *   `$ref` are ignored in draft-07); the validator lets it, and resolves the
 *   `$ref` against it.
 */
const KNOWN_FALSE_ACCEPTS: Record<Draft, string[]> = {
  "draft-07": [
    "ref.json | $ref prevents a sibling $id from changing the base uri | $ref resolves to /definitions/base_foo, data does not validate",
  ],
  "2019-09": [],
  "2020-12": [],
};

/** Groups saved at once; each executes all its tests at once. */
const CONCURRENT_GROUPS = 8;

const LABELS: Record<Category, string> = {
  required: "Required tests",
  optional: "Optional tests other than formats",
  format: "Optional format tests",
};

function percent(part: number, whole: number): string {
  return whole === 0 ? "-" : `${((100 * part) / whole).toFixed(1)}%`;
}

type DraftScores = Record<SchemaUse, Record<Category, Tally>> & { cfworker: Record<Category, number> };

function scoreTable(draft: Draft, scores: DraftScores): string {
  const lines = [
    `JSON Schema Test Suite, ${draft}, through toolgate's save and execute path; "@cfworker alone": the library on the raw schema, without remotes.`,
    "| tests    | schema | tests | correct         | refused groups (tests) | of them remote | false accepts | false rejects | errors | @cfworker alone |",
    "|----------|--------|------:|----------------:|-----------------------:|---------------:|--------------:|--------------:|-------:|----------------:|",
  ];
  for (const category of CATEGORIES)
    for (const use of USES) {
      const t = scores[use][category];
      const alone = scores.cfworker[category];
      lines.push(
        `| ${category.padEnd(8)} | ${use.padEnd(6)} | ${String(t.tests).padStart(5)} | ${`${t.correct} (${percent(t.correct, t.tests)})`.padStart(15)} | ${`${t.refusedGroups} (${t.refusedTests})`.padStart(22)} | ${String(t.remoteGroups).padStart(14)} | ${String(t.falseAccepts).padStart(13)} | ${String(t.falseRejects).padStart(13)} | ${String(t.errors).padStart(6)} | ${`${alone} (${percent(alone, t.tests)})`.padStart(15)} |`,
      );
    }
  lines.push(`(${Object.values(LABELS).join("; ")}: required, optional, format.)`);
  return lines.join("\n");
}

describe("the JSON Schema Test Suite through the service", () => {
  // The output tools' upstream: it answers with the `v` it is sent, so an execution's output is the test's data.
  beforeEach(() => {
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const request = new Request(input, init);
      if (request.url !== ECHO_URL) throw new TypeError(`unexpected outbound request to ${request.url}`);
      return json((JSON.parse(await request.text()) as { v: unknown }).v);
    });
  });
  const misses: Miss[] = [];
  afterAll(() => {
    vi.restoreAllMocks();
    if (suite.details)
      console.log(
        misses.map((m) => `${m.draft} ${m.use} ${m.kind} ${m.file} | ${m.group} | ${m.test} | ${m.why}`).join("\n"),
      );
  });

  it("is vendored in test/fixtures/json-schema-test-suite", () => {
    expect(suite.found, `nothing at ${suite.root}`).toBe(true);
  });

  for (const draft of DRAFTS)
    it(`${draft}: no false accepts, scores at their floors, remote references refused with a 422 that says so`, async () => {
      if (!suite.found) throw new Error(`the suite is not at ${suite.root}`);
      const files = suite.drafts[draft];
      const scores = { cfworker: {} } as DraftScores;
      const refusals: Refusal[] = [];
      const draftMisses: Miss[] = [];
      const tasks: (() => Promise<void>)[] = [];
      for (const use of USES) {
        scores[use] = { required: emptyTally(), optional: emptyTally(), format: emptyTally() };
        for (const { file, groups } of files)
          groups.forEach((group, i) => {
            const tally = scores[use][categoryOf(file)];
            // The first group of each required file also goes through the API (see ./json-schema-suite.ts).
            const overHttp = i === 0 && categoryOf(file) === "required";
            tasks.push(() => runGroup({ draft, use, file, group, tally, overHttp }, draftMisses, refusals));
          });
      }
      await inPool(tasks, CONCURRENT_GROUPS);
      for (const category of CATEGORIES) scores.cfworker[category] = cfworkerAlone(draft, files, category);
      misses.push(...draftMisses);
      console.log(scoreTable(draft, scores));

      for (const use of USES) {
        const required = scores[use].required;
        const falseAccepts = draftMisses.filter(
          (m) => m.use === use && m.kind === "false_accept" && categoryOf(m.file) === "required",
        );
        expect(
          falseAccepts.map((m) => `${m.file} | ${m.group} | ${m.test}`),
          `${use} false accepts`,
        ).toEqual(KNOWN_FALSE_ACCEPTS[draft]);
        expect(required.correct, `${use}: correct answers on the required tests`).toBeGreaterThanOrEqual(
          FLOORS[draft][use],
        );
        const errors = draftMisses.filter((m) => m.use === use && m.kind === "error");
        expect(
          errors.map((m) => `${m.file} | ${m.group} | ${m.test} | ${m.why}`),
          `${use} errors`,
        ).toEqual([]);
      }
      // Every group that is refused for a reference to the suite's remote server is refused for that reason,
      // and with the words that say so; and the suite's remote-reference groups are among them.
      const remoteRefusals = refusals.filter((r) => r.remote);
      expect(remoteRefusals.length).toBeGreaterThan(0);
      expect(remoteRefusals.every((r) => r.mentionsRemote)).toBe(true);
      const refRemote = refusals.filter((r) => r.file === "refRemote.json");
      expect(refRemote.filter((r) => !r.remote).map((r) => `${r.use} ${r.group}: ${r.messages.join("; ")}`)).toEqual(
        [],
      );
    }, 600_000);
});
