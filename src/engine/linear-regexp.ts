/**
 * Regular expressions from tool definitions, run in linear time.
 *
 * JSON Schema `pattern` and `patternProperties` are written by tool authors
 * and matched against values from API callers and upstream APIs. V8's
 * backtracking engine takes exponential time on patterns such as `^(a+)+$`
 * (31 characters of input already take seconds), so one request could stall
 * the isolate. @cfworker/json-schema builds these regexes itself, with
 * `new RegExp(pattern, "u")` while it validates, and offers no hook: so
 * validation runs with the global `RegExp` swapped for RE2 (re2js), which
 * matches in time linear in the input. Validation is synchronous, so no other
 * code runs while the swap is in place.
 *
 * Compiling for RE2 is the costly part, so a pattern is compiled only when
 * its cost, computed from its source (pattern-cost.ts), is within
 * MAX_PATTERN_COST, and then once per isolate. Patterns RE2 cannot run
 * (lookaround, backreferences) are refused when a tool is saved.
 */
import { RE2JS } from "re2js";
import type { ProblemFieldError } from "../problem";
import { MAX_PATTERN_COST, patternCost, patternCostProblems, type SchemaPattern } from "./pattern-cost";
import { PatternRefused, re2Syntax } from "./pattern-re2";
import { parsePattern } from "./pattern-syntax";

const NativeRegExp = RegExp;

/**
 * Per-isolate cache of compiled patterns, least recently used first, bounded
 * by their total cost (about 80 to 600 bytes of program per unit) and their
 * number. It holds three schemas at MAX_SCHEMA_PATTERN_COST.
 */
const compiledPatternCache = new Map<string, { compiled: RE2JS; cost: number }>();
export const PATTERN_CACHE_COST = 48_000;
const PATTERN_CACHE_ENTRIES = 1000;
let cachedCost = 0;

/** A pattern over MAX_PATTERN_COST (or unreadable): refused without compiling. */
export class PatternTooCostly extends Error {
  constructor() {
    super("This pattern is too costly to compile.");
  }
}

/**
 * Compiles an ECMAScript pattern for RE2, once per isolate. Throws
 * PatternTooCostly before any work when its cost is over the limit, a
 * SyntaxError when it is not ECMAScript (checked by V8, whose parsing the cost
 * bounds), and any other error when RE2 cannot run it (RE2JSException).
 */
function compileLinear(source: string, flags: string): RE2JS {
  // The cost is that of the source under the `u` flag, the only flags the validator uses.
  const key = `${flags}/${source}`;
  const cached = compiledPatternCache.get(key);
  if (cached) {
    compiledPatternCache.delete(key);
    compiledPatternCache.set(key, cached);
    return cached.compiled;
  }
  const estimate = patternCost(source);
  if (!estimate.ok || estimate.cost.cost > MAX_PATTERN_COST) throw new PatternTooCostly();
  new NativeRegExp(source, flags);
  let re2Flags = 0;
  if (flags.includes("i")) re2Flags |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes("m")) throw new PatternRefused("The m flag is not supported.");
  // ECMAScript's meaning spelled out in RE2's syntax (./pattern-re2.ts); the cost above already parsed it once.
  const parsed = parsePattern(source);
  if (!parsed.ok) throw new PatternRefused(`Not supported at offset ${parsed.offset}: ${parsed.message}.`);
  const compiled = RE2JS.compile(re2Syntax(source, parsed.tree, flags.includes("s")), re2Flags);
  const cost = estimate.cost.cost;
  for (const [oldest, entry] of compiledPatternCache) {
    if (cachedCost + cost <= PATTERN_CACHE_COST && compiledPatternCache.size < PATTERN_CACHE_ENTRIES) break;
    compiledPatternCache.delete(oldest);
    cachedCost -= entry.cost;
  }
  compiledPatternCache.set(key, { compiled, cost });
  cachedCost += cost;
  return compiled;
}

/** What the cache holds: its entries and their total cost. */
export function patternCacheUsage(): { entries: number; cost: number } {
  return { entries: compiledPatternCache.size, cost: cachedCost };
}

