/**
 * Every validator message a person sees in the UI, in words for people who
 * fill in forms: the one place where zod's "Too big: expected number to be
 * <=300", the registry's "endpoint_url is required for http_request tools.",
 * the JSON Schema validator's "Instance does not have required property" and
 * JSON.parse's "Unexpected token" become sentences that say what to do. The
 * API keeps its precise `errors`; only the UI's edge calls this. Pure; each
 * mapping is table-tested in test/ui-plain-words.test.ts.
 */
import type { ExecutionFailure } from "../engine/outcomes";
import type { ProblemFieldError } from "../problem";
import type { ZodIssue } from "../registry/draft-check";

/** What the editor's fields are called inside a sentence, by field id, and the unit of a number. */
const FIELD_NOUNS: Record<string, { noun: string; unit?: string }> = {
  name: { noun: "the name" },
  description: { noun: "the description" },
  method: { noun: "the method" },
  endpoint_url: { noun: "the endpoint URL" },
  timeout: { noun: "the timeout", unit: " seconds" },
  max_response_bytes: { noun: "the largest response", unit: " bytes" },
  body_format: { noun: "the body format" },
  function_name: { noun: "the function" },
  output_schema: { noun: "the output schema" },
  input_schema: { noun: "the input schema" },
  input_mapping: { noun: "the input mapping" },
  params: { noun: "the parameters" },
  headers: { noun: "the headers" },
  "auth-type": { noun: "the authentication" },
  api_key_name: { noun: "the header or parameter name" },
  api_key_location: { noun: "where the key is sent" },
  token_url: { noun: "the token URL" },
  client_id: { noun: "the client ID" },
  oauth_scope: { noun: "the scope" },
  audience: { noun: "the audience" },
  client_auth_method: { noun: "the client authentication" },
  bearer_token: { noun: "the bearer token" },
  api_key_value: { noun: "the API key value" },
  client_secret: { noun: "the client secret" },
  retry_enabled: { noun: "the retries" },
  retry_max_attempts: { noun: "the number of attempts" },
  retry_base_delay_ms: { noun: "the first delay", unit: " ms" },
  retry_max_delay_ms: { noun: "the longest delay", unit: " ms" },
};

const ROW_NOUNS: Record<string, string> = {
  name: "the parameter name",
  type: "the type",
  location: "where it is sent",
  wire_name: "the name in the request",
  description: "the parameter description",
  default_value: "the default value",
  allowed_values: "the allowed values",
};

