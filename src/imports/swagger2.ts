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
  dropEmptyConsumes(document);
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

/**
 * `consumes: []` says nothing, like no `consumes` at all, but the upgrader
 * reads it as "no media type", which leaves a body with none. Without it the
 * upgrader gives a body application/json (and form fields
 * multipart/form-data), Swagger 2.0's common defaults.
 */
function dropEmptyConsumes(document: Record<string, unknown>): void {
  const drop = (node: unknown) => {
    if (isPlainObject(node) && Array.isArray(node.consumes) && node.consumes.length === 0) delete node.consumes;
  };
  drop(document);
  if (!isPlainObject(document.paths)) return;
  for (const pathItem of Object.values(document.paths))
    if (isPlainObject(pathItem)) for (const operation of Object.values(pathItem)) drop(operation);
}
