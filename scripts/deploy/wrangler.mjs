// How scripts/deploy.mjs talks to Cloudflare: only through the pinned wrangler,
// behind one small function type so that the tests can stand in for an account.
import { spawn } from "node:child_process";
import path from "node:path";

/**
 * @typedef {{ status: number, stdout: string, stderr: string }} WranglerResult
 * @typedef {object} WranglerOptions
 * @property {string} [input] written to wrangler's stdin: the only way a secret reaches it
 * @property {boolean} [interactive] wrangler shares this terminal, to show progress and ask questions
 * @typedef {(args: string[], options?: WranglerOptions) => Promise<WranglerResult>} Wrangler
 */

/** A failure the user can act on: the message says what happened and what to do. */
export class DeployError extends Error {
  name = "DeployError";
}

/**
 * Runs `node_modules/wrangler/bin/wrangler.js` (or `bin`) in `root`. Captured
 * runs get no terminal on stdin, so wrangler takes its non-interactive
 * defaults (it applies migrations without asking) and prints no prompts into
 * the output this script parses.
 * @param {string} root
 * @param {string} [bin]
 * @returns {Wrangler}
 */
export function spawnWrangler(root, bin = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js")) {
  return (args, { input, interactive = false } = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args], {
        cwd: root,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
        stdio: interactive ? "inherit" : [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout?.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
      child.stderr?.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
      child.stdin?.end(input);
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ status: code ?? (signal ? 128 : 1), stdout, stderr }));
    });
}

/**
 * The last lines wrangler printed, without colours, for an error message.
 * @param {WranglerResult} result
 */
export function outputTail(result, lines = 12) {
  const text = `${result.stdout}\n${result.stderr}`.replace(/\u001b\[[0-9;]*m/g, "").trim();
  return text.split("\n").slice(-lines).join("\n");
}

/**
 * Throws a DeployError unless wrangler succeeded.
 * @param {WranglerResult} result
 * @param {string} what  what was being done, e.g. `Creating the D1 database "toolgate"`
 * @param {string[]} args
 */
export function mustSucceed(result, what, args) {
  if (result.status === 0) return result;
  const tail = outputTail(result);
  throw new DeployError(
    `${what} failed (\`wrangler ${args.join(" ")}\` exited with ${result.status}).` +
      (tail ? `\nwrangler said:\n${indent(tail)}` : ""),
  );
}

/**
 * Runs wrangler and parses the JSON it printed.
 * @param {Wrangler} wrangler
 * @param {string[]} args
 * @param {string} what
 */
export async function wranglerJson(wrangler, args, what) {
  return parseJsonOutput(mustSucceed(await wrangler(args), what, args), args, what);
}

/**
 * The JSON a successful wrangler run printed. Wrangler prints nothing else on
 * stdout for the commands used here, but a stray line before the JSON is
 * skipped rather than trusted never to appear.
 * @param {WranglerResult} result
 * @param {string[]} args
 * @param {string} what
 * @returns {unknown}
 */
export function parseJsonOutput(result, args, what) {
  const text = result.stdout.trim();
  const start = /^[[{]/m.exec(text)?.index ?? -1;
  try {
    if (start < 0) throw new Error("no JSON in the output");
    return JSON.parse(text.slice(start));
  } catch {
    throw new DeployError(
      `${what}: could not read the output of \`wrangler ${args.join(" ")}\` as JSON.\nwrangler said:\n${indent(outputTail(result))}`,
    );
  }
}

/** @param {string} text */
export function indent(text) {
  return text.replace(/^/gm, "  ");
}
