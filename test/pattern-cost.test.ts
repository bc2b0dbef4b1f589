/**
 * The pattern parser (src/engine/pattern-syntax.ts) and the compile cost
 * computed from it (src/engine/pattern-cost.ts), against the engines
 * themselves: every pattern V8 accepts parses, and the estimate is never
 * below the program RE2 actually compiles.
 */
import fc from "fast-check";
import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import {
  MAX_PATTERN_COST,
  MAX_SCHEMA_PATTERN_COST,
  patternCost,
  patternCostProblems,
  propertyRanges,
  type PatternCost,
} from "../src/engine/pattern-cost";
import { re2Syntax } from "../src/engine/pattern-re2";
import { MAX_GROUP_NESTING, parsePattern } from "../src/engine/pattern-syntax";

/**
 * The program RE2 compiles for a pattern, as the service compiles it: its
 * instructions and the ranges of its largest class. re2js exposes the program
 * only through its internals (`re2().prog`).
 */
function re2Program(source: string): { instructions: number; maxRanges: number } {
  interface Prog {
    numInst(): number;
    getInst(pc: number): { runes: Int32Array };
  }
  const parsed = parsePattern(source);
  if (!parsed.ok) throw new Error(`${source}: ${parsed.message}`);
  const compiled = RE2JS.compile(re2Syntax(source, parsed.tree)) as unknown as { re2(): { prog: Prog } };
  const prog = compiled.re2().prog;
  let maxRanges = 0;
  for (let pc = 0; pc < prog.numInst(); pc++) {
    const runes = prog.getInst(pc).runes;
    maxRanges = Math.max(maxRanges, runes.length === 1 ? 1 : runes.length / 2);
  }
  return { instructions: prog.numInst(), maxRanges };
}

function cost(source: string): PatternCost {
  const result = patternCost(source);
  if (!result.ok) throw new Error(`${source}: ${result.message}`);
  return result.cost;
}

/**
 * Realistic patterns and pathological ones: the estimated program size, RE2's
 * own (measured by compiling, here only), and the cost that the limits apply
 * to. The estimate is exact where RE2 does not merge or factor anything.
 */
const TABLE: [source: string, instructions: number, re2: number, cost: number][] = [
  ["^[A-Z]{2}-\\d{4}$", 11, 11, 61],
  ["^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$", 13, 13, 99],
  ["^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", 40, 40, 160],
  ["^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:\\d{2})$", 35, 35, 140],
  ["^\\+[1-9]\\d{1,14}$", 33, 33, 84],
  ["^((25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)$", 73, 55, 197],
  [
    "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$",
    76,
    55,
    299,
  ],
  [
    "^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]{0,61}[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]{0,61}[A-Za-z0-9])$",
    265,
    258,
    453,
  ],
  ["^arn:aws:kms:[a-z0-9-]+:[0-9]{12}:key/[a-f0-9-]{36}$", 72, 72, 167],
  ["^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$", 20, 19, 123],
  ["^[a-zA-Z0-9._-]{1,255}$", 513, 513, 666],
  ["^.{1,255}$", 513, 513, 620],
  ["^[^@]{1,64}@[^@]{1,255}$", 641, 641, 738],
  ["^[^\\p{Cc}\\p{Zl}\\p{Zp}]{1,255}$", 513, 513, 689],
  ["^\\p{Lu}\\p{Ll}*$", 8, 7, 469],
  ["^[\\u0000-\\uFFFF]{0,1000}$", 2004, 2004, 2125],
  ["^(metric|imperial)$", 21, 19, 73],
  ["(?:a|b|[c-e]|\\d)", 3, 3, 53],
  ["x{1000}", 1002, 1002, 1104],
  ["(?:(?:x{10}){10}){10}", 1002, 1002, 1118],
  ["^\\p{L}{1,64}$", 131, 131, 3092],
  ["(?:x{1000}){0}", 3, 3, 49],
  ["\\p{L}{0}".repeat(20), 22, 3, 3644],
  // Over MAX_PATTERN_COST:
  ["x{1000}".repeat(4), 4002, 4002, 4312],
  ["^\\p{L}{1,255}$", 513, 513, 11665],
];

