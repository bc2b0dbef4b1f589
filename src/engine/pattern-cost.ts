/**
 * What compiling a schema pattern costs, known from its source before
 * anything compiles it.
 *
 * RE2 matches in time linear in the input, but compiling is not cheap: it
 * expands every counted repetition (`x{1000}` becomes a thousand
 * instructions, `(?:x{10}){100}` too), and for programs under a thousand
 * instructions it copies every character class's ranges into each
 * instruction. Before that, V8 (which checks the syntax) and RE2 each build
 * every Unicode property escape from its table: tens of microseconds for one
 * `\p{L}`, whether or not it is repeated. re2js measures a program only once
 * `compile()` has done all that work, so this module bounds it from the syntax
 * tree instead (pattern-syntax.ts), in units of about one RE2 instruction
 * (under a microsecond of compiling on a warm isolate):
 *
 *   cost = 32 + instructions + expanded ranges / 16 + written ranges / 4 + source length
 *
 * - 32 for any pattern: what V8's check, RE2's compile and its first match
 *   cost even for `^a$`;
 * - `instructions` is an upper bound on the size of RE2's program: the
 *   expansion of repetitions as RE2's simplifier and compiler do it (RE2 only
 *   makes it smaller, by merging alternatives into classes and factoring
 *   prefixes);
 * - expanded ranges: the ranges of every class, escape and character in the
 *   expanded program (an instruction that repeats `\p{L}`, 686 ranges, costs
 *   far more than one that repeats `a`);
 * - written ranges: the same, once per class or escape as written (building
 *   them, even under `{0}`);
 * - source length pays for parsing the rest (V8 parses deeply nested groups
 *   at about a microsecond a character); it also keeps every affordable
 *   pattern within the `regex` format's length cap (linear-regexp.ts).
 *
 * test/pattern-cost.test.ts holds the table against re2js. Patterns and
 * schemas over MAX_PATTERN_COST and MAX_SCHEMA_PATTERN_COST are refused, at
 * save and at execution alike, before V8 or RE2 sees them.
 */
import type { ProblemFieldError } from "../problem";
import { parsePattern, type CharacterSet, type ClassMember, type PatternNode } from "./pattern-syntax";

/**
 * The most one pattern may cost: about 3 ms of compiling on a warm isolate.
 * Far above realistic patterns: an email pattern costs about 100, a UUID 160,
 * `^[a-zA-Z0-9._-]{1,255}$` 666, `^[\u0000-\uFFFF]{0,1000}$` 2 125.
 */
export const MAX_PATTERN_COST = 4_000;
/**
 * The most the distinct patterns of one schema may cost together: what the
 * first validation in an isolate compiles (later ones find every pattern in
 * the cache), about 12 ms.
 */
export const MAX_SCHEMA_PATTERN_COST = 16_000;
/** What any pattern costs, however small. */
const COST_PER_PATTERN = 32;
/** Expanded ranges that cost as much as one instruction (copying them into each instruction). */
const EXPANDED_RANGES_PER_UNIT = 16;
/** Written ranges that cost as much as one instruction (building them, in V8 and in RE2). */
const WRITTEN_RANGES_PER_UNIT = 4;

export interface PatternCost {
  /** An upper bound on the instructions of RE2's program, or null when the source was too long to parse. */
  instructions: number | null;
  /** Compile cost in units (see above); for a source too long to parse, what its length alone costs. */
  cost: number;
}

export type PatternCostResult = { ok: true; cost: PatternCost } | { ok: false; offset: number; message: string };

/**
 * The cost of compiling `source` (an ECMAScript pattern with the `u` flag), or
 * why the parser cannot read it. Sources so long that their length alone is
 * over MAX_PATTERN_COST are not parsed.
 */
