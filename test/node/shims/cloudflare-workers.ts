// What plain Node lacks of workerd's `cloudflare:workers` module, for the
// Node-side tests that build the app to read its OpenAPI document
// (test/node/openapi/). @cloudflare/workers-oauth-provider imports
// WorkerEntrypoint at load time; building the document never calls it.
export class WorkerEntrypoint {}
