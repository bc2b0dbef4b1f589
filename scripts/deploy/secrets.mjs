// The Worker's secrets on its first deploy: ENCRYPTION_KEYS and ADMIN_TOKEN are
// generated, saved to a git-ignored file (mode 600) before anything is sent,
// put with one `wrangler secret bulk` that reads them from stdin (never from
// the command line, and both or neither), and shown once. A deployment that
// already has secrets keeps them: nothing here ever replaces one.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { DeployError, indent, mustSucceed, outputTail, parseJsonOutput } from "./wrangler.mjs";

/** @typedef {import("./wrangler.mjs").Wrangler} Wrangler */
/** @typedef {{ ENCRYPTION_KEYS: string, ADMIN_TOKEN: string }} NewSecrets */

/** Where the first deploy's secrets are written, beside wrangler.toml (listed in .gitignore). */
export const SECRETS_FILE = ".deploy-secrets";

/** Either name gives the Worker a keyring (src/crypto/keyring.ts); a new one would hide the old. */
const KEYRING_SECRETS = ["ENCRYPTION_KEYS", "ENCRYPTION_KEY"];

/** A keyring of one new key, and an admin token of 43 characters (256 random bits). */
export function generateSecrets() {
  return {
    ENCRYPTION_KEYS: randomBytes(32).toString("base64"),
    ADMIN_TOKEN: randomBytes(32).toString("base64url"),
  };
}

/**
 * The names of the Worker's secrets, or null if the Worker does not exist yet.
 * @param {Wrangler} wrangler
 * @param {string} workerName
 * @returns {Promise<Set<string> | null>}
 */
export async function listSecretNames(wrangler, workerName) {
  const args = ["secret", "list", "--format", "json"];
  const result = await wrangler(args);
  if (result.status !== 0 && new RegExp(`Worker "${escapeRegExp(workerName)}" not found`).test(outputTail(result)))
    return null;
  const list = parseJsonOutput(
    mustSucceed(result, "Listing the Worker's secrets", args),
    args,
    "Listing the Worker's secrets",
  );
  if (!Array.isArray(list)) throw new DeployError("`wrangler secret list` printed something other than a list.");
  return new Set(list.map((s) => String(s?.name)));
}

/**
 * Gives a Worker that has no secrets yet its ENCRYPTION_KEYS and ADMIN_TOKEN.
 * Returns the secrets it put, or null when the Worker already had secrets.
 * @param {{ secretsPath: string, workerName: string, wrangler: Wrangler, log: (line: string) => void }} options
 * @returns {Promise<NewSecrets | null>}
 */
export async function ensureSecrets({ secretsPath, workerName, wrangler, log }) {
  const present = (await listSecretNames(wrangler, workerName)) ?? new Set();
  const hasKeyring = KEYRING_SECRETS.some((name) => present.has(name));
  const hasAdminToken = present.has("ADMIN_TOKEN");
  if (hasKeyring || hasAdminToken) {
    // An existing deployment: its secrets stay as they are, whatever is missing.
    log(
      `✓ Secrets: the Worker has ${[...present].filter((n) => n === "ADMIN_TOKEN" || KEYRING_SECRETS.includes(n)).join(", ")}; left as they are`,
    );
    if (!hasKeyring)
      log(
        "! The Worker has no ENCRYPTION_KEYS: it can neither store nor use credentials. Put your keyring back:\n" +
          '    printf %s "$KEYS" | npx wrangler secret put ENCRYPTION_KEYS',
      );
    if (!hasAdminToken) log('  (No ADMIN_TOKEN: sign in with an admin API key. README, "API keys and scopes".)');
    if (existsSync(secretsPath))
      log(`! ${SECRETS_FILE} is still here. Once its contents are stored safely, delete it.`);
    return null;
  }

  // A first deploy, or one that stopped before its secrets were put: reuse what
  // that run saved, so that the file always holds what the Worker gets.
  let secrets = readSecretsFile(secretsPath);
  if (secrets) {
    log(`… Secrets: the Worker has none yet; putting the ones in ${SECRETS_FILE}, which an earlier run wrote`);
  } else {
    secrets = generateSecrets();
    writeSecretsFile(secretsPath, secrets, workerName);
    log(`… Secrets: generated ENCRYPTION_KEYS and ADMIN_TOKEN, saved to ${SECRETS_FILE} (mode 600)`);
  }

  const args = ["secret", "bulk"];
  mustSucceed(await wrangler(args, { input: JSON.stringify(secrets) }), "Putting the Worker's secrets", args);
  const after = (await listSecretNames(wrangler, workerName)) ?? new Set();
  const missing = Object.keys(secrets).filter((name) => !after.has(name));
  if (missing.length > 0)
    throw new DeployError(
      `\`wrangler secret bulk\` finished, but the Worker does not list ${missing.join(" and ")}. They are saved in ${SECRETS_FILE}; run \`npm run deploy\` again to put them.`,
    );
  log(`✓ Secrets: put ENCRYPTION_KEYS and ADMIN_TOKEN on the Worker "${workerName}"`);
  return secrets;
}

