/**
 * A browser reduced to what an OAuth redirect flow needs, speaking plain
 * HTTP: it follows redirects by hand, keeps cookies per host (with the
 * `SameSite` rules that matter here: Strict cookies stay home on a
 * cross-site navigation, Lax ones go along on a top-level GET), and submits
 * the forms of a page. No Node imports: it runs in workerd tests (toolgate
 * behind `SELF`) as well as in Node.
 */

export type Send = (request: Request) => Promise<Response>;

interface StoredCookie {
  value: string;
  sameSite: "strict" | "lax" | "none";
  secure: boolean;
  expires: number | null;
}

export interface Visit {
  url: URL;
  status: number;
  html: string;
  headers: Headers;
  /** Every URL the navigation went through, the last one included. */
  chain: URL[];
}

export interface NavigateOptions {
  method?: "GET" | "POST";
  form?: Record<string, string>;
  /** The page the navigation starts from (a link or form on it): decides what is same-site. Default: the target itself. */
  from?: string | URL;
  /** Stop following redirects when the next hop would go to this origin (and return the redirect). */
  stopAt?: string;
}

/** The registrable "site" of a URL, simplified to its scheme and host: enough for localhost vs 127.0.0.1. */
function siteOf(url: URL): string {
  return `${url.protocol}//${url.hostname}`;
}

function secureContext(url: URL): boolean {
  return url.protocol === "https:" || url.hostname === "localhost" || url.hostname === "127.0.0.1";
}

export class PlainBrowser {
  private readonly jar = new Map<string, Map<string, StoredCookie>>();
  /** Every request sent, for tests that look at what the browser carried. */
  readonly requests: { url: URL; method: string; cookies: string[] }[] = [];

  /** `send` routes a request: e.g. toolgate's origin to the Worker, anything else to the network. */
  constructor(private readonly send: Send) {}

  /** The names and values of the cookies this browser holds for `host`. */
  cookies(host: string): Record<string, string> {
    const now = Date.now();
    return Object.fromEntries(
      [...(this.jar.get(host) ?? new Map<string, StoredCookie>())]
        .filter(([, c]) => c.expires === null || c.expires > now)
        .map(([name, c]) => [name, c.value]),
    );
  }

  setCookie(host: string, name: string, value: string): void {
    const cookies = this.jar.get(host) ?? new Map<string, StoredCookie>();
    cookies.set(name, { value, sameSite: "lax", secure: false, expires: null });
    this.jar.set(host, cookies);
  }

  deleteCookie(host: string, name: string): void {
    this.jar.get(host)?.delete(name);
  }

