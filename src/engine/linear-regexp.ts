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
 * Patterns RE2 cannot run (lookaround, backreferences) are refused when a
 * tool is saved, with `linearPatternProblem`.
 */
import { RE2JS } from "re2js";

const NativeRegExp = RegExp;

/** Per-isolate cache of compiled patterns. Long sources (such as a value checked for `format: regex`) are not kept. */
const compiledPatternCache = new Map<string, RE2JS>();
const CACHE_LIMIT = 500;
const CACHEABLE_SOURCE_LENGTH = 1024;

/**
 * Compiles an ECMAScript pattern for RE2: a SyntaxError when it is not
 * ECMAScript (checked by V8, in linear time), any other error when RE2 cannot
 * run it (RE2JSException, which is not a SyntaxError). A cached pattern
 * passed both checks, so validating with it again constructs no regex.
 */
function compileLinear(source: string, flags: string): RE2JS {
  const key = `${flags}/${source}`;
  const cached = compiledPatternCache.get(key);
  if (cached) return cached;
  new NativeRegExp(source, flags);
  let re2Flags = 0;
  if (flags.includes("i")) re2Flags |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes("m")) re2Flags |= RE2JS.MULTILINE;
  if (flags.includes("s")) re2Flags |= RE2JS.DOTALL;
  const compiled = RE2JS.compile(RE2JS.translateRegExp(source), re2Flags);
  if (source.length <= CACHEABLE_SOURCE_LENGTH) {
    if (compiledPatternCache.size >= CACHE_LIMIT) {
      const oldest = compiledPatternCache.keys().next().value;
      if (oldest !== undefined) compiledPatternCache.delete(oldest);
    }
    compiledPatternCache.set(key, compiled);
  }
  return compiled;
}

/**
 * Stands in for `RegExp` while a schema validates: `new RegExp(source, flags)`
 * and `.test(text)` are all the validator uses. Throws, as `RegExp` does, on a
 * pattern that is not ECMAScript or that RE2 cannot run (so the `regex`
 * format means both).
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
      if (err instanceof SyntaxError) throw err;
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

/** Why a schema pattern cannot be used, or null: it must be ECMAScript syntax that RE2 can also run. */
export function linearPatternProblem(source: string): string | null {
  try {
    compileLinear(source, "u");
  } catch (err) {
    if (err instanceof SyntaxError) return "Not a valid regular expression (ECMAScript, with the u flag).";
    return "Patterns are matched in linear time (RE2), which has no lookahead, lookbehind or backreferences; rewrite the pattern without them.";
  }
  return null;
}