describe("the cost of a pattern, from its source", () => {
  it.each(TABLE)("%s: %i instructions (RE2: %i), cost %i", (source, instructions, re2, expectedCost) => {
    const estimate = cost(source);
    expect(estimate).toEqual({ instructions, cost: expectedCost });
    const program = re2Program(source);
    expect(program.instructions).toBe(re2);
    expect(instructions).toBeGreaterThanOrEqual(program.instructions);
  });

  it("accepts every realistic pattern of the table and refuses the pathological ones", () => {
    const accepted = TABLE.filter(([, , , c]) => c <= MAX_PATTERN_COST).map(([source]) => source);
    expect(TABLE.length - accepted.length).toBe(2);
    expect(accepted).toContain("^[\\u0000-\\uFFFF]{0,1000}$");
  });

  it("counts the issue's repro, x{1000} 1,200 times, in the millions, without parsing a source that long", () => {
    expect(cost("x{1000}".repeat(100)).cost).toBeGreaterThan(100_000);
    // 8 400 characters: the length alone is over the limit.
    expect(cost("x{1000}".repeat(1200))).toEqual({ instructions: null, cost: 8400 });
  });

  it("counts nested repetitions as their product, and a class by its ranges", () => {
    expect(cost("(?:(?:a{10}){10}){10}").instructions).toBe(1002);
    expect(cost("(?:(?:a{1000}){1000}){1000}").instructions).toBe(1e9 + 2);
    // \p{L} has 686 ranges; repeated 100 times it costs far more than a letter repeated 100 times.
    expect(cost("\\p{L}{100}").cost).toBeGreaterThan(cost("a{100}").cost + 4000);
    // A class written out character by character is one instruction, but thousands of ranges to build.
    expect(cost(`[${"\u4e00\u4e02".repeat(3000)}]`).cost).toBeGreaterThan(MAX_PATTERN_COST);
  });

  it("never counts less than RE2 compiles, nor less than the source's length, for generated patterns", () => {
    fc.assert(
      fc.property(generatedPattern, (source) => {
        let program: { instructions: number } | null = null;
        try {
          program = re2Program(source);
        } catch {
          // RE2 refuses it (lookaround, a backreference, a repeat count over 1000): nothing to compare.
        }
        if (program === null) return;
        const estimate = cost(source);
        expect(estimate.instructions).toBeGreaterThanOrEqual(program.instructions);
        // At least a unit per character, which keeps affordable patterns within the regex format's cap.
        expect(estimate.cost).toBeGreaterThan(source.length);
      }),
      { seed: 1010, numRuns: 400 },
    );
  });

  it.each(["L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "N", "Nd", "P", "S", "Z", "Zs", "C", "Cc", "Cn"])(
    "counts at least as many ranges as RE2 builds for \\p{%s}, \\P{%s} and case-insensitively",
    (name) => {
      for (const source of [`\\p{${name}}`, `\\P{${name}}`, `(?i:\\p{${name}})`, `(?i:\\P{${name}})`])
        expect(propertyRanges(name, null), source).toBeGreaterThanOrEqual(re2Program(source).maxRanges);
      expect(propertyRanges("General_Category", name)).toBe(propertyRanges(name, null));
    },
  );

  it("counts ECMAScript's long category names as their short ones, and anything else at the most any table has", () => {
    expect(propertyRanges("Letter", null)).toBe(propertyRanges("L", null));
    expect(propertyRanges("gc", "Decimal_Number")).toBe(propertyRanges("Nd", null));
    expect(propertyRanges("Script", "Latin")).toBe(1024);
    expect(propertyRanges("Alphabetic", null)).toBeGreaterThanOrEqual(re2Program("\\p{Alphabetic}").maxRanges);
  });
});

describe("a schema's patterns", () => {
  const at = (i: number) => `/properties/p${i}/pattern`;

  it("refuses each pattern over the limit at its own path, and says what to do", () => {
    const problems = patternCostProblems([
      { source: "^[a-z]+$", path: at(0) },
      { source: "x{1000}".repeat(4), path: at(1) },
    ]);
    expect(problems).toEqual([
      {
        path: at(1),
        keyword: "pattern",
        message: expect.stringMatching(
          /^This pattern is too costly to compile: it counts 4,312 units.*minLength and maxLength/,
        ),
      },
    ]);
  });

  it("refuses the pattern that takes the schema's total over its limit, counting each distinct pattern once", () => {
    const big = (i: number) => `${"x{1000}".repeat(3)}${i}`;
    const perPattern = cost(big(0)).cost;
    const fit = Math.floor(MAX_SCHEMA_PATTERN_COST / perPattern);
    const patterns = Array.from({ length: fit }, (_, i) => ({ source: big(i), path: at(i) }));
    // The same pattern again, in another place, is compiled once and counted once.
    patterns.push({ source: big(0), path: "/$defs/again/pattern" });
    expect(patternCostProblems(patterns)).toEqual([]);
    patterns.push({ source: big(fit), path: at(fit) });
    expect(patternCostProblems(patterns)).toEqual([
      {
        path: at(fit),
        keyword: "pattern",
        message: expect.stringMatching(/^The patterns of this schema are too costly to compile together/),
      },
    ]);
  });

  it("refuses a pattern the parser cannot read, saying where", () => {
    expect(patternCostProblems([{ source: "(unclosed", path: at(0) }])).toEqual([
      {
        path: at(0),
        keyword: "pattern",
        message: 'Not a valid regular expression (ECMAScript, with the u flag): expected ")" at character 10.',
      },
    ]);
  });
});

describe("the pattern parser", () => {
  it("parses every pattern V8 accepts with the u flag, for generated patterns and strings", () => {
    const v8Accepts = (source: string) => {
      try {
        new RegExp(source, "u");
        return true;
      } catch {
        return false;
      }
    };
    const syntaxString = fc.string({
      unit: fc.constantFrom(..."^$\\.*+?()[]{}|-,:=!<>/0123456789abcdpPkuxBDSW{}_\u00e9\ud83d\ude00".split("")),
      maxLength: 16,
    });
    fc.assert(
      fc.property(fc.oneof(generatedPattern, syntaxString), (source) => {
        if (v8Accepts(source)) expect(parsePattern(source), source).toMatchObject({ ok: true });
      }),
      { seed: 2020, numRuns: 2000 },
    );
  });

  it("reads escapes as the code points they stand for", () => {
    const tree = (source: string) => {
      const parsed = parsePattern(source);
      if (!parsed.ok) throw new Error(parsed.message);
      return parsed.tree;
    };
    expect(tree("\\uD83D\\uDE00")).toMatchObject({ type: "character", codePoint: 0x1f600 });
    expect(tree("\ud83d\ude00")).toMatchObject({ type: "character", codePoint: 0x1f600 });
    expect(tree("\\u{1F600}")).toMatchObject({ type: "character", codePoint: 0x1f600 });
    expect(tree("\\cJ")).toMatchObject({ type: "character", codePoint: 10 });
    expect(tree("[\\b-\\x7f]")).toMatchObject({ type: "class", members: [{ type: "range", from: 8, to: 0x7f }] });
    expect(tree("(?<=a)b")).toMatchObject({ type: "sequence", items: [{ type: "lookaround", behind: true }, {}] });
    expect(tree("\\p{Script=Greek}")).toMatchObject({
      type: "set",
      set: { kind: "property", name: "Script", value: "Greek", negated: false },
    });
    expect(tree("(?i-s:a)")).toMatchObject({ type: "group", modifiers: { enable: "i", disable: "s" } });
    expect(tree("a{2,}?")).toMatchObject({ type: "quantifier", min: 2, max: Infinity, greedy: false });
  });

  it("refuses groups nested deeper than the limit, without overflowing the stack", () => {
    const nested = (depth: number) => "(".repeat(depth) + "a" + ")".repeat(depth);
    expect(parsePattern(nested(MAX_GROUP_NESTING))).toMatchObject({ ok: true });
    expect(cost(nested(MAX_GROUP_NESTING)).instructions).toBe(2 * MAX_GROUP_NESTING + 3);
    expect(parsePattern(nested(MAX_GROUP_NESTING + 1))).toMatchObject({
      ok: false,
      message: expect.stringContaining("nested"),
    });
  });
});

/** ECMAScript patterns (u flag) built from the grammar, with repetition counts up to 30. */
const generatedPattern: fc.Arbitrary<string> = fc.letrec<{ pattern: string; term: string; atom: string }>((tie) => ({
  pattern: fc
    .array(
      fc.array(tie("term"), { maxLength: 4 }).map((terms) => terms.join("")),
      { minLength: 1, maxLength: 3 },
    )
    .map((alternatives) => alternatives.join("|")),
  term: fc.oneof(
    { weight: 3, arbitrary: tie("atom") },
    fc
      .tuple(
        tie("atom"),
        fc.constantFrom("*", "+", "?", "{0}", "{1}", "{3}", "{2,}", "{0,4}", "{2,30}", "*?", "{1,3}?"),
      )
      .map(([a, q]) => a + q),
    fc.constantFrom("^", "$", "\\b", "\\B"),
  ),
  atom: fc.oneof(
    { maxDepth: 3, depthSize: "small" },
    {
      weight: 4,
      arbitrary: fc.constantFrom(..."a b é \ud83d\ude00 . \\d \\W \\s \\p{L} \\P{Nd} \\u0041 \\x7f \\/ \\.".split(" ")),
    },
    { weight: 2, arbitrary: fc.constantFrom("[a-z]", "[^0-9_]", "[\\w.-]", "[\\p{Lu}\\d]", "[]", "[^]", "[\\b\\-]") },
    { weight: 1, arbitrary: tie("pattern").map((p) => `(?:${p})`) },
    { weight: 1, arbitrary: tie("pattern").map((p) => `(${p})`) },
    { weight: 1, arbitrary: tie("pattern").map((p) => `(?<n>${p})`) },
    // ES2025 modifiers: V8 in workerd accepts them, and RE2 has the same syntax.
    { weight: 1, arbitrary: tie("pattern").map((p) => `(?i:${p})`) },
  ),
})).pattern;