/**
 * Stands in for `RegExp` while a schema validates: `new RegExp(source, flags)`
 * and `.test(text)` are all the validator uses. Throws, as `RegExp` does, on a
 * pattern that is not ECMAScript or that RE2 cannot run.
 */
class LinearRegExp {
  readonly source: string;
  readonly flags: string;
  private readonly compiled: RE2JS;

  constructor(source: string, flags = "") {
    this.source = String(source);
    this.flags = flags;
    try {
      this.compiled = compileLinear(this.source, flags);
    } catch (err) {
      if (err instanceof SyntaxError || err instanceof PatternTooCostly || err instanceof PatternRefused) throw err;
      throw new SyntaxError("Invalid regular expression for the linear-time engine");
    }
  }

  test(text: string): boolean {
    return this.compiled.test(String(text));
  }
}

/** Runs `validate` with every `new RegExp(...)` it makes matching in linear time. */
export function withLinearRegExp<T>(validate: () => T): T {
  const original = globalThis.RegExp;
  globalThis.RegExp = LinearRegExp as unknown as RegExpConstructor;
  try {
    return validate();
  } finally {
    globalThis.RegExp = original;
  }
}

/**
 * A schema `pattern` as a test on the linear-time engine: the same compiled
 * (and cached) pattern that the validator's `new RegExp(pattern, "u")` gets
 * under withLinearRegExp, for callers that match without the swap. Throws
 * when that constructor would.
 */
export function linearPatternTest(source: string): (text: string) => boolean {
  const compiled = compileLinear(source, "u");
  return (text) => compiled.test(text);
}

/**
 * Why a schema's patterns cannot be used, or an empty list: each must be
 * ECMAScript syntax that RE2 can also run, and they must be affordable to
 * compile (patternCostProblems). Nothing is compiled unless all of them are
 * affordable; the ones compiled here stay in the cache for the validator.
 */
export function linearPatternProblems(patterns: SchemaPattern[]): ProblemFieldError[] {
  const costly = patternCostProblems(patterns);
  if (costly.length > 0) return costly;
  const problems: ProblemFieldError[] = [];
  for (const { source, path } of patterns) {
    try {
      compileLinear(source, "u");
    } catch (err) {
      const message =
        err instanceof SyntaxError
          ? "Not a valid regular expression (ECMAScript, with the u flag)."
          : err instanceof PatternRefused
            ? `Patterns are matched in linear time (RE2), with ECMAScript's meaning; this one cannot be. ${err.message}`
            : "Patterns are matched in linear time (RE2), which cannot run this one; rewrite it with simpler constructs.";
      problems.push({ path, keyword: "pattern", message });
    }
  }
  return problems;
}

/** Longest `format: "regex"` value checked; longer ones do not match the format. */
export const MAX_REGEX_FORMAT_LENGTH = 4096;
/** Most Unicode property escapes in a `format: "regex"` value (V8 builds each from its table, tens of µs apiece). */
export const MAX_REGEX_FORMAT_PROPERTIES = 16;

/**
 * The `regex` format: ECMAScript syntax (with the `u` flag, as
 * @cfworker/json-schema checks it), by V8's parser alone. The value is data,
 * not a pattern anything will run, so RE2 is neither asked nor needed (it
 * would refuse lookbehind, which ECMAScript allows), and V8 only parses:
 * construction does not compile. Parsing is bounded by the length cap and the
 * property escape cap, which between them keep it to a few milliseconds.
 */
export function isEcmaScriptRegex(value: string): boolean {
  if (value.length > MAX_REGEX_FORMAT_LENGTH) return false;
  if (propertyEscapes(value) > MAX_REGEX_FORMAT_PROPERTIES) return false;
  try {
    new NativeRegExp(value, "u");
    return true;
  } catch {
    return false;
  }
}

/** `\p{` and `\P{` in the text (an escaped backslash before `p{` counts too, which only errs towards refusing). */
function propertyEscapes(value: string): number {
  let count = 0;
  for (let i = value.indexOf("{"); i >= 0; i = value.indexOf("{", i + 1))
    if ((value[i - 1] === "p" || value[i - 1] === "P") && value[i - 2] === "\\") count++;
  return count;
}
