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
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json } from "./helpers";
import {
  CATEGORIES,
  categoryOf,
  cfworkerAlone,
  disagreementOverHttp,
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
 *
 * Input stays under the goal in draft-07 (897) and 2019-09 (1,220) because
 * of default.json: as issue 15 asks, a default that breaks its own schema is
 * refused when the tool is saved, and all three of its groups have one
 * ("invalid type for default", "invalid string value for default", "the
 * default keyword does not do anything if the property is missing"): 7 tests
 * that @cfworker alone counts as correct and no tool with those defaults can
 * answer. Every other required test of those drafts is answered correctly,
 * except groups that need the suite's remote documents (never fetched) and
 * vocabulary.json's custom meta-schema without the validation vocabulary (a
 * remote meta-schema toolgate cannot read). 2019-09 and 2020-12's "order of
 * evaluation: $id and $anchor and $ref", which @cfworker alone misses (it
 * registers an embedded resource's `$anchor` under the enclosing base URI
 * too), is answered right (src/engine/schema-anchors.ts). Output meets every
 * goal.
 */
const FLOORS: Record<Draft, Record<SchemaUse, number>> = {
  "draft-07": { input: 897, output: 904 },
  "2019-09": { input: 1220, output: 1227 },
  // 2020-12 `format` is an annotation for new tools (format.json's "only an annotation by default" tests).
  "2020-12": { input: 1247, output: 1254 },
};

/**
 * The false accepts that remain, listed exactly, so that a new one fails the
 * test, and so does one that is fixed (remove it here). None: issue 15 asks
 * for zero.
 */
const KNOWN_FALSE_ACCEPTS: Record<Draft, string[]> = {
  "draft-07": [],
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

/**
 * The suite's tests of one draft: one test file per draft
 * (test/json-schema-suite-*.test.ts), so that each runs in its own isolate
 * with its own database. In one file, each draft ran slower than the one
 * before it (2020-12 took six times as long after the other two as alone).
 */
export function describeSuiteDraft(draft: Draft): void {
  describe(`the JSON Schema Test Suite through the service, ${draft}`, () => {
    // The output tools' upstream: it answers with the `v` it is sent, so an execution's output is the test's data.
    // A plain stand-in rather than vi.spyOn, which would keep every one of the suite's ~10,000 requests and
    // responses in its call history: the heap grew with each draft, and the last one ran several times slower.
    const realFetch = globalThis.fetch;
    beforeAll(() => {
      globalThis.fetch = async (input, init) => {
        const request = new Request(input, init);
        if (request.url !== ECHO_URL) throw new TypeError(`unexpected outbound request to ${request.url}`);
        return json((JSON.parse(await request.text()) as { v: unknown }).v);
      };
    });
    const misses: Miss[] = [];
    afterAll(() => {
      globalThis.fetch = realFetch;
      if (suite.details)
        console.log(
          misses.map((m) => `${m.draft} ${m.use} ${m.kind} ${m.file} | ${m.group} | ${m.test} | ${m.why}`).join("\n"),
        );
    });

    it("is vendored in test/fixtures/json-schema-test-suite", () => {
      expect(suite.found, `nothing at ${suite.root}`).toBe(true);
    });

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
          for (const group of groups)
            tasks.push(() =>
              runGroup({ draft, use, file, group, tally: scores[use][categoryOf(file)] }, draftMisses, refusals),
            );
      }
      const runnerTasks = tasks.length;
      // The first group of each required file also goes through the API, which must answer as the runner does.
      for (const { file, groups } of files)
        if (categoryOf(file) === "required" && groups[0])
          tasks.push(async () => {
            const problem = await disagreementOverHttp(draft, groups[0]!);
            if (problem === null) return;
            for (const use of USES) {
              scores[use].required.errors += 1;
              draftMisses.push({
                draft,
                use,
                file,
                group: groups[0]!.description,
                test: "(through the API)",
                kind: "error",
                why: problem,
              });
            }
          });
      // The API's requests first: their waits for D1 then overlap the runner's work.
      await inPool([...tasks.slice(runnerTasks), ...tasks.slice(0, runnerTasks)], CONCURRENT_GROUPS);
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
}
