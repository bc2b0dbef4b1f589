/**
 * A cURL command, as browsers' "Copy as cURL" or an API's documentation
 * writes it (bash or cmd), into a tool draft: the body of a POST /tools that
 * makes the same request. Pure: nothing is fetched, stored or run.
 *
 * The credential becomes auth_config, and its value appears nowhere else in
 * the draft or the warnings (./curl-credentials.ts). A placeholder where a
 * value goes ($OPENAI_API_KEY, <YOUR-TOKEN>) is never kept: the draft lacks
 * that value, and `needs` says what to enter (./curl-placeholders.ts). The
 * literal values of the query, the body and numeric or UUID path segments
 * become inputs whose defaults are those values, so the draft executed with
 * no input sends what curl would have sent. docs/curl-import.md is the
 * user's account of this.
 */
import { METHODS } from "../api/schemas";
import { isValidHeaderValue, type BodyFormat, type HttpMethod, type InputMapping } from "../engine/request";
import { isShortSecret, SHORT_SECRET_CHARACTERS } from "../engine/redact";
import { DRAFT_07 } from "../registry/infer-schema";
import { readCurlArguments, type CurlCommand } from "./curl-command";
import {
  containsSecret,
  credentialFromUser,
  jsonContainsSecret,
  looksLikeCredential,
  type Credential,
  type DraftAuth,
} from "./curl-credentials";
import { sortHeaders } from "./curl-headers";
import {
  askForVariable,
  credentialNeed,
  headerVariables,
  inputNeeds,
  isPlaceholder,
  placeholdersIn,
  type DraftNeed,
} from "./curl-placeholders";
import { inputsToSchema, joinData, pathParameters, readBody, readQuery, type Literal } from "./curl-inputs";
import { detectDialect, splitWords } from "./shell-words";

