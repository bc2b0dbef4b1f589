/**
 * `npm run deploy` (scripts/deploy/) against a fake Cloudflare account: no
 * account can be reached from CI. What a user would notice: which resources
 * exist afterwards, what wrangler.toml says, which secrets the Worker has and
 * what .deploy-secrets holds, what was printed, and what a rerun does after a
 * failure.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deploy } from "../../scripts/deploy/deploy.mjs";
import { SECRETS_FILE } from "../../scripts/deploy/secrets.mjs";
import { readWranglerToml } from "../../scripts/deploy/wrangler-toml.mjs";
import { DeployError } from "../../scripts/deploy/wrangler.mjs";
import { FakeCloudflare } from "./fake-cloudflare";

const repo = path.join(import.meta.dirname, "..", "..");
const ORIGINAL_TOML = readFileSync(path.join(repo, "wrangler.toml"), "utf8");

let root: string;
let cf: FakeCloudflare;
let printed: string[];

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "toolgate-deploy-"));
  copyFileSync(path.join(repo, "wrangler.toml"), path.join(root, "wrangler.toml"));
  cf = new FakeCloudflare(root);
  printed = [];
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const run = () => deploy({ root, wrangler: cf.wrangler, log: (line: string) => printed.push(line) });
const toml = () => readFileSync(path.join(root, "wrangler.toml"), "utf8");
const secretsPath = () => path.join(root, SECRETS_FILE);
const commands = () => cf.calls.map((c) => c.args.join(" "));
const output = () => printed.join("\n");

/** The repository's wrangler.toml with the ids written where the deploy writes them. */
function tomlWithIds(databaseId: string, tokenCacheId: string, oauthKvId: string) {
  const text = ORIGINAL_TOML.replace('binding = "DB"\n', `binding = "DB"\ndatabase_id = "${databaseId}"\n`)
    .replace('binding = "TOKEN_CACHE"\n', `binding = "TOKEN_CACHE"\nid = "${tokenCacheId}"\n`)
    .replace('binding = "OAUTH_KV"\n', `binding = "OAUTH_KV"\nid = "${oauthKvId}"\n`);
  expect(text).not.toBe(ORIGINAL_TOML);
  return text;
}

function secretsFileValues() {
  const text = readFileSync(secretsPath(), "utf8");
  return {
    ENCRYPTION_KEYS: /^ENCRYPTION_KEYS=(.*)$/m.exec(text)?.[1],
    ADMIN_TOKEN: /^ADMIN_TOKEN=(.*)$/m.exec(text)?.[1],
  };
}

function occurrences(text: string, needle: string) {
  return text.split(needle).length - 1;
}

