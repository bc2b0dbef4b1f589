/**
 * ECMAScript regular expression patterns, as JSON Schema writes them
 * (`pattern`, `patternProperties`: the `u` flag, ECMA-262 §22.2.1), parsed
 * into a small syntax tree.
 *
 * The tree is what the service reasons about before handing a pattern to
 * RE2: what compiling it will cost (pattern-cost.ts) and, later, how to
 * translate ECMAScript meaning into RE2 syntax. V8 has already accepted every
 * pattern that reaches this parser (`new RegExp(source, "u")`), so the parser
 * does not diagnose: anything it does not recognise is reported as
 * unsupported, never guessed at. It works in one pass over the source and
 * refuses groups nested deeper than MAX_GROUP_NESTING, so its cost is linear
 * and its stack bounded.
 */

/** An inline modifier group, `(?i:...)` or `(?-s:...)` (ES2025): the flags it turns on and off. */
export interface Modifiers {
  enable: string;
  disable: string;
}

/** `\d`, `\s`, `\w` and their negations, or a Unicode property escape. */
export type CharacterSet =
  | { kind: "digit" | "space" | "word"; negated: boolean }
  /** `\p{Name}`, `\p{Name=Value}`, `\P{...}`: `name` is the part before `=`, or the whole when there is none. */
  | { kind: "property"; negated: boolean; name: string; value: string | null };

export type ClassMember =
  | { type: "character"; codePoint: number }
  | { type: "range"; from: number; to: number }
  | { type: "set"; set: CharacterSet };

/** One node of a pattern; `start` and `end` are UTF-16 offsets into the source. */
export type PatternNode = { start: number; end: number } & (
  | { type: "alternation"; alternatives: PatternNode[] }
  | { type: "sequence"; items: PatternNode[] }
  | { type: "character"; codePoint: number }
  | { type: "any" }
  | { type: "set"; set: CharacterSet }
  | { type: "class"; negated: boolean; members: ClassMember[] }
  | { type: "assertion"; kind: "start" | "end" | "wordBoundary" | "notWordBoundary" }
  | { type: "lookaround"; behind: boolean; negated: boolean; body: PatternNode }
  | { type: "group"; capturing: boolean; name: string | null; modifiers: Modifiers | null; body: PatternNode }
  | { type: "backreference"; reference: number | string }
  | { type: "quantifier"; min: number; max: number; greedy: boolean; body: PatternNode }
);

export type ParsedPattern = { ok: true; tree: PatternNode } | { ok: false; offset: number; message: string };

/** Deeper group nesting is refused (RE2 itself refuses expressions nested about this deep). */
export const MAX_GROUP_NESTING = 1000;

class Unsupported extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const SYNTAX_CHARACTERS = "^$\\.*+?()[]{}|";
const CONTROL_ESCAPES: Record<string, number> = { f: 12, n: 10, r: 13, t: 9, v: 11 };

/** Parses `source` as an ECMAScript pattern with the `u` flag. */
export function parsePattern(source: string): ParsedPattern {
  try {
    const parser = new Parser(source);
    const tree = parser.disjunction(0);
    if (parser.pos < source.length) throw new Unsupported(parser.pos, "unexpected character");
    return { ok: true, tree };
  } catch (err) {
    if (err instanceof Unsupported) return { ok: false, offset: err.offset, message: err.message };
    throw err;
  }
}

class Parser {
  pos = 0;
  constructor(private readonly source: string) {}

  private peek(offset = 0): string | undefined {
    return this.source[this.pos + offset];
  }

  private eat(text: string): boolean {
    if (!this.source.startsWith(text, this.pos)) return false;
    this.pos += text.length;
    return true;
  }

  private expect(text: string): void {
    if (!this.eat(text)) throw new Unsupported(this.pos, `expected "${text}"`);
  }

  /** The next code point of the source (a surrogate pair is one, as under the `u` flag). */
  private codePoint(): number {
    const cp = this.source.codePointAt(this.pos);
    if (cp === undefined) throw new Unsupported(this.pos, "unexpected end of pattern");
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  disjunction(depth: number): PatternNode {
    const start = this.pos;
    const alternatives = [this.alternative(depth)];
    while (this.eat("|")) alternatives.push(this.alternative(depth));
    if (alternatives.length === 1) return alternatives[0]!;
    return { type: "alternation", alternatives, start, end: this.pos };
  }

  private alternative(depth: number): PatternNode {
    const start = this.pos;
    const items: PatternNode[] = [];
    for (let c = this.peek(); c !== undefined && c !== "|" && c !== ")"; c = this.peek()) items.push(this.term(depth));
    if (items.length === 1) return items[0]!;
    return { type: "sequence", items, start, end: this.pos };
  }

  private term(depth: number): PatternNode {
    const start = this.pos;
    const atom = this.atom(depth);
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === "*") [min, max] = [0, Infinity];
    else if (c === "+") [min, max] = [1, Infinity];
    else if (c === "?") [min, max] = [0, 1];
    else if (c === "{") [min, max] = this.braces();
    else return atom;
    if (c !== "{") this.pos++;
    const greedy = !this.eat("?");
    if (atom.type === "assertion" || atom.type === "lookaround")
      throw new Unsupported(start, "a quantifier on an assertion");
    return { type: "quantifier", min, max, greedy, body: atom, start, end: this.pos };
  }

