// Setup for `npm run dev`, safe to run every time:
// - creates .dev.vars, or completes an existing one, and prints the admin token
//   (scripts/dev-vars.mjs: new secrets only where there are none, the
//   local-development outbound settings, and a new ADMIN_TOKEN in place of one
//   shorter than 32 characters, which toolgate never accepts);
// - makes sure the /docs assets are in place;
// - applies the D1 migrations to the local database.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { prepareDevVars } from "./dev-vars.mjs";

const root = path.join(import.meta.dirname, "..");

console.log(`\n${prepareDevVars(path.join(root, ".dev.vars")).join("\n")}\n`);

await import("./vendor-assets.mjs");

// stdin is not a terminal, so wrangler applies without asking for confirmation.
const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local"], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
if (migrate.status !== 0) {
  console.error("Applying the local D1 migrations failed; see the output above.");
  process.exit(migrate.status ?? 1);
}
