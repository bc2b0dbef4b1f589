/**
 * curl's command-line options, read from the words of a command into what
 * the request would be. Pure. Options that do not change the request are
 * accepted quietly; the rest that toolgate cannot reproduce become notes.
 * A note names options (and form fields), never their values, which may be
 * credentials.
 */
import { readFormArgument } from "./curl-form";

export type DataKind = "data" | "raw" | "binary" | "urlencode" | "json";

export interface CurlCommand {
  /** Every URL given, in order (`--url` and bare arguments). */
  urls: string[];
  /** `-X`, as written. */
  method: string | null;
  head: boolean;
  /** `-G`: the data goes into the query. */
  get: boolean;
  /** `-H` (and `-A`, `-e`), in order: name and value as written, or null for a line with no colon. */
  headers: { name: string; value: string | null; raw: string }[];
  cookies: boolean;
  /** `-F` or `--form-string` given: curl would POST a multipart body. */
  multipart: boolean;
  /** The text fields of `-F` and `--form-string`, in order; file fields are left out with a note. */
  form: { name: string; value: string }[];
  /** `-T`: curl would PUT a file, which is left out. */
  upload: boolean;
  data: { kind: DataKind; value: string }[];
  /** `-u`, as written. */
  user: string | null;
  oauth2Bearer: string | null;
  /** `-m`, as written. */
  maxTime: string | null;
  notes: string[];
}

type Apply = (command: CurlCommand, value: string, flag: string) => void;

interface OptionSpec {
  arg: boolean;
  apply?: Apply;
}

const note =
  (text: string): Apply =>
  (command) =>
    void command.notes.push(text);
const data =
  (kind: DataKind): Apply =>
  (command, value, flag) => {
    const fromFile = kind === "urlencode" ? /^[^=]*@/.test(value) : kind !== "raw" && value.startsWith("@");
    if (fromFile) command.notes.push(`${flag} reads a file, which toolgate cannot do; that data was left out.`);
    else command.data.push({ kind, value });
  };
const header =
  (name: string | null): Apply =>
  (command, value, flag) => {
    if (name !== null) {
      command.headers.push({ name, value, raw: `${name}: ${value}` });
      return;
    }
    if (value.startsWith("@")) {
      command.notes.push(`${flag} reads headers from a file, which toolgate cannot do; they were left out.`);
      return;
    }
    const colon = value.indexOf(":");
    if (colon > 0)
      command.headers.push({ name: value.slice(0, colon).trim(), value: value.slice(colon + 1).trim(), raw: value });
    else if (value.endsWith(";")) command.headers.push({ name: value.slice(0, -1).trim(), value: "", raw: value });
    else command.headers.push({ name: value.trim(), value: null, raw: value });
  };

const multipart =
  (literal: boolean): Apply =>
  (command, value, flag) => {
    command.multipart = true;
    const field = readFormArgument(value, literal);
    if (field.kind === "invalid")
      command.notes.push(`Ignored a ${flag} value that is not name=value (curl refuses it too).`);
    else if (field.kind === "file")
      command.notes.push(
        `Left out the file field "${field.name}" (${flag} ${field.name}=@… or <…): a stored tool has no files to send, only text fields.`,
      );
    else {
      command.form.push({ name: field.name, value: field.value });
      if (field.dropped.length > 0)
        command.notes.push(
          `The ${flag} field "${field.name}" is sent as a plain text field, without its ${field.dropped.map((o) => `;${o}=`).join(" ")}: a tool's multipart parts carry a name and a value only.`,
        );
    }
  };

/** Options that change nothing toolgate sends, or that it already does (following redirects, decompressing). */
const QUIET_FLAGS = [
  "silent",
  "show-error",
  "verbose",
  "include",
  "location",
  "location-trusted",
  "compressed",
  "progress-bar",
  "fail",
  "fail-with-body",
  "no-buffer",
  "http1.0",
  "http1.1",
  "http2",
  "http2-prior-knowledge",
  "http3",
  "http3-only",
  "globoff",
  "no-progress-meter",
  "disable",
  "path-as-is",
  "raw",
  "tcp-nodelay",
  "no-keepalive",
  "no-sessionid",
  "basic",
  "ipv4",
  "ipv6",
  "remote-name",
  "remote-header-name",
  "remote-time",
  "junk-session-cookies",
  "styled-output",
];

/** Options with a value that only concern the client machine or its output. */
const IGNORED_WITH_VALUE = [
  "output",
  "output-dir",
  "write-out",
  "dump-header",
  "cookie-jar",
  "stderr",
  "trace",
  "trace-ascii",
  "config",
  "proxy",
  "proxy-user",
  "noproxy",
  "connect-timeout",
  "retry",
  "retry-delay",
  "retry-max-time",
  "max-redirs",
  "cacert",
  "capath",
  "cert",
  "cert-type",
  "key",
  "key-type",
  "pass",
  "pinnedpubkey",
  "ciphers",
  "resolve",
  "connect-to",
  "interface",
  "local-port",
  "dns-servers",
  "doh-url",
  "unix-socket",
  "abstract-unix-socket",
  "limit-rate",
  "max-filesize",
  "speed-limit",
  "speed-time",
  "keepalive-time",
  "expect100-timeout",
  "proto",
  "proto-redir",
  "range",
  "time-cond",
  "continue-at",
  "aws-sigv4",
  "user-agent-file",
  "variable",
  "url-query",
];