export function patternCost(source: string): PatternCostResult {
  const sourceCost = source.length;
  if (sourceCost > MAX_PATTERN_COST) return { ok: true, cost: { instructions: null, cost: sourceCost } };
  const parsed = parsePattern(source);
  if (!parsed.ok) return parsed;
  const written = { ranges: 0 };
  const weight = weigh(parsed.tree, false, written);
  // RE2's program also has a FAIL instruction at 0 and the final MATCH.
  const instructions = weight.instructions + 2;
  const cost =
    COST_PER_PATTERN +
    instructions +
    Math.ceil(weight.ranges / EXPANDED_RANGES_PER_UNIT) +
    Math.ceil(written.ranges / WRITTEN_RANGES_PER_UNIT) +
    sourceCost;
  return { ok: true, cost: { instructions, cost } };
}

interface Weight {
  instructions: number;
  ranges: number;
}

const leaf = (ranges: number): Weight => ({ instructions: 1, ranges });

/** Node types RE2 compiles to one instruction matching one character; alternatives of only these become one class. */
const SINGLE_CHARACTER = new Set<PatternNode["type"]>(["character", "any", "set", "class"]);

/**
 * RE2's program size for a node (Go's regexp/syntax and re2js compile the
 * same way) and its expanded ranges; adds its written ranges to `written`.
 */
function weigh(node: PatternNode, fold: boolean, written: { ranges: number }): Weight {
  const single = (ranges: number): Weight => {
    written.ranges += ranges;
    return leaf(ranges);
  };
  switch (node.type) {
    case "character":
      // Case-insensitively a character is its case-folding orbit: at most four code points.
      return leaf(fold ? 4 : 1);
    case "any":
      // RE2's `.` excludes \n (two ranges); ECMAScript's also \r, U+2028 and U+2029.
      return single(4);
    case "set":
      return single(setRanges(node.set, fold));
    case "class":
      return single(node.members.reduce((total, m) => total + memberRanges(m, fold), node.negated ? 1 : 0));
    case "assertion":
    case "backreference":
      return leaf(0);
    case "lookaround": {
      // RE2's lookbehind: a write and a check around the body, behind a `.*?`.
      const body = weigh(node.body, fold, written);
      return { instructions: body.instructions + 4, ranges: body.ranges + 1 };
    }
    case "group": {
      const inner = node.modifiers
        ? node.modifiers.enable.includes("i") || (fold && !node.modifiers.disable.includes("i"))
        : fold;
      const body = weigh(node.body, inner, written);
      // A capture is a pair of CAPTURE instructions.
      return node.capturing ? { instructions: body.instructions + 2, ranges: body.ranges } : body;
    }
    case "sequence":
      // An empty sequence compiles to one NOP.
      return node.items.length === 0 ? leaf(0) : sum(node.items.map((item) => weigh(item, fold, written)));
    case "alternation": {
      const total = sum(node.alternatives.map((alternative) => weigh(alternative, fold, written)));
      // RE2's parser merges alternatives that each match one character into one class (`a|b|[cd]` is `[a-d]`).
      if (node.alternatives.every((alternative) => SINGLE_CHARACTER.has(alternative.type)))
        return { instructions: 1, ranges: total.ranges };
      // Otherwise one ALT instruction joins each further alternative.
      return { instructions: total.instructions + node.alternatives.length - 1, ranges: total.ranges };
    }
    case "quantifier":
      return repeat(weigh(node.body, fold, written), node.min, node.max);
  }
}

function sum(weights: Weight[]): Weight {
  let instructions = 0;
  let ranges = 0;
  for (const w of weights) {
    instructions += w.instructions;
    ranges += w.ranges;
  }
  return { instructions, ranges };
}

/**
 * RE2 simplifies `x{n,m}` to n copies of x followed by m - n nested optional
 * copies (one ALT each), `x{n,}` to n - 1 copies and `x+` (one ALT), and `x*`
 * to a loop (two instructions when x can match empty).
 */
function repeat(body: Weight, min: number, max: number): Weight {
  if (max === 0) return leaf(0);
  if (max === Infinity) {
    if (min === 0) return { instructions: body.instructions + 2, ranges: body.ranges };
    return { instructions: min * body.instructions + 1, ranges: min * body.ranges };
  }
  return { instructions: max * body.instructions + (max - min), ranges: max * body.ranges };
}

