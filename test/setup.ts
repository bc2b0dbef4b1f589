import { applyD1Migrations, env } from "cloudflare:test";

// The same SQL that `wrangler d1 migrations apply` runs in production.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// The Worker imports its app on the first request (src/index.ts). Load it here, outside every test's
// timeout, as importing the Worker did before: on a loaded machine, loading its modules takes seconds.
await import("../src/app");