const OPTIONS: Record<string, OptionSpec> = {
  url: { arg: true, apply: (c, v) => void c.urls.push(v) },
  request: { arg: true, apply: (c, v) => void (c.method = v) },
  head: { arg: false, apply: (c) => void (c.head = true) },
  get: { arg: false, apply: (c) => void (c.get = true) },
  header: { arg: true, apply: header(null) },
  "user-agent": { arg: true, apply: header("User-Agent") },
  referer: { arg: true, apply: header("Referer") },
  cookie: { arg: true, apply: (c) => void (c.cookies = true) },
  data: { arg: true, apply: data("data") },
  "data-ascii": { arg: true, apply: data("data") },
  "data-raw": { arg: true, apply: data("raw") },
  "data-binary": { arg: true, apply: data("binary") },
  "data-urlencode": { arg: true, apply: data("urlencode") },
  json: { arg: true, apply: data("json") },
  user: { arg: true, apply: (c, v) => void (c.user = v) },
  "oauth2-bearer": { arg: true, apply: (c, v) => void (c.oauth2Bearer = v) },
  "max-time": { arg: true, apply: (c, v) => void (c.maxTime = v) },
  form: { arg: true, apply: multipart(false) },
  "form-string": { arg: true, apply: multipart(true) },
  "upload-file": {
    arg: true,
    apply: (c, _, flag) => {
      c.upload = true;
      c.notes.push(`Uploading a file (${flag}) is not supported; it was left out.`);
    },
  },
  insecure: {
    arg: false,
    apply: note("--insecure has no effect: toolgate always verifies the server's TLS certificate."),
  },
  digest: { arg: false, apply: note("--digest is not supported; the -u credentials are sent as Basic instead.") },
  ntlm: { arg: false, apply: note("--ntlm is not supported; the -u credentials are sent as Basic instead.") },
  negotiate: { arg: false, apply: note("--negotiate is not supported and was left out.") },
  anyauth: { arg: false, apply: note("--anyauth is not supported; the -u credentials are sent as Basic instead.") },
  ...Object.fromEntries(QUIET_FLAGS.map((name) => [name, { arg: false }])),
  ...Object.fromEntries(
    IGNORED_WITH_VALUE.map((name) => [
      name,
      { arg: true, apply: note(`--${name} does not apply to a toolgate tool and was ignored.`) },
    ]),
  ),
};

const SHORT: Record<string, string> = {
  X: "request",
  I: "head",
  G: "get",
  H: "header",
  A: "user-agent",
  e: "referer",
  b: "cookie",
  d: "data",
  u: "user",
  m: "max-time",
  F: "form",
  T: "upload-file",
  k: "insecure",
  s: "silent",
  S: "show-error",
  v: "verbose",
  i: "include",
  L: "location",
  "#": "progress-bar",
  f: "fail",
  N: "no-buffer",
  "0": "http1.0",
  g: "globoff",
  q: "disable",
  "4": "ipv4",
  "6": "ipv6",
  O: "remote-name",
  J: "remote-header-name",
  R: "remote-time",
  j: "junk-session-cookies",
  o: "output",
  w: "write-out",
  D: "dump-header",
  c: "cookie-jar",
  K: "config",
  x: "proxy",
  U: "proxy-user",
  E: "cert",
  r: "range",
  z: "time-cond",
  C: "continue-at",
  Y: "speed-limit",
  y: "speed-time",
};

/** Reads the arguments after `curl`. */
export function readCurlArguments(args: readonly string[]): CurlCommand {
  const command: CurlCommand = {
    urls: [],
    method: null,
    head: false,
    get: false,
    headers: [],
    cookies: false,
    multipart: false,
    form: [],
    upload: false,
    data: [],
    user: null,
    oauth2Bearer: null,
    maxTime: null,
    notes: [],
  };
  const unknown: string[] = [];
  let onlyUrls = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as string;
    if (onlyUrls || !word.startsWith("-") || word === "-") {
      command.urls.push(word);
      continue;
    }
    if (word === "--") {
      onlyUrls = true;
      continue;
    }
    if (word.startsWith("--")) {
      const name = word.slice(2);
      const spec = OPTIONS[name];
      if (!spec) {
        unknown.push(word);
        continue;
      }
      if (!spec.arg) {
        spec.apply?.(command, "", word);
        continue;
      }
      const value = args[i + 1];
      if (value === undefined) command.notes.push(`${word} has no value and was ignored.`);
      else spec.apply?.(command, value, word);
      i++;
      continue;
    }
    // Short options combine (-sSL); one that takes a value takes the rest of the word, or the next word.
    for (let j = 1; j < word.length; j++) {
      const letter = word[j] as string;
      const name = SHORT[letter];
      const spec = name === undefined ? undefined : OPTIONS[name];
      if (!spec) {
        unknown.push(`-${letter}`);
        continue;
      }
      const flag = `-${letter}`;
      if (!spec.arg) {
        spec.apply?.(command, "", flag);
        continue;
      }
      let value: string | undefined = word.slice(j + 1);
      if (value === "") value = args[++i];
      if (value === undefined) command.notes.push(`${flag} has no value and was ignored.`);
      else spec.apply?.(command, value, flag);
      break;
    }
  }
  if (unknown.length > 0)
    command.notes.push(`Ignored options toolgate does not know: ${[...new Set(unknown)].join(", ")}.`);
  command.notes = [...new Set(command.notes)];
  return command;
}