function memberRanges(member: ClassMember, fold: boolean): number {
  switch (member.type) {
    case "character":
      return fold ? 4 : 1;
    case "range":
      // Case folding adds at most a few ranges per code point, and measured never more than a few dozen in all.
      return fold ? 1 + Math.min(3 * (member.to - member.from + 1), 512) : 1;
    case "set":
      return setRanges(member.set, fold);
  }
}

/**
 * Ranges of a character class escape, whichever semantics are used (RE2's
 * ASCII `\s` has three ranges, ECMAScript's ten).
 */
function setRanges(set: CharacterSet, fold: boolean): number {
  const negated = set.negated ? 1 : 0;
  switch (set.kind) {
    case "digit":
      return 1 + negated;
    case "space":
      return 12 + negated;
    case "word":
      return (fold ? 6 : 4) + negated;
    case "property":
      return propertyRanges(set.name, set.value);
  }
}

/**
 * Ranges of each General_Category, plain, negated or case-folded, whichever
 * is most (re2js 2.10's tables). Other properties (scripts, binary
 * properties) are counted at PROPERTY_RANGES_MAX, more than any table has.
 */
const CATEGORY_RANGES: Record<string, number> = {
  L: 686, Lu: 656, Ll: 665, Lt: 11, Lm: 80, Lo: 538, LC: 146,
  M: 331, Mn: 369, Mc: 194, Me: 6,
  N: 147, Nd: 73, Nl: 14, No: 73,
  P: 200, Pc: 7, Pd: 21, Ps: 80, Pe: 77, Pi: 12, Pf: 11, Po: 195,
  S: 243, Sm: 68, Sc: 22, Sk: 32, So: 194,
  Z: 9, Zs: 8, Zl: 2, Zp: 2,
  C: 741, Cc: 2, Cf: 22, Cs: 2, Co: 4, Cn: 735,
}; // prettier-ignore

/** ECMAScript's long names for the categories above. */
const CATEGORY_ALIASES: Record<string, string> = {
  Letter: "L", Uppercase_Letter: "Lu", Lowercase_Letter: "Ll", Titlecase_Letter: "Lt", Modifier_Letter: "Lm",
  Other_Letter: "Lo", Cased_Letter: "LC", Mark: "M", Combining_Mark: "M", Nonspacing_Mark: "Mn",
  Spacing_Mark: "Mc", Enclosing_Mark: "Me", Number: "N", Decimal_Number: "Nd", digit: "Nd", Letter_Number: "Nl",
  Other_Number: "No", Punctuation: "P", punct: "P", Connector_Punctuation: "Pc", Dash_Punctuation: "Pd",
  Open_Punctuation: "Ps", Close_Punctuation: "Pe", Initial_Punctuation: "Pi", Final_Punctuation: "Pf",
  Other_Punctuation: "Po", Symbol: "S", Math_Symbol: "Sm", Currency_Symbol: "Sc", Modifier_Symbol: "Sk",
  Other_Symbol: "So", Separator: "Z", Space_Separator: "Zs", Line_Separator: "Zl", Paragraph_Separator: "Zp",
  Other: "C", Control: "Cc", cntrl: "Cc", Format: "Cf", Surrogate: "Cs", Private_Use: "Co", Unassigned: "Cn",
}; // prettier-ignore

export const PROPERTY_RANGES_MAX = 1024;

/** The ranges a property escape stands for, at most (exported for its test). */
export function propertyRanges(name: string, value: string | null): number {
  const category = value === null ? name : name === "gc" || name === "General_Category" ? value : null;
  if (category === null) return PROPERTY_RANGES_MAX;
  const key = Object.hasOwn(CATEGORY_ALIASES, category) ? CATEGORY_ALIASES[category]! : category;
  return Object.hasOwn(CATEGORY_RANGES, key) ? CATEGORY_RANGES[key]! : PROPERTY_RANGES_MAX;
}

/** A pattern of a schema (a `pattern` value or a `patternProperties` key) and its JSON Pointer. */
export interface SchemaPattern {
  source: string;
  path: string;
}

/**
 * What stops a schema's patterns from being compiled, found without
 * compiling anything: a pattern the parser cannot read, a pattern over
 * MAX_PATTERN_COST, and, when the distinct patterns together cost more than
 * MAX_SCHEMA_PATTERN_COST, the one that takes the total over.
 */
