/**
 * One `-F` / `--form` argument of a curl command, read as curl 7.88 reads it
 * (tool_formparse.c), checked against what that curl sends. Pure.
 *
 * `name=value` is a text field. The value may be in double quotes (with `\"`
 * and `\\` escapes), which keeps `;` in it; unquoted, it ends at the first `;`
 * and its surrounding spaces are dropped. After it, `;type=`, `;filename=`,
 * `;headers=` and `;encoder=` change the part curl sends, which a tool cannot
 * do; any other `;word` curl itself skips. A value starting with `@` or `<`
 * names a file, and `(` a nested multipart: a stored tool has no files.
 * `--form-string name=value` takes the value as written.
 */

export type FormArgument =
  /** `dropped`: the part options (type, filename, headers, encoder) that the tool does not send. */
  | { kind: "text"; name: string; value: string; dropped: string[] }
  | { kind: "file"; name: string }
  | { kind: "invalid" };

/** The part options that change what curl sends. */
const PART_OPTIONS = ["type", "filename", "headers", "encoder"];

export function readFormArgument(argument: string, literal: boolean): FormArgument {
  const eq = argument.indexOf("=");
  if (eq < 0) return { kind: "invalid" };
  const name = argument.slice(0, eq);
  const rest = argument.slice(eq + 1);
  if (literal) return { kind: "text", name, value: rest, dropped: [] };
  if (/^[@<(]/.test(rest)) return { kind: "file", name };

  const first = readWord(rest, skipSpaces(rest, 0));
  // Unquoted, trailing spaces are dropped too.
  const value = first.quoted ? first.word : first.word.replace(/[ \t\n\v\f\r]+$/, "");
  let at = first.end;

  const dropped: string[] = [];
  while (rest[at] === ";") {
    at = skipSpaces(rest, at + 1);
    const option = PART_OPTIONS.find((key) => rest.startsWith(`${key}=`, at));
    if (option === "type") {
      // A media type ends at the first character that cannot be in one, as in curl.
      at += "type=".length;
      while (at < rest.length && !/[()<>@,;:\\"[\]?=\r\n ]/.test(rest[at] as string)) at++;
    } else {
      at = readWord(rest, option ? at + option.length + 1 : at).end;
    }
    if (option && !dropped.includes(option)) dropped.push(option);
  }
  return { kind: "text", name, value, dropped };
}

function skipSpaces(text: string, at: number): number {
  while (at < text.length && /[ \t\n\v\f\r]/.test(text[at] as string)) at++;
  return at;
}

/**
 * curl's get_param_word: a double-quoted word (with `\"` and `\\` escapes,
 * anything after the closing quote up to `;` ignored), or the text up to the
 * next `;`. A quote that is never closed is read as plain text.
 */
function readWord(text: string, at: number): { word: string; end: number; quoted: boolean } {
  if (text[at] === '"') {
    let word = "";
    for (let i = at + 1; i < text.length; i++) {
      const ch = text[i] as string;
      if (ch === "\\" && (text[i + 1] === "\\" || text[i + 1] === '"')) {
        word += text[i + 1];
        i++;
      } else if (ch === '"') {
        const semicolon = text.indexOf(";", i + 1);
        return { word, end: semicolon < 0 ? text.length : semicolon, quoted: true };
      } else word += ch;
    }
  }
  const semicolon = text.indexOf(";", at);
  const end = semicolon < 0 ? text.length : semicolon;
  return { word: text.slice(at, end), end, quoted: false };
}
