/**
 * The base URL an operation is called at: the caller's server_url, else the
 * first https server of the operation, its path or the document (the first
 * server when none is https), with server variables set to their defaults. Pure.
 */
import { isPlainObject } from "../engine/schemas";

export type ServerChoice = { ok: true; url: string } | { ok: false; problem: string };

export function resolveServer(
  document: Record<string, unknown>,
  pathItem: Record<string, unknown>,
  operation: Record<string, unknown>,
  override: string | undefined,
): ServerChoice {
  if (override) return { ok: true, url: withoutTrailingSlash(override) };
  const documentServer = firstServer(document.servers);
  const server = firstServer(operation.servers) ?? firstServer(pathItem.servers) ?? documentServer;
  if (!server) return { ok: false, problem: "it lists no servers" };
  const url = substituteVariables(server);
  if (!url.ok) return url;
  if (isAbsolute(url.url)) return { ok: true, url: withoutTrailingSlash(url.url) };
  // A relative server URL is relative to where the document was served from; here, that
  // is nowhere, unless the document's own server is absolute and this one is under it.
  const base = documentServer && server !== documentServer ? substituteVariables(documentServer) : null;
  if (base?.ok && isAbsolute(base.url))
    return { ok: true, url: withoutTrailingSlash(new URL(url.url, `${withoutTrailingSlash(base.url)}/`).href) };
  return { ok: false, problem: `its server URL "${url.url}" is relative` };
}

/**
 * The first https server of a list, else its first: documents often list
 * http first (AWS's do), and toolgate refuses plain http unless ALLOW_HTTP is on.
 */
function firstServer(servers: unknown): Record<string, unknown> | null {
  if (!Array.isArray(servers)) return null;
  const usable = servers.filter((s): s is Record<string, unknown> => isPlainObject(s) && typeof s.url === "string");
  return usable.find((s) => /^https:\/\//i.test(s.url as string)) ?? usable[0] ?? null;
}

function substituteVariables(server: Record<string, unknown>): ServerChoice {
  const variables = isPlainObject(server.variables) ? server.variables : {};
  let missing: string | null = null;
  const url = (server.url as string).replace(/\{([^{}]+)\}/g, (whole, name: string) => {
    const variable = variables[name];
    if (isPlainObject(variable) && typeof variable.default === "string") return variable.default;
    missing ??= name;
    return whole;
  });
  if (missing !== null) return { ok: false, problem: `server variable "${missing}" has no default` };
  return { ok: true, url };
}

function isAbsolute(url: string): boolean {
  return /^https?:\/\//i.test(url) && URL.canParse(url);
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
