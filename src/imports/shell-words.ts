/**
 * A command line split into words the way a shell would, for the commands
 * browsers' "Copy as cURL" writes: bash (POSIX sh with `$'…'`) and Windows
 * cmd. Pure. Nothing is expanded or run: `$VAR`, `$(…)` and backticks stay
 * as written, and the caller is told they were there.
 *
 * Only the first command is read. An unquoted line break (without a
 * continuation), `;`, `&`, `|`, `<` or `>` ends it.
 */

export type ShellDialect = "bash" | "cmd";

export type SplitResult =
  | {
      ok: true;
      words: string[];
      /** Something was after the first command and was not read. */
      truncated: boolean;
      /** Shell expansions left as written, such as `$TOKEN` or `$(…)`, in order, without repeats. */
      expansions: string[];
    }
  | { ok: false; detail: string };

/**
 * cmd when the command looks like what browsers write for it: a line that
 * ends in a caret continuation, or a first argument opened with `^"`.
 * Anything else is read as bash.
 */
export function detectDialect(command: string): ShellDialect {
  if (/[ \t]\^\r?\n/.test(command)) return "cmd";
  if (/^\s*\S+[ \t]+\^"/.test(command)) return "cmd";
  return "bash";
}

export function splitWords(command: string, dialect: ShellDialect): SplitResult {
  return dialect === "cmd" ? splitCmd(command) : splitBash(command);
}

/** Words being built: a word exists once anything (even an empty quote) started it. */
class WordBuilder {
  readonly words: string[] = [];
  private current: string | null = null;

  get started(): boolean {
    return this.current !== null;
  }

  add(text: string): void {
    this.current = (this.current ?? "") + text;
  }

  end(): void {
    if (this.current !== null) this.words.push(this.current);
    this.current = null;
  }
}

const BASH_OPERATORS = new Set([";", "&", "|", "<", ">"]);
/** What a warning may show of an expansion: its name, never what follows it (a default could be a secret). */
const EXPANSION = /^\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[#!]?[A-Za-z_0-9@*#?$!-][A-Za-z0-9_]*|\(|[0-9@*#?$!-])/;

function splitBash(text: string): SplitResult {
  const out = new WordBuilder();
  const expansions = new Set<string>();
  const noteExpansion = (at: number) => {
    if (text[at] === "`") expansions.add("`…`");
    else {
      const match = EXPANSION.exec(text.slice(at));
      if (match) expansions.add(match[0] === "$(" ? "$(…)" : match[0].startsWith("${") ? `${match[0]}…}` : match[0]);
    }
  };
  let truncated = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    const next = text[i + 1];
    if (ch === "\\") {
      const continuation = lineBreakAt(text, i + 1);
      if (continuation > 0) i += 1 + continuation;
      else {
        if (next !== undefined) out.add(next);
        i += 2;
      }
    } else if (ch === " " || ch === "\t" || ch === "\r") {
      out.end();
      i++;
    } else if (ch === "\n" || BASH_OPERATORS.has(ch)) {
      truncated = text.slice(i).trim() !== "";
      break;
    } else if (ch === "#" && !out.started) {
      // A comment runs to the end of the line, and the line break ends the command.
      const end = text.indexOf("\n", i);
      truncated = end >= 0 && text.slice(end).trim() !== "";
      break;
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return unterminated("'");
      out.add(text.slice(i + 1, end));
      i = end + 1;
    } else if (ch === "$" && next === "'") {
      const read = readAnsiC(text, i + 2);
      if (!read) return unterminated("$'");
      out.add(read.value);
      i = read.end;
    } else if (ch === '"' || (ch === "$" && next === '"')) {
      const read = readDoubleQuoted(text, ch === "$" ? i + 2 : i + 1, noteExpansion);
      if (!read) return unterminated('"');
      out.add(read.value);
      i = read.end;
    } else {
      if (ch === "$" || ch === "`") noteExpansion(i);
      out.add(ch);
      i++;
    }
  }
  out.end();
  return { ok: true, words: out.words, truncated, expansions: [...expansions] };
}

/** The length of a line break (LF or CRLF) at `at`, or 0. */
function lineBreakAt(text: string, at: number): number {
  if (text[at] === "\n") return 1;
  if (text[at] === "\r" && text[at + 1] === "\n") return 2;
  return 0;
}

function unterminated(quote: string): SplitResult {
  return { ok: false, detail: `The command has an unterminated ${quote} quote.` };
}

/** Inside "…": a backslash escapes only $ ` " \ and a line break (which it removes). */
function readDoubleQuoted(
  text: string,
  start: number,
  noteExpansion: (at: number) => void,
): { value: string; end: number } | null {
  let value = "";
  let i = start;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"') return { value, end: i + 1 };
    if (ch === "\\") {
      const continuation = lineBreakAt(text, i + 1);
      const next = text[i + 1];
      if (continuation > 0) i += 1 + continuation;
      else if (next !== undefined && '$`"\\'.includes(next)) {
        value += next;
        i += 2;
      } else {
        value += ch;
        i++;
      }
      continue;
    }
    if (ch === "$" || ch === "`") noteExpansion(i);
    value += ch;
    i++;
  }
  return null;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  e: "\x1b",
  E: "\x1b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "?": "?",
};