describe("the first deploy", () => {
  it("creates the database and namespace, writes their ids, migrates, puts new secrets, deploys", async () => {
    await run();

    expect(cf.databases.map((d) => d.name)).toEqual(["toolgate"]);
    expect(cf.namespaces.map((n) => n.title)).toEqual(["toolgate-token-cache", "toolgate-oauth-kv"]);
    const [db] = cf.databases;
    const [tokenCache, oauthKv] = cf.namespaces;
    // Only the ids are added: the fixed preview ids (local data) and every comment stay.
    expect(toml()).toBe(tomlWithIds(db!.uuid, tokenCache!.id, oauthKv!.id));
    expect(db!.migrated).toBe(true);

    const order = commands();
    const at = (command: string) => order.findIndex((c) => c.startsWith(command));
    expect(at("d1 create")).toBeGreaterThan(-1);
    expect(at("d1 create")).toBeLessThan(at("d1 migrations apply DB --remote"));
    expect(at("kv namespace create")).toBeLessThan(at("d1 migrations apply DB --remote"));
    expect(at("d1 migrations apply DB --remote")).toBeLessThan(at("secret bulk"));
    expect(at("secret bulk")).toBeLessThan(at("deploy"));
    expect(cf.calls.find((c) => c.args[0] === "deploy")?.interactive).toBe(true);
    expect(cf.worker?.deploys).toBe(1);

    const saved = secretsFileValues();
    expect(Object.fromEntries(cf.worker!.secrets)).toEqual(saved);
    expect(saved.ADMIN_TOKEN!.length).toBeGreaterThanOrEqual(32);
    expect(Buffer.from(saved.ENCRYPTION_KEYS!, "base64")).toHaveLength(32);
    expect(statSync(secretsPath()).mode & 0o777).toBe(0o600);
    expect(readFileSync(secretsPath(), "utf8")).toContain("STORE THEM SOMEWHERE SAFE");
  });

  it("sends the secrets on stdin, never as arguments, and shows them once with a warning", async () => {
    await run();
    const { ENCRYPTION_KEYS, ADMIN_TOKEN } = secretsFileValues();
    for (const call of cf.calls) {
      expect(call.args.join(" ")).not.toContain(ADMIN_TOKEN);
      expect(call.args.join(" ")).not.toContain(ENCRYPTION_KEYS);
    }
    expect(JSON.parse(cf.calls.find((c) => c.args.join(" ") === "secret bulk")!.input!)).toEqual({
      ENCRYPTION_KEYS,
      ADMIN_TOKEN,
    });
    expect(occurrences(output(), `ADMIN_TOKEN=${ADMIN_TOKEN}`)).toBe(1);
    expect(occurrences(output(), `ENCRYPTION_KEYS=${ENCRYPTION_KEYS}`)).toBe(1);
    expect(output()).toContain(`Store both in a password manager now, then delete ${SECRETS_FILE}`);
    // Shown after the deploy, so that wrangler's output does not scroll them away.
    expect(output().indexOf(ADMIN_TOKEN!)).toBeGreaterThan(output().indexOf("Deploying the Worker"));
  });

  it("uses a database and namespace that already have the names it would give them", async () => {
    cf.databases.push({ uuid: "5f0c7d34-8a1e-4e0b-9c4d-2a6b8e1f3c57", name: "toolgate", migrated: false });
    cf.namespaces.push({ id: "0f1e2d3c4b5a69788796a5b4c3d2e1f0", title: "toolgate-token-cache" });
    cf.namespaces.push({ id: "1e2d3c4b5a69788796a5b4c3d2e1f00f", title: "toolgate-oauth-kv" });
    await run();
    expect(commands().filter((c) => c.includes("create"))).toEqual([]);
    expect(toml()).toBe(
      tomlWithIds(
        "5f0c7d34-8a1e-4e0b-9c4d-2a6b8e1f3c57",
        "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "1e2d3c4b5a69788796a5b4c3d2e1f00f",
      ),
    );
    expect(cf.databases[0]!.migrated).toBe(true);
  });
});

