// `npm run deploy`, step by step. Every step is safe to repeat, so a deploy
// that stops half-way (a network error, a closed laptop) is finished by
// running it again:
//   1. the login (`wrangler whoami`);
//   2. the D1 databases and KV namespaces of wrangler.toml, found or created,
//      their ids written into wrangler.toml, and the R2 buckets and queues it
//      names, when enabled, found or created by name (resources.mjs);
//   3. the remote D1 migrations, which need those ids, before the code that
//      expects them;
//   4. on the first deploy, the secrets (secrets.mjs), before the code, so
//      that the Worker never runs without its keyring;
//   5. `wrangler deploy`.
import path from "node:path";
import { ensureResources } from "./resources.mjs";
import { describeNewSecrets, ensureSecrets, SECRETS_FILE } from "./secrets.mjs";
import { bindingsOf, readWranglerToml } from "./wrangler-toml.mjs";
import { DeployError, mustSucceed, parseJsonOutput } from "./wrangler.mjs";

/** @typedef {import("./wrangler.mjs").Wrangler} Wrangler */

/**
 * @param {{ root: string, wrangler: Wrangler, log: (line: string) => void }} options
 *   root: the project folder (wrangler.toml, where .deploy-secrets goes)
 */
export async function deploy({ root, wrangler, log }) {
  const configPath = path.join(root, "wrangler.toml");
  await requireLogin(wrangler, log);

  await ensureResources(configPath, wrangler, log);
  const config = readWranglerToml(configPath);

  for (const database of bindingsOf(config, "d1_databases").filter((b) => b.migrations_dir !== undefined)) {
    const args = ["d1", "migrations", "apply", database.binding, "--remote"];
    mustSucceed(await wrangler(args), `Applying the D1 migrations to ${database.binding}`, args);
    log(`✓ ${database.binding}: migrations applied`);
  }

  const newSecrets = await ensureSecrets({
    secretsPath: path.join(root, SECRETS_FILE),
    workerName: String(config.name),
    wrangler,
    log,
  });

  // Interactive: wrangler shows its progress and the Worker's URL, and on a new
  // account asks which workers.dev subdomain to register.
  log("… Deploying the Worker");
  try {
    mustSucceed(await wrangler(["deploy"], { interactive: true }), "Deploying the Worker", ["deploy"]);
  } catch (error) {
    if (error instanceof DeployError && newSecrets)
      error.message += `\nThe Worker's new secrets are in place and saved in ${SECRETS_FILE}; the next run keeps them.`;
    throw error;
  }
  if (newSecrets) log(describeNewSecrets(newSecrets));
  log("\n✓ Deployed. Open the URL wrangler printed above and sign in with the admin token.");
}

/**
 * @param {Wrangler} wrangler
 * @param {(line: string) => void} log
 */
async function requireLogin(wrangler, log) {
  const args = ["whoami", "--json"];
  const result = await wrangler(args);
  if (result.status !== 0 && /"loggedIn"\s*:\s*false/.test(result.stdout))
    throw new DeployError(
      "You are not logged in to Cloudflare.\n" +
        "Run `npx wrangler login`: it opens your browser, where you sign in (or sign up, for free) and allow wrangler.\n" +
        "Then run `npm run deploy` again. (In CI, set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID instead.)",
    );
  const who = parseJsonOutput(
    mustSucceed(result, "Checking your Cloudflare login", args),
    args,
    "Checking your Cloudflare login",
  );
  const email = /** @type {{ email?: unknown }} */ (who)?.email;
  log(`✓ Logged in to Cloudflare${typeof email === "string" ? ` as ${email}` : ""}`);
}