export interface ToolDraft {
  name: string;
  description: string;
  execution_type: "http_request";
  method: HttpMethod;
  endpoint_url: string;
  headers: Record<string, string>;
  timeout?: number;
  auth_config: DraftAuth;
  input_schema: {
    $schema: string;
    type: "object";
    properties: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  input_mapping: InputMapping;
  body_format?: BodyFormat;
}

export type CurlImportFailureReason =
  "not_curl" | "unterminated_quote" | "no_url" | "invalid_url" | "unsupported_method" | "credential_in_url";

export type CurlImportResult =
  | { ok: true; draft: ToolDraft; warnings: string[]; needs: DraftNeed[] }
  | { ok: false; reason: CurlImportFailureReason; detail: string };

/** The longest name on the wire an input mapping takes. */
const MAX_WIRE_NAME = 256;

const fail = (reason: CurlImportFailureReason, detail: string): CurlImportResult => ({ ok: false, reason, detail });

export function curlToToolDraft(command: string): CurlImportResult {
  const split = splitWords(command, detectDialect(command));
  if (!split.ok) return fail("unterminated_quote", split.detail);
  const words = split.words[0] === "$" ? split.words.slice(1) : split.words;
  if (!/^(?:.*[\\/])?curl(?:\.exe)?$/i.test(words[0] ?? ""))
    return fail("not_curl", "This is not a curl command: it must start with curl.");

  const warnings: string[] = [];
  if (split.truncated)
    warnings.push("Only the curl command was read; what follows it (after ; & | < > or a line break) was ignored.");
  const curl = readCurlArguments(words.slice(1));
  warnings.push(...curl.notes);

  const target = readUrl(curl, warnings);
  if (!target.ok) return target;
  const { url } = target;

  const method = methodOf(curl);
  if (!(METHODS as readonly string[]).includes(method))
    return fail(
      "unsupported_method",
      `toolgate tools use GET, POST, PUT, PATCH or DELETE; this command sends ${method.slice(0, 20)}.`,
    );
  const toolMethod = method as HttpMethod;

  const sorted = sortHeaders(curl.headers);
  warnings.push(...sorted.warnings);
  const headers = sorted.headers;
  if (sorted.cookies || curl.cookies)
    warnings.push(
      "Left out the cookies (-b or a Cookie header): they are a browser session's credentials, and a credential may only go in auth_config. If the API needs a session cookie, use an API key or token instead.",
    );

  const query = readQuery(url.search.slice(1));
  // An Authorization header replaces the one curl would make from -u or --oauth2-bearer.
  const fromFlags = flagCredentials(curl, url, warnings);
  if (sorted.authorization.length > 0 && fromFlags.length > 0)
    warnings.push(
      `Left out ${fromFlags.map((c) => c.source).join(" and ")}: the Authorization header replaces it, as in curl.`,
    );
  const credentials = [
    ...sorted.authorization,
    ...(sorted.authorization.length > 0 ? [] : fromFlags),
    ...sorted.apiKeys,
    ...query.credentials,
  ];
  const chosen = credentials[0];
  for (const other of credentials.slice(1))
    warnings.push(
      `Left out ${other.source}, a second credential: a tool holds one, and ${chosen?.source} was used. The tool does not send ${other.source}, so calls fail if the API needs both.`,
    );
  if (chosen?.note) warnings.push(chosen.note);
  const needs: DraftNeed[] = [];
  // A placeholder ($OPENAI_API_KEY, <YOUR-TOKEN>) is not a credential: the draft asks for the value instead.
  const placeholder = chosen ? credentialNeed(chosen) : null;
  if (placeholder) {
    needs.push(placeholder.need);
    warnings.push(
      `The credential in the command is a placeholder (${placeholder.need.placeholders.join(", ")}), so auth_config is left without it. ${placeholder.need.detail}`,
    );
  } else if (chosen) warnings.push(...credentialWarnings(chosen.auth));
  const secrets = [...credentials, ...fromFlags].flatMap((c) => c.secrets).filter((s) => !isPlaceholder(s));

  if (secrets.some((secret) => containsSecret(url.pathname, secret)))
    return fail(
      "credential_in_url",
      "The URL's path contains the credential, and a tool's URL is not secret. Remove it from the path, import again, and put it in auth_config.",
    );

  const body = readBody(curl, toolMethod, headers, warnings);
  const path = pathParameters(url.pathname);
  // A query, body or header value that is one shell variable ($CHAT_ID) is asked for, like a path variable.
  const literals: Literal[] = [...path.literals, ...query.literals, ...body.literals, ...headerVariables(headers)].map(
    askForVariable,
  );

  // Anything else that still carries a credential goes, with a warning that does not repeat it.
  const inputs = literals.filter((literal) => {
    if (containsSecretAnywhere([literal.wire, literal.value], secrets)) {
      warnings.push(`Left out a ${literal.in} parameter that contains the credential.`);
      return false;
    }
    if (literal.wire === "" || literal.wire.length > MAX_WIRE_NAME) {
      warnings.push(
        `Left out a ${literal.in} parameter whose name is empty or longer than ${MAX_WIRE_NAME} characters: no input can be mapped to it.`,
      );
      return false;
    }
    return true;
  });
  for (const { in: where, wire } of inputs)
    if ((where === "query" || where === "body") && looksLikeCredential(wire))
      warnings.push(
        `The ${where === "body" ? "body field" : "query parameter"} "${wire}" looks like a credential; it became an input whose default is stored in plaintext and shown to anyone who can read the tool.`,
      );
  for (const [name, value] of Object.entries(headers))
    if (containsSecretAnywhere([value], secrets)) {
      delete headers[name];
      warnings.push(`Left out the ${name} header: it contains the credential.`);
    }
  const rawQuery = query.verbatim.filter((part) => {
    const leaks = containsSecretAnywhere([part], secrets);
    if (leaks) warnings.push("Left out a query parameter that contains the credential.");
    return !leaks;
  });

  const { properties, mapping, names, required } = inputsToSchema(inputs);
  needs.push(...inputNeeds(inputs, names, warnings));
  const endpointUrl = `${url.protocol}//${url.host}${path.template}${rawQuery.length > 0 ? `?${rawQuery.join("&")}` : ""}`;
  const draft: ToolDraft = {
    name: toolName(toolMethod, url.hostname, path.literalSegments),
    description: `Imported from a cURL command: ${toolMethod} ${endpointUrl}`,
    execution_type: "http_request",
    method: toolMethod,
    endpoint_url: endpointUrl,
    headers,
    ...timeoutOf(curl, warnings),
    auth_config: placeholder?.auth ?? chosen?.auth ?? { type: "none" },
    input_schema: { $schema: DRAFT_07, type: "object", properties, ...(required.length > 0 ? { required } : {}) },
    input_mapping: mapping,
    ...(body.format ? { body_format: body.format } : {}),
  };

  // The last word on secrets: whatever the steps above missed (a host, say) fails the import.
  const { auth_config: _auth, ...rest } = draft;
  if (containsSecretAnywhere([rest, warnings, needs], secrets))
    return fail(
      "credential_in_url",
      "The credential also appears in the URL where it cannot be taken out. Remove it from there, import again, and put it in auth_config.",
    );
  // Added after that check: it names variables ($API_KEY), which are what was typed instead of a secret.
  const asked = new Set(needs.flatMap((need) => need.placeholders.map(variableOf)));
  const kept = split.expansions.filter((expansion) => !asked.has(variableOf(expansion)));
  if (kept.length > 0)
    warnings.unshift(
      `Shell expansions were not run and stay as written: ${kept.join(", ")}. Replace them with their values.`,
    );
  return { ok: true, draft, warnings, needs };
}

/** The variable an expansion or placeholder names (`$A`, `${A…}` → A), or the text itself. */
function variableOf(text: string): string {
  return /^\$\{?([A-Za-z_][A-Za-z0-9_]*)/.exec(text)?.[1] ?? text;
}

function containsSecretAnywhere(values: unknown[], secrets: readonly string[]): boolean {
  return secrets.length > 0 && jsonContainsSecret(values, secrets);
}

function readUrl(curl: CurlCommand, warnings: string[]): { ok: true; url: URL } | (CurlImportResult & { ok: false }) {
  // An unknown option's value may have been read as a URL: prefer one that says http(s).
  const raw = curl.urls.find((u) => /^https?:\/\//i.test(u)) ?? curl.urls[0];
  if (raw === undefined || raw.trim() === "") return { ok: false, reason: "no_url", detail: "The command has no URL." };
  if (curl.urls.length > 1) warnings.push("The command names more than one URL; the tool calls the first http(s) one.");
  // Browsers escape curl's URL globbing characters ([ ] { }) with a backslash; curl reads them literally.
  let text = raw.trim().replace(/\\([[\]{}])/g, "$1");
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) {
    text = `https://${text}`;
    warnings.push("The URL has no scheme; https:// was assumed (curl itself would use http://).");
  }
  // A tool's host is fixed (no {placeholders} there), so a host written as a placeholder cannot become an input.
  const host = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^/?#]*@)?([^/?#]*)/.exec(text)?.[1] ?? "";
  const hostPlaceholders = placeholdersIn(host);
  if (hostPlaceholders.length > 0)
    return {
      ok: false,
      reason: "invalid_url",
      detail: `The URL's host has ${hostPlaceholders.join(", ").slice(0, 100)}, a placeholder; a tool's host is fixed. Put your value in the command and import it again.`,
    };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: "invalid_url", detail: "The URL is not a valid absolute URL." };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return {
      ok: false,
      reason: "invalid_url",
      detail: `toolgate tools call http or https URLs, not ${url.protocol.slice(0, -1).slice(0, 20)}.`,
    };
  url.hash = "";
  if (curl.get && curl.data.length > 0) {
    const data = joinData(curl);
    url.search = url.search.length > 1 ? `${url.search.slice(1)}&${data}` : data;
  }
  return { ok: true, url };
}

/** The method curl would send. */
function methodOf(curl: CurlCommand): string {
  if (curl.method !== null) return curl.method.toUpperCase();
  if (curl.head) return "HEAD";
  if (curl.get) return "GET";
  if (curl.data.length > 0 || curl.multipart) return "POST";
  if (curl.upload) return "PUT";
  return "GET";
}

/** `--oauth2-bearer`, `-u`, and credentials in the URL's userinfo (which are taken out of the URL). */
function flagCredentials(curl: CurlCommand, url: URL, warnings: string[]): Credential[] {
  const found: Credential[] = [];
  if (curl.oauth2Bearer !== null)
    found.push({
      auth: { type: "bearer_token", token: curl.oauth2Bearer },
      source: "--oauth2-bearer",
      secrets: [curl.oauth2Bearer],
    });
  const basic = (user: string, password: string, source: string) =>
    found.push({
      ...credentialFromUser(user, password, source),
      note: `The ${source} credentials became an API key in the Authorization header ("Basic …"), which is what curl sends; toolgate has no separate Basic auth type.`,
    });
  if (curl.user !== null) {
    const colon = curl.user.indexOf(":");
    if (colon < 0)
      warnings.push(
        "-u gives no password (curl would prompt for one), so it was left out. Add the credential to auth_config.",
      );
    else basic(curl.user.slice(0, colon), curl.user.slice(colon + 1), "-u");
  }
  if (url.username !== "" || url.password !== "") {
    const user = decodeLenient(url.username);
    const password = decodeLenient(url.password);
    url.username = "";
    url.password = "";
    if (curl.user === null) basic(user, password, "the URL's user:password");
    else warnings.push("Left out the user:password in the URL: -u overrides it, as in curl.");
  }
  return found;
}

function decodeLenient(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const MAX_SECRET = 8192;

/** What the registry will refuse about the credential, said now rather than when the draft is saved, and what is unusual. */
function credentialWarnings(auth: Exclude<DraftAuth, { type: "none" }>): string[] {
  const secret = (auth.type === "bearer_token" ? auth.token : auth.value) ?? "";
  // In code points, as the API's schema counts them.
  const length = [...secret].length;
  const warnings: string[] = [];
  if (secret === "") warnings.push("The credential is empty, which toolgate refuses: fill it in before saving.");
  else if (isShortSecret(secret))
    warnings.push(
      `The credential is shorter than ${SHORT_SECRET_CHARACTERS} characters, which is unusual for a real one: check that it is complete. It is hidden in outputs and logs only where it appears as a whole value.`,
    );
  if (length > MAX_SECRET)
    warnings.push(`The credential is longer than ${MAX_SECRET} characters, which toolgate refuses.`);
  if ((auth.type === "bearer_token" || auth.location === "header") && !isValidHeaderValue(secret))
    warnings.push(
      "The credential has characters a header cannot carry (only printable ASCII or Latin-1), which toolgate refuses: replace it before saving.",
    );
  return warnings;
}

/** `post_api_example_com_v1_users`: the method, the host without www., and the literal path. */
function toolName(method: HttpMethod, hostname: string, segments: readonly string[]): string {
  const words = [method.toLowerCase(), hostname.replace(/^www\./, ""), ...segments.map(decodeLenient)];
  const name = words
    .join("_")
    .replace(/[^A-Za-z0-9_-]+/g, "_")
    .replace(/_{2,}/g, "_")
    .replace(/^[_-]+/, "")
    .slice(0, 64)
    .replace(/[_-]+$/, "");
  return name === "" ? "imported_tool" : name;
}

/** `-m`/`--max-time` seconds → the tool's timeout (whole seconds, 1-300). */
function timeoutOf(curl: CurlCommand, warnings: string[]): { timeout?: number } {
  if (curl.maxTime === null) return {};
  const seconds = Number(curl.maxTime);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    warnings.push("--max-time is not a positive number of seconds and was ignored.");
    return {};
  }
  const timeout = Math.min(300, Math.max(1, Math.ceil(seconds)));
  if (timeout !== seconds) warnings.push(`--max-time became a timeout of ${timeout} s (whole seconds, 1 to 300).`);
  return { timeout };
}
