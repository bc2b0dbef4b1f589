// Tests run inside workerd with the bindings of wrangler.toml, the real
// migrations (applied in test/setup.ts), fixed test secrets and the strict
// outbound policy (tests that need other settings call the Worker with them).
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import path from "node:path";
import { jsonSchemaTestSuite } from "./test/node/json-schema-test-suite";

const TEST_LOG_QUEUE = "toolgate-logs-test";
const TEST_DLQ = "toolgate-logs-test-dlq";
/** Keeps what reaches the test dead-letter queue; GET answers with every message body and its attempts. */
const DLQ_RECORDER = `
export default {
  async queue(batch, env) {
    for (const message of batch.messages) {
      await env.RECORDED.put(message.id, JSON.stringify({ body: message.body, attempts: message.attempts }));
      message.ack();
    }
  },
  async fetch(request, env) {
    const { keys } = await env.RECORDED.list();
    return Response.json(await Promise.all(keys.map(async (key) => JSON.parse(await env.RECORDED.get(key.name)))));
  },
};`;

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // The optional log queue and payload bucket, under test-only names: the suite runs as a
          // default deployment does (group commit, payloads in D1), and the tests of queue and R2
          // mode pass these as LOG_QUEUE and LOG_PAYLOADS. The queue is consumed by the Worker's
          // own queue(), as in production; its dead-letter queue by a recorder the tests can read.
          queueProducers: { TEST_LOG_QUEUE: { queueName: TEST_LOG_QUEUE } },
          queueConsumers: {
            [TEST_LOG_QUEUE]: { maxBatchSize: 100, maxBatchTimeout: 0.05, maxRetries: 2, deadLetterQueue: TEST_DLQ },
          },
          r2Buckets: ["TEST_LOG_PAYLOADS"],
          serviceBindings: { DLQ_RECORDER: "dlq-recorder" },
          workers: [
            {
              name: "dlq-recorder",
              modules: true,
              compatibilityDate: "2026-04-26",
              script: DLQ_RECORDER,
              kvNamespaces: ["RECORDED"],
              queueConsumers: { [TEST_DLQ]: { maxBatchTimeout: 0.05 } },
            },
          ],
          // An empty database for test/upgrade.test.ts, which migrates it step by step.
          d1Databases: ["UPGRADE_DB"],
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_TOKEN: "test-admin-token-for-the-test-suite",
            ENCRYPTION_KEY: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            // The production outbound policy, whatever a local .dev.vars says:
            // `npm run dev` turns these on there, and wrangler would read them.
            ALLOW_HTTP: "false",
            ALLOW_PRIVATE_NETWORKS: "false",
            OUTBOUND_ALLOWLIST: "",
          },
        },
      }),
      // The JSON Schema Test Suite for test/json-schema-suite-*.test.ts, read from test/fixtures.
      jsonSchemaTestSuite(import.meta.dirname),
    ],
    // The same zod the bundle gets (wrangler.toml [alias]); vitest-pool-workers
    // does not apply wrangler's aliases itself. Exact match only, as in wrangler:
    // "zod/v4" and the other subpaths stay zod's own.
    resolve: { alias: [{ find: /^zod$/, replacement: path.join(import.meta.dirname, "src/zod/english-only.ts") }] },
    test: {
      setupFiles: ["./test/setup.ts"],
      // A real OAuth2 authorization server (oidc-provider) in Node for the connection tests: test/oauth/.
      globalSetup: ["./test/oauth/global-setup.ts"],
      // Integration tests go through the Worker; under a loaded 2-core CI machine some take seconds.
      testTimeout: 20_000,
      // In CI, also write a JSON report so .ci/run can print a one-line summary.
      reporters: process.env.CI ? ["default", "json"] : ["default"],
      outputFile: { json: "test-results.json" },
    },
  };
});