describe("the optional log queue and payload bucket", () => {
  /** wrangler.toml with its commented-out [[queues.*]] and [[r2_buckets]] tables enabled, as the README says. */
  function enableOptional() {
    const enabled = ORIGINAL_TOML.replace(
      /^# (\[\[queues\.producers\]\]|\[\[queues\.consumers\]\]|\[\[r2_buckets\]\]|binding = "LOG_|queue = |max_batch_|max_retries|dead_letter_queue|bucket_name)/gm,
      "$1",
    );
    writeFileSync(path.join(root, "wrangler.toml"), enabled);
    expect(readWranglerToml(path.join(root, "wrangler.toml"))).toMatchObject({
      queues: {
        producers: [{ binding: "LOG_QUEUE", queue: "toolgate-logs" }],
        consumers: [{ queue: "toolgate-logs", dead_letter_queue: "toolgate-logs-dlq" }],
      },
      r2_buckets: [{ binding: "LOG_PAYLOADS", bucket_name: "toolgate-log-payloads" }],
    });
  }

  it("off (as wrangler.toml ships): no queue or bucket is looked for or created", async () => {
    await run();
    expect(commands().filter((c) => c.startsWith("queues") || c.startsWith("r2"))).toEqual([]);
    expect(cf.worker?.deploys).toBe(1);
  });

  it("on: creates the queue, its dead-letter queue and the bucket before the deploy; a rerun creates nothing", async () => {
    enableOptional();
    await run();
    expect(cf.queues.map((q) => q.name).sort()).toEqual(["toolgate-logs", "toolgate-logs-dlq"]);
    expect(cf.buckets.map((b) => b.name)).toEqual(["toolgate-log-payloads"]);
    const order = commands();
    expect(order.findIndex((c) => c === "queues create toolgate-logs")).toBeLessThan(order.indexOf("deploy"));
    expect(cf.worker?.deploys).toBe(1);
    expect(output()).toContain('created the queue "toolgate-logs-dlq"');

    cf.calls.length = 0;
    await run();
    expect(commands().filter((c) => c.includes("create"))).toEqual([]);
    expect(output()).toContain('found the R2 bucket "toolgate-log-payloads"');
    expect(cf.worker?.deploys).toBe(2);
  });

  it("on, and looking for the queue fails for another reason: it stops and says what wrangler said", async () => {
    enableOptional();
    cf.failNext(
      "queues info toolgate-logs",
      "✘ [ERROR] A request to the Cloudflare API failed. Authentication error [code: 10000]",
    );
    await expect(run()).rejects.toThrow(/Looking for the queue "toolgate-logs" failed[\s\S]*Authentication error/);
    expect(cf.queues).toEqual([]);
    expect(cf.worker).toBeNull();
  });
});

describe("a second deploy", () => {
  it("creates nothing, leaves the secrets and .deploy-secrets alone, and deploys", async () => {
    await run();
    const tomlAfterFirst = toml();
    const fileAfterFirst = readFileSync(secretsPath(), "utf8");
    const secretsAfterFirst = Object.fromEntries(cf.worker!.secrets);
    cf.calls.length = 0;
    printed = [];

    await run();

    expect(commands().filter((c) => c.includes("create") || c.startsWith("secret bulk"))).toEqual([]);
    expect(cf.databases).toHaveLength(1);
    expect(cf.namespaces).toHaveLength(2);
    expect(toml()).toBe(tomlAfterFirst);
    expect(readFileSync(secretsPath(), "utf8")).toBe(fileAfterFirst);
    expect(Object.fromEntries(cf.worker!.secrets)).toEqual(secretsAfterFirst);
    expect(output()).not.toContain(secretsAfterFirst.ADMIN_TOKEN);
    expect(output()).toContain(`${SECRETS_FILE} is still here`);
    expect(cf.worker!.deploys).toBe(2);
  });

  it("never adds secrets to a deployment that has some: the older ENCRYPTION_KEY, a retired ADMIN_TOKEN", async () => {
    cf.worker = { name: "toolgate", secrets: new Map([["ENCRYPTION_KEY", "the-old-one-key-keyring"]]), deploys: 3 };
    await run();
    expect(Object.fromEntries(cf.worker.secrets)).toEqual({ ENCRYPTION_KEY: "the-old-one-key-keyring" });
    expect(commands()).not.toContain("secret bulk");
    expect(existsSync(secretsPath())).toBe(false);
    expect(output()).toContain("No ADMIN_TOKEN");
    expect(cf.worker.deploys).toBe(4);
  });
});

