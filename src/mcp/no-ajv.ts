/**
 * Stands in for `ajv` and `ajv-formats` in the bundle (wrangler.toml `[alias]`).
 * The MCP SDK's Server imports Ajv as its default JSON Schema validator;
 * toolgate always passes the @cfworker/json-schema one instead (./server.ts),
 * so Ajv is never used. Ajv would add some 130 KiB, and it compiles schemas
 * with `new Function`, which Workers refuse anyway.
 */
export default function ajvIsNotBundled(): never {
  throw new Error("Ajv is not bundled in toolgate: pass a jsonSchemaValidator (CfWorkerJsonSchemaValidator).");
}
