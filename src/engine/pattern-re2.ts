/**
 * An ECMAScript pattern (JSON Schema's `pattern`, with the `u` flag), parsed
 * by ./pattern-syntax.ts, written out in RE2 syntax with ECMAScript's meaning,
 * for the linear-time engine (./linear-regexp.ts).
 *
 * The two dialects spell many things alike and mean them differently; RE2's
 * own translation keeps the spelling, and with it RE2's meaning. Here every
 * construct is spelled out:
 * - `\s` and `\S`: ECMAScript's white space and line terminators (U+00A0,
 *   U+2003, U+FEFF...), where RE2's `\s` is six ASCII characters;
 * - `\d`, `\w`, `\b`: ASCII, as in ECMAScript (and RE2);
 * - `.`: anything but ECMAScript's four line terminators (RE2's excludes only
 *   `\n`); `^` and `$`: the start and end of the text;
 * - `\p{...}`: ECMAScript's names, long or short (`\p{Letter}`,
 *   `\p{General_Category=Lu}`, `\p{Script=Greek}`), as RE2's short ones.
 * What RE2 cannot run in linear time, or what would mean something else
 * there, is refused with a PatternRefused that names it: lookaround,
 * backreferences, the `m` modifier, Script_Extensions, four-letter script
 * codes and the few binary properties RE2 does not have (such as
 * Ideographic).
 */
import { RE2JS } from "re2js";
import type { CharacterSet, ClassMember, PatternNode } from "./pattern-syntax";

/** A pattern that is ECMAScript but that the linear-time engine does not run; the message says which part and why. */
export class PatternRefused extends Error {}

type Range = readonly [number, number];