  /** A top-level navigation, redirects followed (a 303, and a 301/302 after POST, become GET). */
  async navigate(target: string | URL, options: NavigateOptions = {}): Promise<Visit> {
    let url = new URL(target);
    let method = options.method ?? "GET";
    let body: string | undefined = options.form ? new URLSearchParams(options.form).toString() : undefined;
    const initiator = siteOf(new URL(options.from ?? url));
    let crossSite = siteOf(url) !== initiator;
    const chain: URL[] = [];
    for (let hop = 0; hop < 20; hop++) {
      chain.push(url);
      const headers = new Headers();
      const cookieHeader = this.cookieHeader(url, method, crossSite);
      if (cookieHeader) headers.set("cookie", cookieHeader);
      if (body !== undefined) headers.set("content-type", "application/x-www-form-urlencoded");
      if (method === "POST") headers.set("origin", options.from ? new URL(options.from).origin : url.origin);
      this.requests.push({
        url,
        method,
        cookies: cookieHeader ? cookieHeader.split("; ").map((c) => c.split("=")[0]!) : [],
      });
      const response = await this.send(new Request(url, { method, headers, body, redirect: "manual" }));
      this.store(url, response.headers);
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        const next = new URL(location, url);
        if (options.stopAt && next.origin === options.stopAt)
          return { url: next, status: response.status, html: "", headers: response.headers, chain: [...chain, next] };
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
          method = "GET";
          body = undefined;
        }
        // Once a redirect chain has left the initiator's site, it stays cross-site for cookies.
        crossSite = crossSite || siteOf(next) !== initiator;
        url = next;
        continue;
      }
      return { url, status: response.status, html: await response.text(), headers: response.headers, chain };
    }
    throw new Error(`too many redirects from ${String(target)}`);
  }

  /** Submits the form of `visit` whose action contains `actionContains` (or the first form), with `fields` added. */
  submit(visit: Visit, actionContains = "", fields: Record<string, string> = {}, stopAt?: string): Promise<Visit> {
    const form = formsOf(visit.html).find((f) => f.action.includes(actionContains));
    if (!form) throw new Error(`no form with action containing "${actionContains}" on ${visit.url.href}`);
    return this.navigate(new URL(form.action, visit.url), {
      method: form.method,
      form: { ...form.fields, ...fields },
      from: visit.url,
      ...(stopAt ? { stopAt } : {}),
    });
  }

  private cookieHeader(url: URL, method: string, crossSite: boolean): string {
    const now = Date.now();
    const cookies = this.jar.get(url.host);
    if (!cookies) return "";
    const sent: string[] = [];
    for (const [name, cookie] of cookies) {
      if (cookie.expires !== null && cookie.expires <= now) continue;
      if (cookie.secure && !secureContext(url)) continue;
      if (crossSite && cookie.sameSite === "strict") continue;
      if (crossSite && cookie.sameSite === "lax" && method !== "GET") continue;
      sent.push(`${name}=${cookie.value}`);
    }
    return sent.join("; ");
  }

  private store(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attrs = new Map(
        attributes.map((a) => {
          const i = a.indexOf("=");
          return i < 0 ? [a.toLowerCase(), ""] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
        }),
      );
      const secure = attrs.has("secure");
      if (secure && !secureContext(url)) continue;
      // __Host- cookies must be Secure, for path / and without a Domain (RFC 6265bis 4.1.3.2).
      if (name.startsWith("__Host-") && (!secure || attrs.get("path") !== "/" || attrs.has("domain"))) continue;
      const maxAge = attrs.get("max-age");
      const expiresAt = attrs.get("expires");
      const expires =
        maxAge !== undefined ? now() + Number(maxAge) * 1000 : expiresAt ? new Date(expiresAt).getTime() : null;
      const sameSite = (attrs.get("samesite") ?? "lax").toLowerCase();
      const cookies = this.jar.get(url.host) ?? new Map<string, StoredCookie>();
      if (expires !== null && expires <= now()) cookies.delete(name);
      else
        cookies.set(name, {
          value,
          secure,
          expires,
          sameSite: sameSite === "strict" || sameSite === "none" ? sameSite : "lax",
        });
      this.jar.set(url.host, cookies);
    }
  }
}

function now(): number {
  return Date.now();
}

export interface ParsedForm {
  action: string;
  method: "GET" | "POST";
  fields: Record<string, string>;
}

/** The forms of a page with their hidden fields: a small parser for the simple pages of the provider and toolgate. */
export function formsOf(html: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = match[1] ?? "";
    const action = decodeEntities(/\baction="([^"]*)"/i.exec(attrs)?.[1] ?? "");
    const method = /\bmethod="post"/i.test(attrs) ? "POST" : "GET";
    const fields: Record<string, string> = {};
    for (const input of (match[2] ?? "").matchAll(/<input\b([^>]*)>/gi)) {
      const a = input[1] ?? "";
      const name = /\bname="([^"]*)"/i.exec(a)?.[1];
      if (!name || !/\btype="hidden"/i.test(a)) continue;
      fields[decodeEntities(name)] = decodeEntities(/\bvalue="([^"]*)"/i.exec(a)?.[1] ?? "");
    }
    forms.push({ action, method, fields });
  }
  return forms;
}

/** The text of a page, tags removed and whitespace collapsed, for assertions on what a person reads. */
export function pageText(html: string): string {
  return decodeEntities(
    html
      .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, " ")
      .replace(/<[^>]+>/g, " ")
      .replace(/\s+/g, " "),
  ).trim();
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCharCode(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