describe("what stops a deploy", () => {
  it("not being logged in: it says how to log in and does nothing else", async () => {
    cf.loggedIn = false;
    const error = await run().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeployError);
    expect((error as Error).message).toContain("npx wrangler login");
    expect(commands()).toEqual(["whoami --json"]);
  });

  it("an id in wrangler.toml that the account does not have: nothing is created or changed", async () => {
    const foreign = ORIGINAL_TOML.replace(
      'binding = "DB"\n',
      'binding = "DB"\ndatabase_id = "11111111-2222-4333-8444-555555555555"\n',
    );
    writeFileSync(path.join(root, "wrangler.toml"), foreign);
    await expect(run()).rejects.toThrow(
      /binds DB to the D1 database 11111111-2222-4333-8444-555555555555, which the Cloudflare account you are logged in to does not have/,
    );
    expect(cf.databases).toEqual([]);
    expect(toml()).toBe(foreign);
    expect(existsSync(secretsPath())).toBe(false);
    expect(cf.worker).toBeNull();
  });

  it("a .deploy-secrets it did not write: it is neither used nor replaced", async () => {
    writeFileSync(secretsPath(), "ADMIN_TOKEN=short\n");
    await expect(run()).rejects.toThrow(/\.deploy-secrets exists but does not hold/);
    expect(readFileSync(secretsPath(), "utf8")).toBe("ADMIN_TOKEN=short\n");
    expect(cf.worker).toBeNull();
  });
});

describe("a deploy that fails half-way, then runs again", () => {
  it("creating the namespace fails: the message names it; the rerun creates only what is missing", async () => {
    cf.failNext(
      "kv namespace create",
      "✘ [ERROR] A request to the Cloudflare API failed. Service unavailable [code: 10013]",
    );
    const error = await run().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeployError);
    expect((error as Error).message).toContain('Creating the KV namespace "toolgate-token-cache" failed');
    expect((error as Error).message).toContain("Service unavailable [code: 10013]");
    // What was done stays valid: the database's id is written, wrangler.toml parses, nothing else moved.
    expect(readWranglerToml(path.join(root, "wrangler.toml")).d1_databases).toEqual([
      expect.objectContaining({ binding: "DB", database_id: cf.databases[0]!.uuid }),
    ]);
    expect(existsSync(secretsPath())).toBe(false);
    expect(cf.worker).toBeNull();

    await run();
    expect(cf.databases).toHaveLength(1);
    expect(cf.namespaces).toHaveLength(2);
    expect(toml()).toBe(tomlWithIds(cf.databases[0]!.uuid, cf.namespaces[0]!.id, cf.namespaces[1]!.id));
    expect(cf.worker?.deploys).toBe(1);
  });

  it("putting the secrets fails: the rerun puts the ones .deploy-secrets already holds", async () => {
    cf.failNext("secret bulk", "✘ [ERROR] A request to the Cloudflare API failed. Internal error [code: 10002]");
    await expect(run()).rejects.toThrow(/Putting the Worker's secrets failed[\s\S]*Internal error/);
    const fileAfterFailure = readFileSync(secretsPath(), "utf8");
    expect(cf.worker).toBeNull();

    printed = [];
    await run();
    expect(readFileSync(secretsPath(), "utf8")).toBe(fileAfterFailure);
    expect(Object.fromEntries(cf.worker!.secrets)).toEqual(secretsFileValues());
    expect(occurrences(output(), `ADMIN_TOKEN=${secretsFileValues().ADMIN_TOKEN}`)).toBe(1);
  });

  it("the deploy itself fails: the message says where the new secrets are; the rerun keeps them", async () => {
    cf.failNext("deploy", "✘ [ERROR] Build failed with 1 error");
    await expect(run()).rejects.toThrow(/Deploying the Worker failed[\s\S]*saved in \.deploy-secrets/);
    const secrets = Object.fromEntries(cf.worker!.secrets);
    expect(Object.keys(secrets).sort()).toEqual(["ADMIN_TOKEN", "ENCRYPTION_KEYS"]);

    cf.calls.length = 0;
    await run();
    expect(commands()).not.toContain("secret bulk");
    expect(Object.fromEntries(cf.worker!.secrets)).toEqual(secrets);
    expect(cf.worker!.deploys).toBe(1);
  });
});
