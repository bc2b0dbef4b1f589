// The Cloudflare resources that wrangler.toml binds: each is found by name in
// the account, or created, and its id written into wrangler.toml, before
// anything (remote migrations, the deploy) needs it.
import { bindingsOf, readWranglerToml, writeBindingKey } from "./wrangler-toml.mjs";
import { DeployError, mustSucceed, wranglerJson } from "./wrangler.mjs";

/**
 * @typedef {import("./wrangler.mjs").Wrangler} Wrangler
 * @typedef {import("./wrangler-toml.mjs").BindingConfig} BindingConfig
 * @typedef {{ id: string, name: string }} Resource
 * @typedef {object} ResourceKind
 * @property {string} label  for messages
 * @property {string} idKey  the binding's key that holds the resource's id
 * @property {RegExp} idPattern  what an id looks like: nothing else is written into wrangler.toml
 * @property {(binding: BindingConfig, workerName: string) => string} nameOf  the resource's name in the account
 * @property {(wrangler: Wrangler) => Promise<Resource[]>} list
 * @property {(name: string) => string[]} createArgs
 */

/**
 * What `npm run deploy` provisions, by wrangler.toml table; a binding there is
 * all a new D1 database or KV namespace needs. Resources that wrangler.toml
 * names rather than holding an id for (an R2 bucket, a queue) are in
 * NAMED_RESOURCE_KINDS. A binding with nothing to create (a `[[ratelimits]]`
 * namespace_id is chosen, not created) needs no entry.
 * @type {Record<string, ResourceKind>}
 */
export const RESOURCE_KINDS = {
  d1_databases: {
    label: "D1 database",
    idKey: "database_id",
    idPattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    nameOf: (binding) => {
      if (typeof binding.database_name !== "string" || binding.database_name === "")
        throw new DeployError(`The [[d1_databases]] with binding = "${binding.binding}" has no database_name.`);
      return binding.database_name;
    },
    list: async (wrangler) =>
      listOf(await wranglerJson(wrangler, ["d1", "list", "--json"], "Listing your D1 databases"), "uuid", "name"),
    createArgs: (name) => ["d1", "create", name],
  },
  kv_namespaces: {
    label: "KV namespace",
    idKey: "id",
    idPattern: /^[0-9a-f]{32}$/i,
    // A KV binding names no namespace: this is the name wrangler's own provisioning would give it.
    nameOf: (binding, workerName) => `${workerName}-${binding.binding.toLowerCase().replaceAll("_", "-")}`,
    list: async (wrangler) =>
      listOf(await wranglerJson(wrangler, ["kv", "namespace", "list"], "Listing your KV namespaces"), "id", "title"),
    createArgs: (name) => ["kv", "namespace", "create", name],
  },
};

/**
 * @typedef {object} NamedResourceKind
 * @property {string} label  for messages
 * @property {(config: import("./wrangler-toml.mjs").RawConfig) => string[]} namesOf  every name wrangler.toml gives
 * @property {(name: string) => string[]} infoArgs  succeeds when the resource exists
 * @property {RegExp} notFound  what wrangler says, failing infoArgs, when it does not
 * @property {(name: string) => string[]} createArgs
 */

/**
 * Resources wrangler.toml names, with no id to write back: found by name, or
 * created. Both are optional (wrangler.toml has them commented out); a name
 * appears here only once its table is enabled. `wrangler deploy` refuses a
 * queue that does not exist, so queues must be created first; an R2 bucket
 * it would create itself, but creating it here says so in the same words.
 * @type {Record<string, NamedResourceKind>}
 */
export const NAMED_RESOURCE_KINDS = {
  r2_buckets: {
    label: "R2 bucket",
    namesOf: (config) =>
      bindingsOf(config, "r2_buckets").map((binding) => {
        if (typeof binding.bucket_name !== "string" || binding.bucket_name === "")
          throw new DeployError(`The [[r2_buckets]] with binding = "${binding.binding}" has no bucket_name.`);
        return binding.bucket_name;
      }),
    infoArgs: (name) => ["r2", "bucket", "info", name, "--json"],
    notFound: /\[code: 10006\]|specified bucket does not exist/,
    createArgs: (name) => ["r2", "bucket", "create", name],
  },
  queues: {
    label: "queue",
    namesOf: (config) => {
      const queues = /** @type {{ producers?: unknown, consumers?: unknown } | undefined} */ (config.queues);
      /** @type {Record<string, unknown>[]} */
      const producers = Array.isArray(queues?.producers) ? queues.producers : [];
      /** @type {Record<string, unknown>[]} */
      const consumers = Array.isArray(queues?.consumers) ? queues.consumers : [];
      const names = [
        ...producers.map((p) => p.queue),
        ...consumers.flatMap((c) => [c.queue, c.dead_letter_queue]),
      ].filter((name) => typeof name === "string" && name !== "");
      return [...new Set(/** @type {string[]} */ (names))];
    },
    infoArgs: (name) => ["queues", "info", name],
    notFound: /Queue "[^"]*" does not exist/,
    createArgs: (name) => ["queues", "create", name],
  },
};

