// Tests that run in plain Node (not workerd), with tools Node has: Redocly's
// lint and openapi-typescript plus tsc on the OpenAPI document the app builds.
// Files end in .node.ts so that the workerd config never collects them.
import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // The same zod the bundle gets (wrangler.toml [alias]), as in vitest.config.ts.
  resolve: { alias: [{ find: /^zod$/, replacement: path.join(import.meta.dirname, "src/zod/english-only.ts") }] },
  test: {
    environment: "node",
    include: ["test/node/**/*.node.ts"],
    testTimeout: 60_000,
    // In CI, also write a JSON report that .ci/run adds to its one-line summary.
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: "test-results/node.json" },
  },
});
