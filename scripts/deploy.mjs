// `npm run deploy`: the whole deploy, from a new Cloudflare account to a
// running Worker, with nothing to edit by hand. The steps are in
// scripts/deploy/deploy.mjs; the README's "Deploy" says what to expect.
import path from "node:path";
import { deploy } from "./deploy/deploy.mjs";
import { DeployError, spawnWrangler } from "./deploy/wrangler.mjs";

const root = path.join(import.meta.dirname, "..");
try {
  await deploy({ root, wrangler: spawnWrangler(root), log: (line) => console.log(line) });
} catch (error) {
  if (!(error instanceof DeployError)) throw error;
  console.error(
    `\n✘ ${error.message}\n\nNothing is left half-done: once the cause is fixed, run \`npm run deploy\` again. It continues where it stopped.`,
  );
  process.exitCode = 1;
}