/**
 * Makes every resource wrangler.toml binds exist and writes the ids it lacks.
 * Safe to run again at any point: what exists is found by its id, or by its
 * name, and never created twice.
 * @param {string} configPath
 * @param {Wrangler} wrangler
 * @param {(line: string) => void} log
 */
export async function ensureResources(configPath, wrangler, log) {
  const config = readWranglerToml(configPath);
  const workerName = config.name;
  if (typeof workerName !== "string" || workerName === "") throw new DeployError("wrangler.toml has no `name`.");
  for (const [table, kind] of Object.entries(RESOURCE_KINDS)) {
    const bindings = bindingsOf(config, table);
    if (bindings.length === 0) continue;
    let existing = await kind.list(wrangler);
    for (const binding of bindings) {
      const name = kind.nameOf(binding, workerName);
      const configured = binding[kind.idKey];
      if (typeof configured === "string" && configured !== "") {
        const found = existing.find((r) => r.id === configured);
        if (!found)
          throw new DeployError(
            `wrangler.toml binds ${binding.binding} to the ${kind.label} ${configured}, which the Cloudflare account you are logged in to does not have.\n` +
              `If this checkout was deployed from another account, log in to that one (\`npx wrangler login\`), or delete the \`${kind.idKey} = ...\` line of that binding and run \`npm run deploy\` again to use a ${kind.label} of this account.`,
          );
        log(`✓ ${binding.binding}: ${kind.label} "${found.name}" (${configured})`);
        continue;
      }
      let found = existing.find((r) => r.name === name);
      if (found) {
        log(`✓ ${binding.binding}: found the ${kind.label} "${name}" in your account`);
      } else {
        log(`… ${binding.binding}: creating the ${kind.label} "${name}"`);
        const args = kind.createArgs(name);
        mustSucceed(await wrangler(args), `Creating the ${kind.label} "${name}"`, args);
        existing = await kind.list(wrangler);
        found = existing.find((r) => r.name === name);
        if (!found)
          throw new DeployError(
            `The ${kind.label} "${name}" was created but is not listed yet. Run \`npm run deploy\` again in a minute: it will find it by name.`,
          );
        log(`✓ ${binding.binding}: created the ${kind.label} "${name}"`);
      }
      if (!kind.idPattern.test(found.id))
        throw new DeployError(
          `wrangler listed the ${kind.label} "${name}" with an unexpected id: ${JSON.stringify(found.id)}.`,
        );
      writeBindingKey(configPath, table, binding.binding, kind.idKey, found.id);
      log(`  wrote ${kind.idKey} = "${found.id}" into wrangler.toml`);
    }
  }
  for (const kind of Object.values(NAMED_RESOURCE_KINDS))
    for (const name of kind.namesOf(config)) await ensureNamed(kind, name, wrangler, log);
}

/**
 * @param {NamedResourceKind} kind @param {string} name @param {Wrangler} wrangler
 * @param {(line: string) => void} log
 */
async function ensureNamed(kind, name, wrangler, log) {
  const infoArgs = kind.infoArgs(name);
  const info = await wrangler(infoArgs);
  if (info.status === 0) {
    log(`✓ found the ${kind.label} "${name}" in your account`);
    return;
  }
  if (!kind.notFound.test(`${info.stdout}\n${info.stderr}`))
    mustSucceed(info, `Looking for the ${kind.label} "${name}"`, infoArgs);
  log(`… creating the ${kind.label} "${name}"`);
  const args = kind.createArgs(name);
  mustSucceed(await wrangler(args), `Creating the ${kind.label} "${name}"`, args);
  log(`✓ created the ${kind.label} "${name}"`);
}

/**
 * `[{ [idField]: ..., [nameField]: ... }, ...]` from wrangler's JSON, or a DeployError.
 * @param {unknown} json
 * @param {string} idField
 * @param {string} nameField
 * @returns {Resource[]}
 */
function listOf(json, idField, nameField) {
  if (!Array.isArray(json)) throw new DeployError(`wrangler printed ${typeof json} where a list was expected.`);
  return json.map((item) => ({ id: String(item?.[idField] ?? ""), name: String(item?.[nameField] ?? "") }));
}