/**
 * What to print, once, after the first deploy.
 * @param {NewSecrets} secrets
 */
export function describeNewSecrets(secrets) {
  return [
    "",
    `Your Worker's secrets (shown this once; also in ${SECRETS_FILE}, readable only by you, git-ignored):`,
    "",
    indent(`ADMIN_TOKEN=${secrets.ADMIN_TOKEN}`),
    indent(`ENCRYPTION_KEYS=${secrets.ENCRYPTION_KEYS}`),
    "",
    "Store both in a password manager now, then delete " + SECRETS_FILE + ".",
    "- ENCRYPTION_KEYS seals every credential toolgate stores. Cloudflare never shows a secret again:",
    "  without this copy, nobody can decrypt them, and you need it to rotate keys.",
    "- ADMIN_TOKEN signs you in to the web UI and the API with every scope. Create an admin API key",
    '  with it, then retire it (README, "API keys and scopes").',
  ].join("\n");
}

/**
 * @param {string} secretsPath
 * @param {NewSecrets} secrets
 * @param {string} workerName
 */
function writeSecretsFile(secretsPath, secrets, workerName) {
  const text = [
    `# The secrets of the toolgate Worker "${workerName}", generated by \`npm run deploy\` on ${new Date().toISOString()}.`,
    "# STORE THEM SOMEWHERE SAFE (a password manager), THEN DELETE THIS FILE. Never commit it.",
    "# ENCRYPTION_KEYS seals every stored credential: without it they cannot be decrypted. Cloudflare never shows it again.",
    "# ADMIN_TOKEN is the bootstrap bearer token: every scope. Sign in to the web UI with it.",
    `ENCRYPTION_KEYS=${secrets.ENCRYPTION_KEYS}`,
    `ADMIN_TOKEN=${secrets.ADMIN_TOKEN}`,
    "",
  ].join("\n");
  // "wx": never replace an existing file, which may hold the only copy of other secrets.
  writeFileSync(secretsPath, text, { mode: 0o600, flag: "wx" });
}

/**
 * The secrets an earlier run saved, or null if there is no file. A file this
 * script would not have written stops the deploy rather than being guessed at.
 * @param {string} secretsPath
 * @returns {NewSecrets | null}
 */
function readSecretsFile(secretsPath) {
  if (!existsSync(secretsPath)) return null;
  /** @type {Record<string, string>} */
  const values = {};
  for (const line of readFileSync(secretsPath, "utf8").split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) values[m[1]] = m[2];
  }
  const { ENCRYPTION_KEYS, ADMIN_TOKEN } = values;
  const keysOk =
    ENCRYPTION_KEYS !== undefined &&
    ENCRYPTION_KEYS.split(",").every(
      (k) => /^[A-Za-z0-9+/]{43}=$/.test(k.trim()) && Buffer.from(k.trim(), "base64").length === 32,
    );
  if (!keysOk || ADMIN_TOKEN === undefined || ADMIN_TOKEN.length < 32)
    throw new DeployError(
      `${SECRETS_FILE} exists but does not hold an ENCRYPTION_KEYS of base64 32-byte keys and an ADMIN_TOKEN of 32 or more characters. ` +
        `The Worker has no secrets yet. If the file's contents matter, store them; then move it away and run \`npm run deploy\` again.`,
    );
  return { ENCRYPTION_KEYS, ADMIN_TOKEN };
}

/** @param {string} text */
function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
