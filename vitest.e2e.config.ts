// End-to-end tests: real `wrangler dev` servers driven by Debian's Chromium
// through playwright-core, run in plain Node (not workerd). Files end in
// .e2e.ts so that the workerd config (vitest.config.ts) never collects them.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    include: ["test/e2e/**/*.e2e.ts"],
    globalSetup: ["./test/e2e/global-setup.ts"],
    // Each file starts its own dev server; one at a time keeps a 2-core machine responsive.
    fileParallelism: false,
    // Starting wrangler dev (migrations, bundle, workerd) takes seconds, more on a loaded CI machine.
    hookTimeout: 240_000,
    testTimeout: 60_000,
    // In CI, also write a JSON report that .ci/run adds to its one-line summary.
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: "test-results/e2e.json" },
  },
});
