/**
 * The OpenAPI document as GET /openapi.json serves it, built by the app itself
 * in Node (the document needs no binding), for the checks that run tools Node
 * has and workerd does not: Redocly's lint and a typed-client generator.
 */
import { buildApp } from "../../../src/app";
import type { Env } from "../../../src/env";

export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

export async function publishedDocument(env: Partial<Env> = {}): Promise<OpenApiDocument> {
  const res = await buildApp().request("/openapi.json", {}, env);
  if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as OpenApiDocument;
}
