// Tests in plain Node, not workerd: the project's Node-side tooling (the deploy
// script, the generated Env type, .gitignore), and Redocly's lint of the
// OpenAPI document the app builds plus openapi-typescript and tsc on it
// (test/node/openapi/). Files end in .node.ts so that the workerd config
// (vitest.config.ts) never collects them.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Building the app imports workerd's own module (through the OAuth library); see the shim.
    alias: { "cloudflare:workers": fileURLToPath(new URL("test/node/shims/cloudflare-workers.ts", import.meta.url)) },
  },
  test: {
    environment: "node",
    // Processed by Vite rather than loaded by Node, so that the alias above applies inside it.
    server: { deps: { inline: ["@cloudflare/workers-oauth-provider"] } },
    include: ["test/node/**/*.node.ts"],
    // wrangler types, tsc and Redocly each start once; on a loaded 2-core CI machine that takes seconds.
    testTimeout: 60_000,
    // In CI, also write a JSON report that .ci/run adds to its one-line summary.
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: "test-results/node.json" },
  },
});
