/** Unit tests of splitting a command line into words, bash and cmd, src/imports/shell-words.ts. */
import { describe, expect, it } from "vitest";
import { detectDialect, splitWords } from "../src/imports/shell-words";

const words = (command: string, dialect = detectDialect(command)) => {
  const result = splitWords(command, dialect);
  if (!result.ok) throw new Error(result.detail);
  return result.words;
};

describe("bash", () => {
  const CASES: [string, string, string[]][] = [
    ["plain words", "curl -s https://x.test/a", ["curl", "-s", "https://x.test/a"]],
    ["tabs and repeated spaces", "curl \t -s   x", ["curl", "-s", "x"]],
    ["single quotes keep everything", String.raw`curl 'a \n $HOME "b"'`, ["curl", String.raw`a \n $HOME "b"`]],
    ['double quotes escape only $ ` " \\', String.raw`curl "a\"b\\c\$d\e"`, ["curl", String.raw`a"b\c$d\e`]],
    ["an empty quoted word is a word", `curl '' ""`, ["curl", "", ""]],
    ["quotes join into one word", `curl 'a'"b"c`, ["curl", "abc"]],
    ["a backslash outside quotes escapes", String.raw`curl a\ b \'c`, ["curl", "a b", "'c"]],
    ["a backslash-newline continues the line", "curl \\\n  -s \\\n  x", ["curl", "-s", "x"]],
    ["with CRLF line ends too", "curl \\\r\n  -s \\\r\n  x", ["curl", "-s", "x"]],
    ["inside double quotes as well", 'curl "a\\\nb"', ["curl", "ab"]],
    [
      "ANSI-C quoting as Chrome writes it",
      String.raw`curl $'{"a":"it\'s\u0021","b":"x\\ny","c":"\u00e9"}'`,
      ["curl", `{"a":"it's!","b":"x\\ny","c":"é"}`],
    ],
    [
      "ANSI-C escapes: named, octal, hex, \\u, \\U, \\c",
      String.raw`x $'\a\b\e\E\f\n\r\t\v\\\'\"\?|\041\0|\x41\xe9|\u2014\U0001F600|\cA|\q'`,
      ["x", "\x07\b\x1b\x1b\f\n\r\t\v\\'\"?|!\0|Aé|—😀|\x01|\\q"],
    ],
    ['$"…" reads as "…"', `curl $"a b"`, ["curl", "a b"]],
    ["a # starting a word is a comment", "curl x # the rest", ["curl", "x"]],
    ["a # inside a word is not", "curl https://x.test/#top", ["curl", "https://x.test/#top"]],
  ];
  it.each(CASES)("%s", (_, command, expected) => {
    expect(words(command, "bash")).toEqual(expected);
  });

  it("reads only the first command, and says so", () => {
    for (const command of [
      "curl x; echo done",
      "curl x && rm y",
      "curl x | jq .",
      "curl x > out.json",
      "curl x\necho",
    ]) {
      const result = splitWords(command, "bash");
      expect(result).toMatchObject({ ok: true, words: ["curl", "x"], truncated: true });
    }
    expect(splitWords("curl x\n\n", "bash")).toMatchObject({ ok: true, truncated: false });
    expect(splitWords("curl 'a;b|c&d'", "bash")).toMatchObject({
      ok: true,
      words: ["curl", "a;b|c&d"],
      truncated: false,
    });
  });

  it("keeps expansions as written and names them, never what follows a name", () => {
    const result = splitWords('curl -H "X-Key: $API_KEY" -u "${USER:-admin}:$(cat pw)" `id` \'$NOT\'', "bash");
    expect(result).toEqual({
      ok: true,
      words: ["curl", "-H", "X-Key: $API_KEY", "-u", "${USER:-admin}:$(cat pw)", "`id`", "$NOT"],
      truncated: false,
      expansions: ["$API_KEY", "${USER…}", "$(…)", "`…`"],
    });
  });

  it("refuses an unterminated quote", () => {
    for (const [command, quote] of [
      ["curl 'abc", "'"],
      ['curl "abc', '"'],
      ["curl $'abc\\'", "$'"],
    ])
      expect(splitWords(command as string, "bash")).toEqual({
        ok: false,
        detail: `The command has an unterminated ${quote} quote.`,
      });
  });
});

describe("cmd", () => {
  const CASES: [string, string, string[]][] = [
    ["carets escape outside quotes", 'curl ^"https://x.test/?a=1^&b=2^"', ["curl", "https://x.test/?a=1&b=2"]],
    ["a caret before a line break continues the line", 'curl ^"x^" ^\n  -s', ["curl", "x", "-s"]],
    ["with CRLF line ends too", 'curl ^"x^" ^\r\n  -s', ["curl", "x", "-s"]],
    ["^ LF LF is a line break inside a value", 'curl ^"a^\n\nb^"', ["curl", "a\nb"]],
    ["^% keeps a percent sign", 'curl ^"caf^%^C3^%^A9^"', ["curl", "caf%C3%A9"]],
    ["quotes in a value, as Chrome writes them", 'curl ^"^{^\\^"a^\\^":^\\^"b c^\\^"^}^"', ["curl", '{"a":"b c"}']],
    ["backslashes before a quote halve", 'x "a\\\\\\"b" "c\\\\" d', ["x", 'a\\"b', "c\\", "d"]],
    ["backslashes elsewhere stay", 'x "C:\\dir\\file" a\\b', ["x", "C:\\dir\\file", "a\\b"]],
    ['"" inside quotes is a quote', 'x "a""b"', ["x", 'a"b']],
    ["inside cmd's quotes a caret and & are literal", 'curl "a^b&c"', ["curl", "a^b&c"]],
  ];
  it.each(CASES)("%s", (_, command, expected) => {
    expect(words(command, "cmd")).toEqual(expected);
  });

  it("reads only the first command", () => {
    expect(splitWords('curl ^"x^" & echo done', "cmd")).toMatchObject({
      ok: true,
      words: ["curl", "x"],
      truncated: true,
    });
    expect(splitWords('curl ^"x^"\necho', "cmd")).toMatchObject({ ok: true, words: ["curl", "x"], truncated: true });
  });

  it("reads an unterminated quote to the end of the line, as the C runtime does", () => {
    expect(words('curl "abc def', "cmd")).toEqual(["curl", "abc def"]);
  });
});

describe("detectDialect", () => {
  it.each([
    ['curl ^"https://x.test/^" -H ^"a: b^"', "cmd"],
    ['curl ^"https://x.test/^" ^\n  -H ^"a: b^"', "cmd"],
    ["curl https://x.test/ ^\r\n  -s", "cmd"],
    ["curl 'https://x.test/' \\\n  -H 'a: b'", "bash"],
    ['curl -d \'{"re":"^\\"x"}\' https://x.test/', "bash"],
    ["curl https://x.test/", "bash"],
  ])("%j is %s", (command, dialect) => {
    expect(detectDialect(command)).toBe(dialect);
  });
});
