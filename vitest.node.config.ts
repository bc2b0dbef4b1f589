// Tests in plain Node, not workerd, with tools Node has: Redocly's lint of the
// OpenAPI document the app builds, and openapi-typescript plus tsc on it
// (test/node/openapi/). Files end in .node.ts so that the workerd config
// (vitest.config.ts) never collects them.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    include: ["test/node/**/*.node.ts"],
    // tsc type-checks a program and Redocly starts once; on a loaded 2-core CI machine that takes seconds.
    testTimeout: 60_000,
    // In CI, also write a JSON report that .ci/run adds to its one-line summary.
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: "test-results/node.json" },
  },
});