/**
 * Bash's ANSI-C quoting, `$'…'`, from just after the opening quote. Chrome
 * writes `\uXXXX` for control characters and `!`; Firefox writes `\xHH` and
 * octal `\041`. `\xHH` is read as the code point U+00HH, which is what
 * Firefox means by it for Latin-1 characters.
 */
function readAnsiC(text: string, start: number): { value: string; end: number } | null {
  let value = "";
  let i = start;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === "'") return { value, end: i + 1 };
    if (ch !== "\\") {
      value += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === undefined) return null;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      value += simple;
      i += 2;
      continue;
    }
    const numeric = readNumericEscape(text, i + 1);
    if (numeric) {
      if (numeric.codePoint <= 0x10ffff) value += String.fromCodePoint(numeric.codePoint);
      i = numeric.end;
      continue;
    }
    if (next === "c" && i + 2 < text.length) {
      value += String.fromCharCode((text.charCodeAt(i + 2) & 0x1f) >>> 0);
      i += 3;
      continue;
    }
    // Bash keeps an unknown escape as written.
    value += ch + next;
    i += 2;
  }
  return null;
}

function readNumericEscape(text: string, at: number): { codePoint: number; end: number } | null {
  const kind = text[at] as string;
  const forms: Record<string, [RegExp, number, number]> = {
    x: [/^[0-9A-Fa-f]{1,2}/, 16, 1],
    u: [/^[0-9A-Fa-f]{1,4}/, 16, 1],
    U: [/^[0-9A-Fa-f]{1,8}/, 16, 1],
  };
  if (/[0-7]/.test(kind)) {
    const digits = /^[0-7]{1,3}/.exec(text.slice(at))?.[0] as string;
    return { codePoint: parseInt(digits, 8), end: at + digits.length };
  }
  const form = forms[kind];
  if (!form) return null;
  const digits = form[0].exec(text.slice(at + form[2]))?.[0];
  if (!digits) return null;
  return { codePoint: parseInt(digits, form[1]), end: at + form[2] + digits.length };
}

const CMD_OPERATORS = new Set(["&", "|", "<", ">"]);

/**
 * Windows: cmd.exe reads the line first (a caret escapes the next character
 * outside double quotes, and a caret before a line break continues the
 * line), then the program's C runtime splits the result into arguments
 * (double quotes group, and backslashes escape quotes). Browsers write every
 * quote as `^"` so that cmd.exe leaves quoting to the C runtime.
 */
function splitCmd(text: string): SplitResult {
  let line = "";
  let quoted = false;
  let truncated = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"') {
      quoted = !quoted;
      line += ch;
      i++;
    } else if (ch === "^" && !quoted) {
      const continuation = lineBreakAt(text, i + 1);
      if (continuation > 0) {
        // The line goes on, and its first character is taken literally: `^` LF LF is a line break.
        i += 1 + continuation;
        const escapedBreak = lineBreakAt(text, i);
        if (escapedBreak > 0) {
          line += "\n";
          i += escapedBreak;
        } else if (i < text.length) {
          line += text[i];
          i++;
        }
      } else {
        if (i + 1 < text.length) line += text[i + 1];
        i += 2;
      }
    } else if (!quoted && (ch === "\n" || CMD_OPERATORS.has(ch))) {
      truncated = text.slice(i).trim() !== "";
      break;
    } else if (ch === "\r" && !quoted) {
      i++;
    } else {
      line += ch;
      i++;
    }
  }
  // An open quote is not an error in cmd: the C runtime reads it to the end of the line.
  return { ok: true, words: splitCrtArguments(line), truncated, expansions: [] };
}

/** The Microsoft C runtime's argument splitting. */
function splitCrtArguments(line: string): string[] {
  const out = new WordBuilder();
  let quoted = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i] as string;
    if (ch === "\\") {
      let count = 0;
      while (line[i + count] === "\\") count++;
      if (line[i + count] === '"') {
        out.add("\\".repeat(Math.floor(count / 2)));
        if (count % 2 === 1) out.add('"');
        else quoted = !quoted;
        i += count + 1;
      } else {
        out.add("\\".repeat(count));
        i += count;
      }
    } else if (ch === '"') {
      if (quoted && line[i + 1] === '"') {
        out.add('"');
        i += 2;
      } else {
        quoted = !quoted;
        out.add("");
        i++;
      }
    } else if (!quoted && (ch === " " || ch === "\t" || ch === "\n")) {
      out.end();
      i++;
    } else {
      out.add(ch);
      i++;
    }
  }
  out.end();
  return out.words;
}
