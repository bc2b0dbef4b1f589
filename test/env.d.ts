import type { D1Migration } from "cloudflare:test";

/** What the tests bind beside the Worker's own bindings (vitest.config.ts). */
export interface TestOnlyBindings {
  TEST_MIGRATIONS: D1Migration[];
  /** The older one-key setting: the tests' keyring, which .dev.vars.example leaves out. */
  ENCRYPTION_KEY: string;
  /** The log queue and payload bucket, bound under these names only (vitest.config.ts). */
  TEST_LOG_QUEUE: Queue;
  TEST_LOG_PAYLOADS: R2Bucket;
  /** What reached the test queue's dead-letter queue: GET answers `[{ body, attempts }]`. */
  DLQ_RECORDER: Fetcher;
  /** An empty database that test/upgrade.test.ts migrates to 0005, fills, then upgrades. */
  UPGRADE_DB: D1Database;
}

declare global {
  namespace Cloudflare {
    // The Worker's bindings come from worker-configuration.d.ts (`npm run types`), which
    // test/env-agrees.ts checks against src/env.ts.
    interface Env extends TestOnlyBindings {}
  }
}
