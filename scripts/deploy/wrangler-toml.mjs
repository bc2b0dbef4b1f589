// Reading wrangler.toml, and writing a resource id into it without disturbing
// anything else: its comments explain the settings, so it is edited as text
// (wrangler's own config patcher refuses TOML files with comments), and every
// edit is checked by parsing the result before it replaces the file.
import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { experimental_readRawConfig } from "wrangler";
import { DeployError } from "./wrangler.mjs";

/**
 * The parts of the configuration the deploy reads.
 * @typedef {Record<string, unknown> & { binding: string }} BindingConfig
 * @typedef {Record<string, unknown> & { name?: string }} RawConfig
 */

/**
 * wrangler.toml as wrangler itself parses it.
 * @param {string} configPath
 * @returns {RawConfig}
 */
export function readWranglerToml(configPath) {
  return /** @type {RawConfig} */ (
    experimental_readRawConfig({ config: configPath }, { useRedirectIfAvailable: false }).rawConfig
  );
}

/**
 * The bindings of one array of tables, e.g. `d1_databases`.
 * @param {RawConfig} config
 * @param {string} table
 * @returns {BindingConfig[]}
 */
export function bindingsOf(config, table) {
  const list = config[table];
  return Array.isArray(list) ? list : [];
}

/**
 * `text` with `key = "value"` set in the `[[table]]` whose `binding` is
 * `bindingName`: the line replaced if the key is there, else inserted after
 * the binding line. Throws if there is not exactly one such table.
 * @param {string} text
 * @param {string} table
 * @param {string} bindingName
 * @param {string} key
 * @param {string} value
 */
export function setBindingKey(text, table, bindingName, key, value) {
  const lines = text.split("\n");
  /** @type {{ bindingLine: number, keyLine: number | undefined }[]} */
  const matches = [];
  /** @type {{ bindingLine: number | undefined, keyLine: number | undefined } | undefined} */
  let block;
  const finish = () => {
    if (block?.bindingLine !== undefined) matches.push({ bindingLine: block.bindingLine, keyLine: block.keyLine });
  };
  lines.forEach((line, i) => {
    const header = /^\s*(\[\[?)\s*([\w.-]+)\s*\]\]?\s*(?:#.*)?$/.exec(line);
    if (header) {
      finish();
      block = header[1] === "[[" && header[2] === table ? { bindingLine: undefined, keyLine: undefined } : undefined;
      return;
    }
    if (!block) return;
    const assignment = /^\s*([\w-]+)\s*=\s*(.*?)\s*$/.exec(line);
    const quoted = assignment?.[2]?.replace(/\s*#.*$/, "");
    if (assignment?.[1] === "binding" && (quoted === `"${bindingName}"` || quoted === `'${bindingName}'`))
      block.bindingLine = i;
    if (assignment?.[1] === key) block.keyLine = i;
  });
  finish();
  if (matches.length !== 1)
    throw new DeployError(
      `wrangler.toml has ${matches.length} [[${table}]] tables with binding = "${bindingName}"; expected exactly one.`,
    );
  const [{ bindingLine, keyLine }] = /** @type {[typeof matches[0]]} */ (matches);
  const assignment = `${key} = ${JSON.stringify(value)}`;
  if (keyLine !== undefined) lines[keyLine] = `${/^\s*/.exec(lines[keyLine] ?? "")?.[0] ?? ""}${assignment}`;
  else lines.splice(bindingLine + 1, 0, `${/^\s*/.exec(lines[bindingLine] ?? "")?.[0] ?? ""}${assignment}`);
  return lines.join("\n");
}

/**
 * Writes `key = "value"` into the binding's table in wrangler.toml, atomically,
 * after checking that wrangler parses the new file as the old one with exactly
 * that value changed. On any doubt, the file is left as it was.
 * @param {string} configPath
 * @param {string} table
 * @param {string} bindingName
 * @param {string} key
 * @param {string} value
 */
export function writeBindingKey(configPath, table, bindingName, key, value) {
  const before = readWranglerToml(configPath);
  const expected = structuredClone(before);
  const binding = bindingsOf(expected, table).find((b) => b.binding === bindingName);
  if (!binding) throw new DeployError(`wrangler.toml has no [[${table}]] with binding = "${bindingName}".`);
  binding[key] = value;

  const text = setBindingKey(readFileSync(configPath, "utf8"), table, bindingName, key, value);
  // Beside the original, so that the rename is atomic; ".toml" so that wrangler parses it as TOML.
  const next = path.join(
    path.dirname(configPath),
    `.${path.basename(configPath)}.${randomBytes(4).toString("hex")}.toml`,
  );
  try {
    writeFileSync(next, text);
    /** @type {RawConfig | undefined} */
    let written;
    try {
      written = readWranglerToml(next);
    } catch {
      written = undefined;
    }
    if (!isDeepStrictEqual(written, expected))
      throw new DeployError(
        `Could not write ${key} into wrangler.toml safely. Add this line under the [[${table}]] with binding = "${bindingName}" yourself, then run \`npm run deploy\` again:\n  ${key} = ${JSON.stringify(value)}`,
      );
    renameSync(next, configPath);
  } finally {
    rmSync(next, { force: true });
  }
}
