/**
 * Swagger 2.0 → OpenAPI 3.0, by @scalar/openapi-upgrader (about 13 KB
 * minified, no runtime dependencies beyond its own helpers, no Node APIs).
 * Pure: it rewrites the (freshly parsed) document it is given.
 */
import { upgradeFromTwoToThree } from "@scalar/openapi-upgrader/2.0-to-3.0";
import { isPlainObject } from "../engine/schemas";

export type Upgrade = { ok: true; document: Record<string, unknown> } | { ok: false; message: string };

export function isSwagger2(document: Record<string, unknown>): boolean {
  return typeof document.swagger === "string" && /^2\.0(\.\d+)?$/.test(document.swagger);
}

export function upgradeSwagger2(document: Record<string, unknown>): Upgrade {
  let upgraded: unknown;
  try {
    upgraded = upgradeFromTwoToThree(document);
  } catch (err) {
    // The upgrader throws on documents it cannot read (a parameter without `in`, say).
    return { ok: false, message: `The Swagger 2.0 document could not be converted: ${(err as Error).message}` };
  }
  if (!isPlainObject(upgraded) || typeof upgraded.openapi !== "string")
    return { ok: false, message: "The Swagger 2.0 document could not be converted to OpenAPI 3.0." };
  preferHttps(upgraded);
  return { ok: true, document: upgraded };
}

/**
 * Swagger 2.0's `schemes` is a set, which the upgrader turns into one server
 * per scheme in the order written; "http" first would make every tool call
 * plain http, which toolgate refuses unless ALLOW_HTTP is on.
 */
function preferHttps(document: Record<string, unknown>): void {
  if (!Array.isArray(document.servers)) return;
  const isHttps = (server: unknown) =>
    isPlainObject(server) && typeof server.url === "string" && /^https:/i.test(server.url);
  document.servers = [...document.servers.filter(isHttps), ...document.servers.filter((s) => !isHttps(s))];
}
