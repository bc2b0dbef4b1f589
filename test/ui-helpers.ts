/**
 * Helpers for the web UI's HTML routes: signing in (a session cookie), GET
 * and form POST with that cookie and its CSRF token, and reading pages.
 */
import { env, SELF } from "cloudflare:test";
import { ADMIN_TOKEN, randomClientAddress } from "./helpers";

export const ORIGIN = "https://toolgate.test";

export interface UiSession {
  cookie: string;
  csrf: string;
}

/** Signs in through the form; returns the session cookie and the CSRF token of its pages. */
export async function signIn(token: string = ADMIN_TOKEN): Promise<UiSession> {
  const res = await postForm("/ui/sign-in", { token }, null);
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const page = await getPage("/ui", { cookie, csrf: "" });
  return { cookie, csrf: csrfOf(await page.text()) };
}

export function getPage(path: string, session: UiSession | null, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", randomClientAddress());
  if (session) headers.set("cookie", session.cookie);
  return SELF.fetch(`${ORIGIN}${path}`, { ...init, headers, redirect: "manual" });
}

/** A form POST as a browser sends it: urlencoded, same Origin, the session's cookie and CSRF token. */
export function postForm(
  path: string,
  fields: Record<string, string> | [string, string][],
  session: UiSession | null,
  headers: Record<string, string> = {},
): Promise<Response> {
  const body = new URLSearchParams(Array.isArray(fields) ? fields : Object.entries(fields));
  if (session && !body.has("_csrf")) body.set("_csrf", session.csrf);
  return SELF.fetch(`${ORIGIN}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "cf-connecting-ip": randomClientAddress(),
      origin: ORIGIN,
      ...(session ? { cookie: session.cookie } : {}),
      ...headers,
    },
    body,
    redirect: "manual",
  });
}

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error("page has no CSRF token");
  return match[1];
}

/** The value attribute of the input with this id, HTML entities decoded. */
export function inputValue(html: string, id: string): string | null {
  const tag = new RegExp(`<input[^>]*\\bid="${id}"[^>]*>`).exec(html)?.[0];
  if (!tag) return null;
  const value = /\bvalue="([^"]*)"/.exec(tag)?.[1];
  return value === undefined ? null : decodeEntities(value);
}

/** The text of the textarea with this id. */
export function textareaValue(html: string, id: string): string | null {
  const match = new RegExp(`<textarea[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html);
  return match ? decodeEntities(match[1] ?? "") : null;
}

/** The messages shown next to a field (its `<id>-error` element). */
export function fieldError(html: string, id: string): string | null {
  const match = new RegExp(`<p class="field-error" id="${id}-error">([\\s\\S]*?)</p>`).exec(html);
  return match ? decodeEntities(match[1] ?? "") : null;
}

export function decodeEntities(text: string): string {
  return text
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

export type FormPairs = [string, string][];

const CONTROL = /<input\b[^>]*>|<select\b[^>]*>[\s\S]*?<\/select>|<textarea\b[^>]*>[\s\S]*?<\/textarea>/g;

function attributesOf(tag: string): Map<string, string> {
  const open = /^<[a-z]+\b[^>]*>/.exec(tag)?.[0] ?? "";
  const attrs = new Map<string, string>();
  for (const m of open.matchAll(/\s([a-zA-Z_:][-\w:.]*)(?:="([^"]*)")?/g))
    attrs.set(m[1] ?? "", decodeEntities(m[2] ?? ""));
  return attrs;
}

/** The markup of the form posting to `action` (the first, when there are several), whatever #fragment its action names. */
export function formHtml(html: string, action: string): string {
  const start = html.search(new RegExp(`action="${action.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(#[^"]*)?"`));
  if (start < 0) throw new Error(`page has no form posting to ${action}`);
  const end = html.indexOf("</form>", start);
  return html.slice(start, end);
}

/**
 * What a browser submits for the form posting to `action`, in document order,
 * without pressing any button: text inputs and hidden inputs with their value,
 * checked checkboxes, each select's selected (or first) option, textareas.
 */
export function formFields(html: string, action: string): FormPairs {
  const pairs: FormPairs = [];
  for (const [control] of formHtml(html, action).matchAll(CONTROL)) {
    const attrs = attributesOf(control);
    const name = attrs.get("name");
    if (!name || attrs.has("disabled")) continue;
    if (control.startsWith("<input")) {
      const type = attrs.get("type") ?? "text";
      if (["submit", "button", "reset", "image"].includes(type)) continue;
      if ((type === "checkbox" || type === "radio") && !attrs.has("checked")) continue;
      pairs.push([name, attrs.get("value") ?? (type === "checkbox" ? "on" : "")]);
    } else if (control.startsWith("<select")) {
      const options = [...control.matchAll(/<option\b[^>]*>/g)].map(([o]) => attributesOf(o));
      const chosen = options.find((o) => o.has("selected")) ?? options[0];
      pairs.push([name, chosen?.get("value") ?? ""]);
    } else {
      pairs.push([name, decodeEntities(/^<textarea\b[^>]*>([\s\S]*?)<\/textarea>$/.exec(control)?.[1] ?? "")]);
    }
  }
  return pairs;
}

/** `pairs` with each named field set to its value (added when absent, e.g. a checkbox being checked); null removes it. */
export function withFields(pairs: FormPairs, changes: Record<string, string | null>): FormPairs {
  const out: FormPairs = pairs.filter(([name]) => !(name in changes) || changes[name] !== null);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) continue;
    const at = out.findIndex(([n]) => n === name);
    if (at >= 0) out[at] = [name, value];
    else out.push([name, value]);
  }
  return out;
}

/** The value a form holds for `name`, or undefined when it sends none. */
export function fieldValue(pairs: FormPairs, name: string): string | undefined {
  return pairs.find(([n]) => n === name)?.[1];
}

/** Fills in the form posting to `action` and presses the button `_action` (null: the form's default submit). */
export async function submitForm(
  html: string,
  action: string,
  session: UiSession,
  changes: Record<string, string | null> = {},
  button: string | null = "save",
): Promise<{ res: Response; html: string; sent: FormPairs }> {
  const sent = withFields(formFields(html, action), changes);
  const res = await postForm(action, button === null ? sent : [...sent, ["_action", button]], session);
  return { res, html: await res.text(), sent };
}

/** The ids of the controls a person fills in (not hidden inputs or buttons); "" for one without an id. */
export function controlIds(html: string): string[] {
  const ids: string[] = [];
  for (const [control] of html.matchAll(CONTROL)) {
    const attrs = attributesOf(control);
    if (control.startsWith("<input") && ["hidden", "submit", "button"].includes(attrs.get("type") ?? "text")) continue;
    ids.push(attrs.get("id") ?? "");
  }
  return ids;
}

/** The controls (by id) that no `<label for>` names. */
export function unlabelledControls(html: string): string[] {
  const labelled = new Set([...html.matchAll(/<label\b[^>]*\bfor="([^"]+)"/g)].map((m) => m[1]));
  return controlIds(html).filter((id) => !labelled.has(id));
}

/** The text of an element as read: block tags become spaces, other tags go, entities decoded, whitespace collapsed. */
export function textOf(fragment: string): string {
  return decodeEntities(
    fragment
      .replace(/<\/?(?:p|div|ul|ol|li|dl|dt|dd|h\d|br|table|tr|td|th|section)\b[^>]*>/g, " ")
      .replace(/<[^>]+>/g, ""),
  )
    .replace(/\s+/g, " ")
    .trim();
}

/** A page's `<dt>` → `<dd>` facts (the tool page's run result, an execution's details), as text. */
export function factsOf(html: string): Record<string, string> {
  const facts: Record<string, string> = {};
  for (const m of html.matchAll(/<dt>([\s\S]*?)<\/dt><dd>([\s\S]*?)<\/dd>/g))
    facts[textOf(m[1] ?? "")] = textOf(m[2] ?? "");
  return facts;
}

/** The texts of the page's `<pre><code>` blocks (pretty JSON), decoded. */
export function codeBlocks(html: string): string[] {
  return [...html.matchAll(/<pre><code>([\s\S]*?)<\/code><\/pre>/g)].map((m) => decodeEntities(m[1] ?? ""));
}

/** The text of the error summary at the top of a form, or null. */
export function errorSummary(html: string): string | null {
  const match = /<div class="error-summary"[^>]*>([\s\S]*?)<\/div>/.exec(html);
  return match ? textOf(match[1] ?? "") : null;
}

/** The random session id a session cookie holds. */
export function sessionIdOf(session: UiSession): string {
  return session.cookie.slice(session.cookie.indexOf("=") + 1);
}

/** What `ui_sessions.id` holds for a session id: base64url of its SHA-256, never the id itself. */
export async function sessionHash(id: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(id)));
  return btoa(String.fromCharCode(...digest))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** The `ui_sessions` row of a session id, straight from D1, or null. */
export async function sessionRow(id: string): Promise<Record<string, unknown> | null> {
  return env.DB.prepare("SELECT * FROM ui_sessions WHERE id = ?")
    .bind(await sessionHash(id))
    .first();
}

/** The stored tool with this name, straight from D1, or null: for checking that a refused form created nothing. */
export async function toolNamed(name: string): Promise<{ id: string; version: number } | null> {
  return env.DB.prepare("SELECT id, version FROM tools WHERE name = ?").bind(name).first();
}

/** Opens a tool's page, fills in its test panel (`in.<name>` fields) and presses Run. */
export async function runFromPanel(
  session: UiSession,
  toolId: string,
  values: Record<string, string | null> = {},
): Promise<{ res: Response; html: string }> {
  const page = await (await getPage(`/ui/tools/${toolId}`, session)).text();
  const { res, html } = await submitForm(page, `/ui/tools/${toolId}/run`, session, values, null);
  return { res, html };
}

/** The execution id the run result links to. */
export function executionIdOf(html: string): string {
  const id = /<a href="\/ui\/executions\/([0-9a-f-]{36})">/.exec(html)?.[1];
  if (!id) throw new Error("page shows no run");
  return id;
}

/** The tool id of a `/ui/tools/<id>?saved=1` redirect after a save. */
export function savedToolId(res: Response): string {
  const id = /^\/ui\/tools\/([0-9a-f-]{36})\?saved=1$/.exec(res.headers.get("location") ?? "")?.[1];
  if (res.status !== 303 || !id) throw new Error(`not saved: ${res.status} ${res.headers.get("location")}`);
  return id;
}

/** The texts of the page's status messages (notices and confirmations, `role="status"`). */
export function statusMessages(html: string): string[] {
  return [...html.matchAll(/<p class="[^"]*" role="status">([\s\S]*?)<\/p>/g)].map((m) => textOf(m[1] ?? ""));
}

/** Ids used by more than one element (a `<label for>` can only name one). */
export function duplicateIds(html: string): string[] {
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1] ?? "");
  return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
}