/** A field's noun ("the timeout"), for a field id of the editor. */
export function nounFor(field: string): string {
  const known = FIELD_NOUNS[field]?.noun;
  if (known) return known;
  const row = /^param-\d+-(.+)$/.exec(field)?.[1];
  if (row) return ROW_NOUNS[row] ?? "this parameter";
  if (/^header-\d+-name$/.test(field)) return "the header name";
  if (/^header-\d+-value$/.test(field)) return "the header value";
  return "this field";
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The characters a tool name cannot have, each once, named so that a space or a dot can be seen. */
export function badNameCharacters(name: string): string[] {
  return [...new Set(name.replace(/[A-Za-z0-9_-]/g, ""))].map((ch) => CHARACTER_NAMES[ch] ?? `“${ch}”`);
}

const CHARACTER_NAMES: Record<string, string> = {
  " ": "space",
  "\t": "tab",
  ".": "“.” (dot)",
  ",": "“,” (comma)",
};

/** "a", "a and b", "a, b and c". */
export function listInWords(items: readonly string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** Why a tool name is refused (the API's rule: 1-64 of A-Z, a-z, 0-9, _ and -), or null. */
export function nameProblemInWords(name: string): string | null {
  if (name === "") return "Fill in a name.";
  const bad = badNameCharacters(name);
  if (bad.length > 0)
    return `A name can have only letters, digits, _ and -. Not allowed: ${listInWords(bad)}. Use _ instead.`;
  if (name.length > 64) return `A name can be at most 64 characters long; this one has ${name.length}.`;
  return null;
}

/**
 * A schema issue of the tool form (zod's), about the field `field`, whose
 * submitted value is `value`.
 */
export function zodIssueInWords(issue: ZodIssue, field: string, value: unknown): string {
  const noun = nounFor(field);
  const unit = FIELD_NOUNS[field]?.unit ?? "";
  if (field === "name") return nameProblemInWords(typeof value === "string" ? value : "") ?? "Choose another name.";
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined || value === null || value === "") return `Fill in ${noun}.`;
      if (issue.expected === "int") return `Enter a whole number for ${noun}.`;
      if (issue.expected === "number") return `Enter a number for ${noun}.`;
      if (issue.expected === "object") return `${capitalized(noun)} must be a JSON object, in braces: {…}.`;
      return `${capitalized(noun)} is not the kind of value it should be (${TYPE_WORDS[issue.expected] ?? issue.expected} was expected).`;
    case "too_big":
      if (issue.origin === "string") return `${capitalized(noun)} can be at most ${issue.maximum} characters long.`;
      if (issue.origin === "array") return `${capitalized(noun)} can have at most ${issue.maximum} entries.`;
      return `${capitalized(noun)} can be at most ${issue.maximum}${unit}.`;
    case "too_small":
      if (issue.origin === "string")
        return Number(issue.minimum) <= 1
          ? `Fill in ${noun}.`
          : `${capitalized(noun)} must be at least ${issue.minimum} characters long.`;
      if (issue.origin === "array") return `${capitalized(noun)} must have at least ${issue.minimum} entries.`;
      return `${capitalized(noun)} must be at least ${issue.minimum}${unit}.`;
    case "invalid_value":
      return `Choose one of the listed options for ${noun}.`;
    case "invalid_format":
      return `${capitalized(noun)} is not written the way it should be.`;
    default:
      return apiMessageInWords(issue.message, field);
  }
}

/** The API's own messages about a tool definition (./registry/definition.ts and the rules it calls), in the form's words. */
const API_MESSAGES: [RegExp, (m: RegExpExecArray, field: string) => string][] = [
  [/^A tool named "(.+)" already exists\.$/, (m) => `A tool named "${m[1]}" already exists. Choose another name.`],
  [/^\w+ is required for (?:http_request tools|\w+ authentication)\.$/, (_m, field) => `Fill in ${nounFor(field)}.`],
  [
    /^The placeholder \{(.+)\} is not an input_schema property/,
    (m) =>
      `The endpoint URL has {${m[1]}}, but no parameter fills it. Add a parameter named ${m[1]}, sent in the path, or take {${m[1]}} out of the URL.`,
  ],
  [
    /^endpoint_url has no \{(.+)\} placeholder\.$/,
    (m) =>
      `This parameter is sent in the path, but the endpoint URL has no {${m[1]}}. Put {${m[1]}} in the URL where the value goes, or send the parameter in the query string.`,
  ],
  [/^input_schema has no property "(.+)"\.$/, (m) => `No parameter is called "${m[1]}".`],
  [
    /^(\w+) requests carry no body; map this property to query or header\.$/,
    (m) => `A ${m[1]} request has no body: send this parameter in the query string or a header.`,
  ],
  [
    /^"(.*)" is not a valid header name\.$/,
    (m) => `"${m[1]}" is not a valid header name: use letters, digits and -, without spaces.`,
  ],
  [
    /^(.+) carries credentials: use auth_config, which stores them encrypted and never returns them\.$/,
    (m) =>
      `${m[1]} carries a credential: set it up under Authentication instead, where it is stored encrypted and never shown.`,
  ],
  [
    /^(.+) is set from the request itself and cannot be configured\.$/,
    (m) => `toolgate sets ${m[1]} itself: remove it here.`,
  ],
  [
    /^\w+ contains (.+), which no header can carry, so no secret may contain it\. Paste the secret again (.+)\.$/,
    (m, field) => `${capitalized(nounFor(field))} contains ${m[1]}, which cannot be sent. Paste it again ${m[2]}.`,
  ],
  [/^max_delay_ms must be at least base_delay_ms\.$/, () => "The longest delay must be at least the first delay."],
  [
    /^URLs with credentials \(user:password@\) are not allowed; use auth_config\.$/,
    () =>
      "An address with a user name and password in it (user:password@) is not allowed: set up the credentials under Authentication.",
  ],
  [
    /^Plain http is not allowed; use https \(ALLOW_HTTP permits http\)\.$/,
    () => "Use https: plain http is not allowed here. (Whoever runs toolgate can allow it with ALLOW_HTTP.)",
  ],
  [/^function_name must be one of: /, () => "Choose one of the built-in functions."],
  [
    /^The top level of input_schema must be "type": "object"/,
    () => 'The input schema must describe an object ("type": "object"): a tool\'s inputs are named.',
  ],
  [
    /^(\w+) only applies? to (?:http_request|function) tools\.$/,
    (_m, field) => `Leave ${nounFor(field)} empty for this kind of tool.`,
  ],
];

/** Names the API uses for fields, as the form calls them, for a message no rule above rewrites. */
const API_FIELD_WORDS: [RegExp, string][] = [
  [/\bauth_config\.value\b/g, "the API key value"],
  [/\bauth_config\.token\b/g, "the bearer token"],
  [/\bauth_config\.client_secret\b/g, "the client secret"],
  [/\bauth_config\.client_id\b/g, "the client ID"],
  [/\bauth_config\b/g, "Authentication"],
  [/\bendpoint_url\b/g, "the endpoint URL"],
  [/\btoken_url\b/g, "the token URL"],
  [/\binput_schema\b/g, "the input schema"],
  [/\boutput_schema\b/g, "the output schema"],
  [/\binput_mapping\b/g, "the input mapping"],
  [/\bkey_name\b/g, "the header or parameter name"],
  [/\bclient_id\b/g, "the client ID"],
  [/\bclient_secret\b/g, "the client secret"],
  [/\bmax_response_bytes\b/g, "the largest response"],
];

/** A message of the API's about a tool definition, in the form's words. */
export function apiMessageInWords(message: string, field: string): string {
  for (const [pattern, words] of API_MESSAGES) {
    const match = pattern.exec(message);
    if (match) return words(match, field);
  }
  let out = message;
  // Not inside a JSON Pointer ("/input_schema/definitions/a"), which must stay as written to be found.
  for (const [pattern, words] of API_FIELD_WORDS)
    out = out.replace(pattern, (found, offset: number, whole: string) => (whole[offset - 1] === "/" ? found : words));
  return capitalized(out);
}

/** JSON Schema types as a person says them. */
const TYPE_WORDS: Record<string, string> = {
  string: "text",
  number: "a number",
  integer: "a whole number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  null: "null",
};

const FORMAT_WORDS: Record<string, string> = {
  email: "an email address",
  uri: "a full web address, such as https://example.com/",
  url: "a full web address, such as https://example.com/",
  date: "a date, such as 2025-01-31",
  "date-time": "a date and time, such as 2025-01-31T12:00:00Z",
  time: "a time, such as 12:00:00Z",
  uuid: "a UUID",
  ipv4: "an IPv4 address",
  ipv6: "an IPv6 address",
  hostname: "a host name",
};

/**
 * One JSON Schema validation error (the engine's `{ path, keyword, message }`,
 * from @cfworker/json-schema) in words. For an input, `label` names the
 * field; for an output, the path is named instead ("At price:").
 */
export function schemaErrorInWords(error: ProblemFieldError, role: "input" | "output"): string {
  const message = error.message;
  const number = (pattern: RegExp) => pattern.exec(message)?.[1];
  const sentence = ((): string => {
    switch (error.keyword) {
      case "required":
        return role === "input" ? "Fill in this field." : "It is missing, and the output schema requires it.";
      case "type": {
        const expected = /Expected "([^"]+)"/.exec(message)?.[1]?.split('", "') ?? [];
        const got = /Instance type "([^"]+)"/.exec(message)?.[1];
        const wanted = listInWords(expected.map((t) => TYPE_WORDS[t] ?? t)).replace(/ and ([^,]*)$/, " or $1");
        return role === "input"
          ? `Enter ${wanted}.`
          : `${capitalized(wanted)} was expected, but the API sent ${TYPE_WORDS[got ?? ""] ?? got ?? "something else"}.`;
      }
      case "enum":
        return role === "input"
          ? "Choose one of the allowed values."
          : "It is not one of the values the output schema allows.";
      case "const":
        return "It must be exactly the value the schema names.";
      case "minimum":
      case "exclusiveMinimum":
        return `It must be ${error.keyword === "minimum" ? "at least" : "more than"} ${number(/less than (?:or equal to )?\s*(-?[\d.e+-]+)\.$/) ?? "the smallest value allowed"}.`;
      case "maximum":
      case "exclusiveMaximum":
        return `It must be ${error.keyword === "maximum" ? "at most" : "less than"} ${number(/greater than (?:or equal to )?\s*(-?[\d.e+-]+)\.$/) ?? "the largest value allowed"}.`;
      case "multipleOf":
        return `It must be a multiple of ${number(/multiple of (-?[\d.e+-]+)\.$/) ?? "the step the schema sets"}.`;
      case "minLength":
        return `It must have at least ${number(/< (\d+)\)\.$/) ?? "more"} characters.`;
      case "maxLength":
        return `It can have at most ${number(/> (\d+)\)\.$/) ?? "fewer"} characters.`;
      case "pattern":
        return "It does not have the form the schema expects (its pattern).";
      case "format": {
        const format = /format "([^"]+)"/.exec(message)?.[1] ?? "";
        return `It must be ${FORMAT_WORDS[format] ?? `in the format “${format}”`}.`;
      }
      case "minItems":
        return `The list must have at least ${number(/< (\d+)\)\.$/) ?? "more"} items.`;
      case "maxItems":
        return `The list can have at most ${number(/> (\d+)\)\.$/) ?? "fewer"} items.`;
      case "uniqueItems":
        return /too large/.test(message) ? message : "Each item of the list must be different.";
      case "false":
      case "additionalProperties":
        return role === "input" ? "The tool takes no input by this name." : "The output schema does not allow it.";
      case "minProperties":
      case "maxProperties":
        return "It has too few or too many properties.";
      default:
        return role === "input"
          ? "This value is not one the tool's input schema accepts."
          : "It does not match the output schema.";
    }
  })();
  if (role === "input") return sentence;
  const where = pointerInWords(error.path.replace(/^\/output/, ""));
  return where ? `At ${where}: ${sentence}` : `The response: ${sentence}`;
}