export function patternCostProblems(patterns: SchemaPattern[]): ProblemFieldError[] {
  const results = new Map<string, PatternCostResult>();
  const problems: ProblemFieldError[] = [];
  const affordable: SchemaPattern[] = [];
  for (const pattern of patterns) {
    let result = results.get(pattern.source);
    if (!result) results.set(pattern.source, (result = patternCost(pattern.source)));
    if (!result.ok) problems.push(problem(pattern.path, unreadable(result)));
    else if (result.cost.cost > MAX_PATTERN_COST) problems.push(problem(pattern.path, tooCostly(result.cost.cost)));
    else affordable.push(pattern);
  }
  // Each distinct pattern is compiled once, however many places use it.
  const counted = new Set<string>();
  const costOf = (source: string) => (results.get(source) as { ok: true; cost: PatternCost }).cost.cost;
  const total = [...new Set(affordable.map((p) => p.source))].reduce((sum, source) => sum + costOf(source), 0);
  if (total <= MAX_SCHEMA_PATTERN_COST) return problems;
  let running = 0;
  for (const { source, path } of affordable) {
    if (counted.has(source)) continue;
    counted.add(source);
    running += costOf(source);
    if (running > MAX_SCHEMA_PATTERN_COST) {
      problems.push(problem(path, schemaTooCostly(total)));
      break;
    }
  }
  return problems;
}

const units = (n: number) => n.toLocaleString("en-US");

function problem(path: string, message: string): ProblemFieldError {
  return { path, keyword: "pattern", message };
}

function unreadable(result: { offset: number; message: string }): string {
  return `Not a valid regular expression (ECMAScript, with the u flag): ${result.message} at character ${result.offset + 1}.`;
}

function tooCostly(cost: number): string {
  return (
    `This pattern is too costly to compile: it counts ${units(cost)} units, and a pattern may count at most ` +
    `${units(MAX_PATTERN_COST)}. A repetition count multiplies what it repeats (x{1000} counts 1,000, and a ` +
    `class such as \\p{L} counts far more than one letter): bound the length with minLength and maxLength ` +
    `instead, and repeat with + or *.`
  );
}

function schemaTooCostly(total: number): string {
  return (
    `The patterns of this schema are too costly to compile together: the distinct patterns count ` +
    `${units(total)} units, and one schema may count at most ${units(MAX_SCHEMA_PATTERN_COST)}. Make patterns ` +
    `simpler (bound lengths with minLength and maxLength rather than {n,m}), or use fewer different ones.`
  );
}

/**
 * The most one request may spend compiling distinct patterns: a tool's input
 * and output schema at MAX_SCHEMA_PATTERN_COST each. An OpenAPI import checks
 * up to 200 schemas in one request, and shares one PatternBudget of this size.
 */
export const MAX_REQUEST_PATTERN_COST = 2 * MAX_SCHEMA_PATTERN_COST;

/** What the distinct patterns of several schemas checked in one request cost together. */
export class PatternBudget {
  private readonly counted = new Set<string>();
  private spent = 0;

  constructor(readonly limit: number = MAX_REQUEST_PATTERN_COST) {}

  /**
   * Counts the patterns not counted before, or returns false (counting none of
   * them) when they would take the total over the limit. Patterns that are
   * refused on their own (unreadable, over MAX_PATTERN_COST) are never
   * compiled, so they cost nothing here.
   */
  admit(patterns: SchemaPattern[]): boolean {
    const fresh = new Map<string, number>();
    for (const { source } of patterns) {
      if (this.counted.has(source) || fresh.has(source)) continue;
      const result = patternCost(source);
      fresh.set(source, result.ok && result.cost.cost <= MAX_PATTERN_COST ? result.cost.cost : 0);
    }
    const cost = [...fresh.values()].reduce((sum, c) => sum + c, 0);
    if (this.spent + cost > this.limit) return false;
    this.spent += cost;
    for (const source of fresh.keys()) this.counted.add(source);
    return true;
  }
}