  /** `{n}`, `{n,}` or `{n,m}`; the counts may be larger than any engine accepts (they are only compared). */
  private braces(): [number, number] {
    const at = this.pos;
    this.expect("{");
    const min = this.decimal();
    let max = min;
    if (this.eat(",")) max = this.peek() === "}" ? Infinity : this.decimal();
    this.expect("}");
    if (min > max) throw new Unsupported(at, "repetition counts out of order");
    return [min, max];
  }

  private decimal(): number {
    const start = this.pos;
    while (this.peek() !== undefined && this.peek()! >= "0" && this.peek()! <= "9") this.pos++;
    if (this.pos === start) throw new Unsupported(start, "expected a number");
    // Digits beyond double precision only ever make the count larger, which is all that matters here.
    return Number(this.source.slice(start, this.pos));
  }

  private atom(depth: number): PatternNode {
    const start = this.pos;
    const c = this.peek();
    switch (c) {
      case "^":
        this.pos++;
        return { type: "assertion", kind: "start", start, end: this.pos };
      case "$":
        this.pos++;
        return { type: "assertion", kind: "end", start, end: this.pos };
      case ".":
        this.pos++;
        return { type: "any", start, end: this.pos };
      case "(":
        return this.group(depth);
      case "[":
        return this.characterClass();
      case "\\":
        return this.atomEscape();
      case undefined:
        throw new Unsupported(start, "unexpected end of pattern");
      default:
        if (SYNTAX_CHARACTERS.includes(c)) throw new Unsupported(start, `unexpected "${c}"`);
        return { type: "character", codePoint: this.codePoint(), start, end: this.pos };
    }
  }

  private group(depth: number): PatternNode {
    const start = this.pos;
    if (depth >= MAX_GROUP_NESTING) throw new Unsupported(start, `groups nested more than ${MAX_GROUP_NESTING} deep`);
    this.expect("(");
    const body = (): PatternNode => {
      const inner = this.disjunction(depth + 1);
      this.expect(")");
      return inner;
    };
    const group = (capturing: boolean, name: string | null, modifiers: Modifiers | null): PatternNode => ({
      type: "group",
      capturing,
      name,
      modifiers,
      body: body(),
      start,
      end: this.pos,
    });
    const lookaround = (behind: boolean, negated: boolean): PatternNode => ({
      type: "lookaround",
      behind,
      negated,
      body: body(),
      start,
      end: this.pos,
    });
    if (!this.eat("?")) return group(true, null, null);
    if (this.eat(":")) return group(false, null, null);
    if (this.eat("=")) return lookaround(false, false);
    if (this.eat("!")) return lookaround(false, true);
    if (this.eat("<=")) return lookaround(true, false);
    if (this.eat("<!")) return lookaround(true, true);
    if (this.eat("<")) return group(true, this.groupName(), null);
    const modifiers = this.modifiers();
    if (modifiers) return group(false, null, modifiers);
    throw new Unsupported(start, "unknown group syntax");
  }

  /** A group name up to `>` (V8 has checked it is an identifier; escapes in it are kept as written). */
  private groupName(): string {
    const end = this.source.indexOf(">", this.pos);
    if (end <= this.pos) throw new Unsupported(this.pos, "expected a group name");
    const name = this.source.slice(this.pos, end);
    this.pos = end + 1;
    return name;
  }

  private modifiers(): Modifiers | null {
    const match = /^([ims]*)(?:-([ims]*))?:/.exec(this.source.slice(this.pos, this.pos + 10));
    if (!match || (match[1] === "" && match[2] === undefined)) return null;
    this.pos += match[0].length;
    return { enable: match[1]!, disable: match[2] ?? "" };
  }

  private atomEscape(): PatternNode {
    const start = this.pos;
    this.expect("\\");
    const c = this.peek();
    if (c === "b" || c === "B") {
      this.pos++;
      return { type: "assertion", kind: c === "b" ? "wordBoundary" : "notWordBoundary", start, end: this.pos };
    }
    if (c !== undefined && c >= "1" && c <= "9")
      return { type: "backreference", reference: this.decimal(), start, end: this.pos };
    if (c === "k") {
      this.pos++;
      this.expect("<");
      return { type: "backreference", reference: this.groupName(), start, end: this.pos };
    }
    const set = this.characterSetEscape();
    if (set) return { type: "set", set, start, end: this.pos };
    return { type: "character", codePoint: this.characterEscape(), start, end: this.pos };
  }

