// Tests in plain Node, not workerd: the project's Node-side tooling (the deploy
// script, the generated Env type, .gitignore), and Redocly's lint of the
// OpenAPI document the app builds plus openapi-typescript and tsc on it
// (test/node/openapi/). Files end in .node.ts so that the workerd config
// (vitest.config.ts) never collects them.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    include: ["test/node/**/*.node.ts"],
    // wrangler types, tsc and Redocly each start once; on a loaded 2-core CI machine that takes seconds.
    testTimeout: 60_000,
    // In CI, also write a JSON report that .ci/run adds to its one-line summary.
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: "test-results/node.json" },
  },
});