/** ECMAScript's WhiteSpace and LineTerminator code points (ECMA-262 §22.2.2.9, CharacterClassEscape `s`). */
const SPACE: Range[] = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
const DIGIT: Range[] = [[0x30, 0x39]];
const WORD: Range[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
/** What `.` does not match without the `s` flag. */
const LINE_TERMINATORS: Range[] = [
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
];
const MAX_CODE_POINT = 0x10ffff;

/** Sorted, disjoint ranges → the code points they leave out. */
function complement(ranges: Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [from, to] of ranges) {
    if (from > next) out.push([next, from - 1]);
    next = to + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

function codePoint(cp: number): string {
  return /[0-9A-Za-z]/.test(String.fromCodePoint(cp)) ? String.fromCodePoint(cp) : `\\x{${cp.toString(16)}}`;
}

function rangeText([from, to]: Range): string {
  return from === to ? codePoint(from) : `${codePoint(from)}-${codePoint(to)}`;
}

/** ECMAScript's General_Category values, long names and aliases, by RE2's (short) name. */
const GENERAL_CATEGORIES: Record<string, string[]> = {
  C: ["Other"],
  Cc: ["Control", "cntrl"],
  Cf: ["Format"],
  Cn: ["Unassigned"],
  Co: ["Private_Use"],
  Cs: ["Surrogate"],
  L: ["Letter"],
  LC: ["Cased_Letter"],
  Ll: ["Lowercase_Letter"],
  Lm: ["Modifier_Letter"],
  Lo: ["Other_Letter"],
  Lt: ["Titlecase_Letter"],
  Lu: ["Uppercase_Letter"],
  M: ["Mark", "Combining_Mark"],
  Mc: ["Spacing_Mark"],
  Me: ["Enclosing_Mark"],
  Mn: ["Nonspacing_Mark"],
  N: ["Number"],
  Nd: ["Decimal_Number", "digit"],
  Nl: ["Letter_Number"],
  No: ["Other_Number"],
  P: ["Punctuation", "punct"],
  Pc: ["Connector_Punctuation"],
  Pd: ["Dash_Punctuation"],
  Pe: ["Close_Punctuation"],
  Pf: ["Final_Punctuation"],
  Pi: ["Initial_Punctuation"],
  Po: ["Other_Punctuation"],
  Ps: ["Open_Punctuation"],
  S: ["Symbol"],
  Sc: ["Currency_Symbol"],
  Sk: ["Modifier_Symbol"],
  Sm: ["Math_Symbol"],
  So: ["Other_Symbol"],
  Z: ["Separator"],
  Zl: ["Line_Separator"],
  Zp: ["Paragraph_Separator"],
  Zs: ["Space_Separator"],
};
const CATEGORY_BY_NAME = new Map<string, string>(
  Object.entries(GENERAL_CATEGORIES).flatMap(([short, names]) =>
    [short, ...names].map((name): [string, string] => [name, short]),
  ),
);

/**
 * Whether RE2 has a property by this name: a script by its long name (not
 * ECMAScript's four-letter codes), or a binary property (Alphabetic, Emoji...).
 */
function re2Knows(name: string): boolean {
  if (!/^[A-Za-z_]+$/.test(name) || CATEGORY_BY_NAME.has(name)) return false;
  try {
    RE2JS.compile(`\\p{${name}}`);
    return true;
  } catch {
    return false;
  }
}

const SUPPORTED_PROPERTIES =
  "general categories (\\p{Letter}, \\p{Lu}, \\p{General_Category=Nd}), scripts by their full name (\\p{Script=Greek}, not \\p{Script=Grek}) and most binary properties (\\p{Alphabetic}, \\p{Emoji})";

/**
 * A property escape as the members of an RE2 class: `\p{L}`-style names or
 * code point ranges. Negated ones only where RE2 has a single escape for the
 * negation (`\P{L}`), or as ranges.
 */
function propertyMembers(set: Extract<CharacterSet, { kind: "property" }>, raw: string): string[] {
  const { name, value, negated } = set;
  const escape = (re2Name: string) => `\\${negated ? "P" : "p"}{${re2Name}}`;
  const ranges = (rs: Range[]) => (negated ? complement(rs) : rs).map(rangeText);
  if (value === null) {
    const category = CATEGORY_BY_NAME.get(name);
    if (category !== undefined) return [escape(category)];
    if (name === "ASCII") return ranges([[0, 0x7f]]);
    // V8 has accepted the pattern, so a lone name that is not a category is a binary property.
    if (re2Knows(name)) return [escape(name)];
    throw new PatternRefused(
      `${raw}: the binary Unicode property ${name} is not available to the linear-time engine (RE2), which knows ${SUPPORTED_PROPERTIES}.`,
    );
  }
  if (name === "General_Category" || name === "gc") {
    const category = CATEGORY_BY_NAME.get(value);
    if (category !== undefined) return [escape(category)];
  } else if ((name === "Script" || name === "sc") && re2Knows(value)) {
    return [escape(value)];
  }
  throw new PatternRefused(
    `${raw}: the linear-time engine (RE2) knows ${SUPPORTED_PROPERTIES}${name === "Script_Extensions" || name === "scx" ? "; not Script_Extensions, which differ from scripts" : ""}.`,
  );
}

/** A character set as members of an RE2 class. */
function setMembers(set: CharacterSet, raw: string): string[] {
  if (set.kind === "property") return propertyMembers(set, raw);
  const ranges = set.kind === "digit" ? DIGIT : set.kind === "space" ? SPACE : WORD;
  return (set.negated ? complement(ranges) : ranges).map(rangeText);
}

/** An RE2 class that matches nothing: ECMAScript's `[]`. */
const NOTHING = "[^\\x{0}-\\x{10ffff}]";

interface Flags {
  dotAll: boolean;
}

class Writer {
  constructor(private readonly source: string) {}

  private raw(node: PatternNode): string {
    return this.source.slice(node.start, node.end);
  }

  write(node: PatternNode, flags: Flags): string {
    switch (node.type) {
      case "alternation":
        return `(?:${node.alternatives.map((a) => this.write(a, flags)).join("|")})`;
      case "sequence":
        return node.items.map((item) => this.write(item, flags)).join("");
      case "character":
        return codePoint(node.codePoint);
      case "any":
        return flags.dotAll ? "[\\x{0}-\\x{10ffff}]" : `[^${LINE_TERMINATORS.map(rangeText).join("")}]`;
      case "set":
        return `[${setMembers(node.set, this.raw(node)).join("")}]`;
      case "class":
        return this.characterClass(node.negated, node.members);
      case "assertion":
        return { start: "\\A", end: "\\z", wordBoundary: "\\b", notWordBoundary: "\\B" }[node.kind];
      case "lookaround":
        throw new PatternRefused(
          `${this.raw(node)}: ${node.behind ? "lookbehind" : "lookahead"} cannot run in linear time, and RE2 has none; rewrite the pattern without it.`,
        );
      case "backreference":
        throw new PatternRefused(
          `${this.raw(node)}: backreferences cannot run in linear time, and RE2 has none; rewrite the pattern without them.`,
        );
      case "group": {
        const modifiers = node.modifiers;
        if (modifiers === null) return `(?:${this.write(node.body, flags)})`;
        if (modifiers.enable.includes("m") || modifiers.disable.includes("m"))
          throw new PatternRefused(
            `${this.raw(node)}: the m modifier is not supported: RE2's multiline anchors know only \\n as a line end.`,
          );
        const inner: Flags = {
          dotAll: modifiers.enable.includes("s") ? true : modifiers.disable.includes("s") ? false : flags.dotAll,
        };
        const caseFlags = `${modifiers.enable.includes("i") ? "i" : ""}${modifiers.disable.includes("i") ? "-i" : ""}`;
        return caseFlags === ""
          ? `(?:${this.write(node.body, inner)})`
          : `(?${caseFlags}:${this.write(node.body, inner)})`;
      }
      case "quantifier": {
        const { min, max } = node;
        const count =
          min === 0 && max === Infinity
            ? "*"
            : min === 1 && max === Infinity
              ? "+"
              : min === 0 && max === 1
                ? "?"
                : max === Infinity
                  ? `{${min},}`
                  : min === max
                    ? `{${min}}`
                    : `{${min},${max}}`;
        return `(?:${this.write(node.body, flags)})${count}${node.greedy ? "" : "?"}`;
      }
    }
  }

  private characterClass(negated: boolean, members: ClassMember[]): string {
    const parts = members.flatMap((member) => {
      if (member.type === "character") return [codePoint(member.codePoint)];
      if (member.type === "range") return [rangeText([member.from, member.to])];
      const set = member.set;
      const raw =
        set.kind === "property"
          ? `\\${set.negated ? "P" : "p"}{${set.name}${set.value === null ? "" : `=${set.value}`}}`
          : "";
      return setMembers(set, raw);
    });
    if (parts.length === 0) return negated ? "[\\x{0}-\\x{10ffff}]" : NOTHING;
    return `[${negated ? "^" : ""}${parts.join("")}]`;
  }
}

/** `tree` (parsed from `source`) in RE2 syntax with ECMAScript's meaning; throws PatternRefused. `dotAll`: the `s` flag. */
export function re2Syntax(source: string, tree: PatternNode, dotAll = false): string {
  return new Writer(source).write(tree, { dotAll });
}