/** `/items/0/price` as "items → 0 → price"; "" for the whole value. */
export function pointerInWords(pointer: string): string {
  if (pointer === "" || pointer === "/") return "";
  return pointer
    .split("/")
    .slice(1)
    .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"))
    .join(" → ");
}

/**
 * Why `text` is not JSON, in words, for a JSON.parse error: where the mistake
 * is (line and column, from the position the engine reports) and what is
 * usually wrong there. Never the engine's message, which quotes the input.
 */
export function jsonSyntaxInWords(text: string, err: unknown): string {
  return `This is not valid JSON: ${jsonMistakeInWords(text, err)}`;
}

/** Where and what the mistake of jsonSyntaxInWords is, as the end of a sentence ("it ends too soon. …"). */
export function jsonMistakeInWords(text: string, err: unknown): string {
  const detail = err instanceof Error ? err.message : "";
  const position = /position (\d+)/.exec(detail)?.[1];
  if (position === undefined || /end of (?:JSON )?input|Unterminated/i.test(detail))
    return "it ends too soon. A closing quote, ] or } is missing.";
  const before = text.slice(0, Number(position));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `there is a mistake at line ${line}, column ${column}. Look for a missing comma, quote or bracket, or a comma too many, just before it.`;
}

/** The secret fields of an OpenAPI import request, as the Import page labels them. */
const IMPORT_SECRET_WORDS: Record<string, string> = {
  value: "the API key value",
  token: "the bearer token",
  client_id: "the OAuth2 client ID",
  client_secret: "the OAuth2 client secret",
};