  /** After a backslash: `\d`, `\D`, `\s`, `\S`, `\w`, `\W`, `\p{...}`, `\P{...}`, or null (nothing consumed). */
  private characterSetEscape(): CharacterSet | null {
    const c = this.peek();
    const simple = { d: "digit", s: "space", w: "word" } as const;
    const lower = c?.toLowerCase();
    if (lower === "d" || lower === "s" || lower === "w") {
      this.pos++;
      return { kind: simple[lower], negated: c !== lower };
    }
    if (c !== "p" && c !== "P") return null;
    this.pos++;
    this.expect("{");
    const close = this.source.indexOf("}", this.pos);
    if (close < 0) throw new Unsupported(this.pos, "expected }");
    const body = this.source.slice(this.pos, close);
    this.pos = close + 1;
    const eq = body.indexOf("=");
    return {
      kind: "property",
      negated: c === "P",
      name: eq < 0 ? body : body.slice(0, eq),
      value: eq < 0 ? null : body.slice(eq + 1),
    };
  }

  /** After a backslash: an escape that stands for one code point. */
  private characterEscape(): number {
    const at = this.pos;
    const c = this.peek();
    if (c === undefined) throw new Unsupported(at, "\\ at end of pattern");
    if (c in CONTROL_ESCAPES) {
      this.pos++;
      return CONTROL_ESCAPES[c]!;
    }
    if (c === "c") {
      const letter = this.peek(1);
      if (letter === undefined || !/^[A-Za-z]$/.test(letter)) throw new Unsupported(at, "\\c without a letter");
      this.pos += 2;
      return letter.charCodeAt(0) % 32;
    }
    if (c === "0") {
      this.pos++;
      return 0;
    }
    if (c === "x") {
      this.pos++;
      return this.hex(2);
    }
    if (c === "u") {
      this.pos++;
      if (this.eat("{")) {
        const close = this.source.indexOf("}", this.pos);
        const digits = close < 0 ? "" : this.source.slice(this.pos, close);
        if (!/^[0-9A-Fa-f]+$/.test(digits)) throw new Unsupported(at, "malformed \\u{...}");
        this.pos = close + 1;
        return parseInt(digits, 16);
      }
      const unit = this.hex(4);
      // A surrogate pair written as two escapes is one code point under the `u` flag.
      if (unit >= 0xd800 && unit <= 0xdbff && this.source.startsWith("\\u", this.pos)) {
        const save = this.pos;
        this.pos += 2;
        const low = /^[0-9A-Fa-f]{4}/.test(this.source.slice(this.pos, this.pos + 4)) ? this.hex(4) : -1;
        if (low >= 0xdc00 && low <= 0xdfff) return (unit - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
        this.pos = save;
      }
      return unit;
    }
    if (SYNTAX_CHARACTERS.includes(c) || c === "/") return this.codePoint();
    throw new Unsupported(at, `unknown escape "\\${c}"`);
  }

  private hex(length: number): number {
    const digits = this.source.slice(this.pos, this.pos + length);
    if (digits.length !== length || !/^[0-9A-Fa-f]+$/.test(digits))
      throw new Unsupported(this.pos, "expected hexadecimal digits");
    this.pos += length;
    return parseInt(digits, 16);
  }

  private characterClass(): PatternNode {
    const start = this.pos;
    this.expect("[");
    const negated = this.eat("^");
    const members: ClassMember[] = [];
    while (!this.eat("]")) {
      const first = this.classAtom();
      if (this.peek() === "-" && this.peek(1) !== "]" && this.peek(1) !== undefined) {
        const dash = this.pos;
        this.pos++;
        const last = this.classAtom();
        if (first.type !== "character" || last.type !== "character")
          throw new Unsupported(dash, "a range with a character class at one end");
        if (first.codePoint > last.codePoint) throw new Unsupported(dash, "a range out of order");
        members.push({ type: "range", from: first.codePoint, to: last.codePoint });
      } else members.push(first);
    }
    return { type: "class", negated, members, start, end: this.pos };
  }

  private classAtom(): ClassMember {
    if (this.peek() === undefined) throw new Unsupported(this.pos, "missing ]");
    if (!this.eat("\\")) return { type: "character", codePoint: this.codePoint() };
    if (this.eat("b")) return { type: "character", codePoint: 8 };
    if (this.eat("-")) return { type: "character", codePoint: 0x2d };
    const set = this.characterSetEscape();
    if (set) return { type: "set", set };
    return { type: "character", codePoint: this.characterEscape() };
  }
}
