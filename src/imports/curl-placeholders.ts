/**
 * Placeholders in an imported cURL command: what providers' documentation
 * writes where your own value goes (`$OPENAI_API_KEY`, `${apikey}`,
 * `<YOUR-TOKEN>`, `{access_token}`). A placeholder is never a credential or a
 * path: the draft leaves it out and says, in `needs`, which value to enter
 * where. Pure.
 */
import { pointerToken } from "../problem";
import { looksLikeCredential, type Credential, type DraftAuth } from "./curl-credentials";
import type { Literal } from "./curl-inputs";

/** A value the draft lacks, and where it goes. */
export interface DraftNeed {
  /** A JSON Pointer into the draft: the field to fill in. */
  field: string;
  /** The placeholders the command has there, as written (`$OPENAI_API_KEY`). */
  placeholders: string[];
  /** What to enter, in words. */
  detail: string;
}

/** A shell variable as written: `$NAME` or `${NAME}`. Group 1 or 2 is the name. */
const SHELL_VARIABLE = /\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})/g;

/**
 * Every placeholder form, for credentials: a shell variable, `<words>`, and
 * `{name}` or `{{name}}` (Postman's). A real credential has none of these.
 */
const PLACEHOLDER =
  /\$[A-Za-z_][A-Za-z0-9_]*|\$\{[A-Za-z_][A-Za-z0-9_]*\}|<[^<>\r\n]{1,100}>|\{\{?[A-Za-z_][\w.-]*\}\}?/g;

/** The placeholders in a text, as written, in order, without repeats. */
export function placeholdersIn(text: string): string[] {
  return [...new Set(Array.from(text.matchAll(PLACEHOLDER), (m) => m[0]))];
}

/** Whether the whole text is one placeholder. */
export function isPlaceholder(text: string): boolean {
  const found = placeholdersIn(text);
  return found.length === 1 && found[0] === text;
}

/** A whole value that is one shell variable (`$CHAT_ID`, `${CHAT_ID}`): its name, or null. */
export function shellVariableName(text: string): string | null {
  const match = /^\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})$/.exec(text);
  return match ? ((match[1] ?? match[2]) as string) : null;
}

/**
 * Shell variables in a URL path, each replaced by a `{name}` placeholder
 * (the variable's name in lower case). The URL parser has already turned
 * the braces of `${NAME}` into %7B and %7D.
 */
export function pathVariables(pathname: string): { pathname: string; variables: { name: string; written: string }[] } {
  const variables: { name: string; written: string }[] = [];
  const decodedBraces = pathname.replace(/\$%7B([A-Za-z_][A-Za-z0-9_]*)%7D/gi, "$${$1}");
  const replaced = decodedBraces.replace(SHELL_VARIABLE, (written, plain?: string, braced?: string) => {
    const name = (plain ?? braced ?? "").toLowerCase();
    if (!variables.some((v) => v.name === name)) variables.push({ name, written });
    return `{${name}}`;
  });
  return { pathname: variables.length > 0 ? replaced : pathname, variables };
}

/**
 * The credential chosen for auth_config, when it is written as a
 * placeholder: the auth_config without its secret, and what to enter.
 * Null when the credential is a real one.
 */
export function credentialNeed(
  credential: Credential,
): { auth: Exclude<DraftAuth, { type: "none" }>; need: DraftNeed } | null {
  const auth = credential.auth;
  if (auth.type === "bearer_token") {
    const token = auth.token ?? "";
    if (!isPlaceholder(token)) return null;
    return {
      auth: { type: "bearer_token" },
      need: {
        field: "/auth_config/token",
        placeholders: [token],
        detail: `Enter the bearer token: the command has ${token} where it goes.`,
      },
    };
  }
  const value = auth.value ?? "";
  const { value: _, ...withoutValue } = auth;
  const need = (placeholders: string[], detail: string) => ({
    auth: withoutValue,
    need: { field: "/auth_config/value", placeholders, detail },
  });
  if (credential.basic) {
    // Whole placeholders only, or parts of the user between slashes (Zendesk's {email}/token): a
    // real password may well contain "$word".
    const { user, password } = credential.basic;
    const found = [...new Set([...user.split("/"), password].filter(isPlaceholder))];
    if (found.length === 0) return null;
    // A password that is not a placeholder is a secret: it is not repeated.
    const written = `${user}:${isPlaceholder(password) || password === "" ? password : "<password>"}`;
    return need(
      found,
      `Enter the ${auth.key_name} header's value: "Basic ", then the base64 encoding of "${written}" with your ${found.length === 1 ? "value" : "values"} in place of ${listed(found)}. (toolgate has no Basic auth type; that value is what curl sends.)`,
    );
  }
  if (isPlaceholder(value))
    return need([value], `Enter the value of the ${auth.key_name} ${where(auth)}: the command has ${value} there.`);
  const scheme = /^(\S+)[ \t]+(\S+)$/.exec(value);
  if (auth.location === "header" && scheme && isPlaceholder(scheme[2] as string))
    return need(
      [scheme[2] as string],
      `Enter the ${auth.key_name} header's value: "${scheme[1]} " followed by your value in place of ${scheme[2]}.`,
    );
  return null;
}

/** A literal whose whole value is one shell variable becomes an input with no default (required). */
export function askForVariable(literal: Literal): Literal {
  if (typeof literal.value !== "string" || shellVariableName(literal.value) === null) return literal;
  return { ...literal, value: undefined, placeholder: literal.value };
}

/**
 * Static headers whose whole value is one shell variable (Algolia's
 * `X-Algolia-Application-Id: ${APPLICATION_ID}`), taken out of `headers` to
 * become header inputs.
 */
export function headerVariables(headers: Record<string, string>): Literal[] {
  const found: Literal[] = [];
  for (const [name, value] of Object.entries(headers))
    if (shellVariableName(value) !== null) {
      delete headers[name];
      found.push({ in: "header", wire: name, value });
    }
  return found;
}

/** What to enter for each input that has a placeholder; `names` are the inputs' property names. */
export function inputNeeds(inputs: readonly Literal[], names: readonly string[], warnings: string[]): DraftNeed[] {
  const needs: DraftNeed[] = [];
  inputs.forEach((input, i) => {
    const name = names[i] as string;
    if (input.placeholder === undefined) return;
    needs.push({
      field: `/input_schema/properties/${pointerToken(name)}/default`,
      placeholders: [input.placeholder],
      detail: `Enter your value for ${input.placeholder} as the default of the input ${name}, or give ${name} on each call: the command has ${input.placeholder} there.`,
    });
    if (input.in === "path" && looksLikeCredential(input.placeholder))
      warnings.push(
        `The URL path has ${input.placeholder}, which looks like a credential; it became the input ${name}. A tool cannot keep a credential in its path: inputs are stored in plaintext in the execution log.`,
      );
  });
  return needs;
}

function where(auth: { location: "header" | "query" }): string {
  return auth.location === "header" ? "header" : "query parameter";
}

function listed(items: string[]): string {
  return items.length === 1 ? (items[0] as string) : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