export function importSecretsInWords(fields: readonly string[]): string {
  return listInWords(fields.map((f) => IMPORT_SECRET_WORDS[f] ?? f));
}

/** A message of the OpenAPI import (a skipped operation's detail, a refused request), in the Import page's words. */
export function importMessageInWords(message: string): string {
  const needs = /^Its (security scheme "[^"]*"|auth) needs (.+): send (.+)\.$/.exec(message);
  if (needs) {
    const fields = (needs[3] ?? "").split(" and ").map((f) => f.replace(/^auth_config\./, ""));
    return `Its ${needs[1]} needs ${importSecretsInWords(fields)}: enter ${fields.length === 1 ? "it" : "them"} under Secrets, then preview again.`;
  }
  return apiMessageInWords(message, "");
}

/**
 * What happened in a failed run, as the test panel's heading: in words that
 * say whose side the problem is on and what to try, instead of the HTTP
 * reason of toolgate's own answer ("Bad Gateway" for every upstream trouble).
 */
export function failureInWords(failure: ExecutionFailure): string {
  switch (failure.kind) {
    case "input_invalid":
      return "The input is not what the tool takes: see the fields marked below.";
    case "output_invalid":
      return "The API answered, but its response does not match the output schema. Update the output schema, or check the API.";
    case "upstream_status": {
      const status = failure.upstreamStatus;
      if (status === 401 || status === 403)
        return `The API refused the credentials (HTTP ${status}). Check the key or token under Authentication.`;
      if (status === 404)
        return "The API answered HTTP 404: nothing is at this address. Check the endpoint URL and the inputs in its path.";
      if (status === 429) return "The API answered HTTP 429: too many requests. Wait a moment, then try again.";
      if (status >= 500) return `The API failed on its side (HTTP ${status}). Try again later.`;
      return `The API refused the request (HTTP ${status}). Its answer below says why.`;
    }
    case "upstream_unparseable":
      return `The API answered (HTTP ${failure.upstreamStatus}), but not with JSON.`;
    case "response_too_large":
      return `The API's response is larger than this tool allows (${failure.limitBytes} bytes). Raise "Largest response" under Advanced, or ask for less.`;
    case "outbound_blocked":
      return "toolgate does not send requests to this address (a private or blocked network). Use a public address.";
    case "too_many_redirects":
      return `The API sent the request on more than ${failure.limit} redirects. Use the address it finally answers at.`;
    case "outbound_config_invalid":
      return "This toolgate's outbound settings are invalid, so nothing is sent. Whoever runs it must fix them.";
    case "timeout":
      return failure.phase === "token"
        ? `The token URL did not answer within ${failure.timeoutSeconds} s. Check it, or raise the timeout.`
        : `The API did not answer within ${failure.timeoutSeconds} s. Try again, or raise the timeout.`;
    case "network_error":
      return failure.phase === "token"
        ? "The token URL could not be reached. Check its host name, and that the server is up."
        : "The API could not be reached. Check the endpoint URL's host name, and that the API is up.";
    case "token_error":
      return failure.tokenStatus === 401 || failure.oauthError === "invalid_client"
        ? "The token URL refused the client ID or client secret. Check them under Authentication."
        : "No access token could be had from the token URL. Check the OAuth2 settings under Authentication.";
    case "secrets_unavailable":
      return failure.owner?.kind === "connection"
        ? "The connection's stored secret cannot be used. Enter it again on the connection, then save."
        : "The stored secret cannot be used. Enter it again under Authentication, then save.";
    case "connection_not_ready":
      return failure.status === "missing"
        ? "This tool's connection no longer exists. Choose another one under Authentication."
        : `The connection${failure.connectionName ? ` ${failure.connectionName}` : ""} is not ready yet: finish setting it up, then run again.`;
    case "function_failed":
      return "The built-in function failed on this input.";
    case "tool_damaged":
      return "This tool's stored definition cannot be read. Edit it and save it again, or delete it.";
    case "internal_error":
      return "Something went wrong inside toolgate. Try again; if it keeps failing, tell whoever runs it.";
  }
}
