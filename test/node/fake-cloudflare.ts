/**
 * A Cloudflare account as the deploy script sees it through wrangler: the
 * commands it runs, answered the way wrangler 4.86 answers them (the same
 * JSON, the same exit codes, the same "not found" message), with state that
 * persists between runs. Like wrangler, it reads the project's wrangler.toml:
 * remote migrations fail without a database_id, and a deploy with a binding
 * that lacks its id fails instead of provisioning silently.
 */
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { bindingsOf, readWranglerToml } from "../../scripts/deploy/wrangler-toml.mjs";
import type { WranglerOptions, WranglerResult } from "../../scripts/deploy/wrangler.mjs";

export type Database = { uuid: string; name: string; migrated: boolean };
export type Namespace = { id: string; title: string };
export type Bucket = { name: string };
export type Queue = { name: string };
export type Call = { args: string[]; input?: string; interactive?: boolean };

export class FakeCloudflare {
  loggedIn = true;
  databases: Database[] = [];
  namespaces: Namespace[] = [];
  buckets: Bucket[] = [];
  queues: Queue[] = [];
  /** null until the Worker exists (a deploy, or a secret put to a new Worker, creates it). */
  worker: { name: string; secrets: Map<string, string>; deploys: number } | null = null;
  readonly calls: Call[] = [];
  private readonly failures: { command: string; stderr: string }[] = [];

  constructor(private readonly root: string) {}

  /** The next call whose command line starts with `command` fails (with nothing done), once. */
  failNext(command: string, stderr: string) {
    this.failures.push({ command, stderr });
  }

  /** Runs `wrangler` with `args`: the function the deploy script gets. */
  readonly wrangler = async (args: string[], options: WranglerOptions = {}): Promise<WranglerResult> => {
    this.calls.push({ args, input: options.input, interactive: options.interactive });
    const line = args.join(" ");
    const failure = this.failures.findIndex((f) => line.startsWith(f.command));
    if (failure >= 0) {
      const [{ stderr } = { stderr: "" }] = this.failures.splice(failure, 1);
      return { status: 1, stdout: "", stderr };
    }
    return this.run(args, options);
  };

  private run(args: string[], options: WranglerOptions): WranglerResult {
    const line = args.join(" ");
    const config = readWranglerToml(path.join(this.root, "wrangler.toml"));
    const workerName = String(config.name);

    if (line === "whoami --json")
      return this.loggedIn
        ? ok(JSON.stringify({ loggedIn: true, authType: "OAuth Token", email: "new-user@example.com", accounts: [] }))
        : { status: 1, stdout: '{"loggedIn":false}', stderr: "" };
    if (!this.loggedIn) return fail("✘ [ERROR] You are not authenticated. Please run `wrangler login`.");

    if (line === "d1 list --json")
      return ok(
        JSON.stringify(
          this.databases.map((db) => ({
            uuid: db.uuid,
            name: db.name,
            created_at: "2026-12-01T10:00:00.000Z",
            version: "production",
            num_tables: 0,
            file_size: 4096,
          })),
          null,
          2,
        ),
      );
    if (args[0] === "d1" && args[1] === "create" && args[2]) {
      if (this.databases.some((db) => db.name === args[2]))
        return fail(`✘ [ERROR] A request to the Cloudflare API failed. database with name "${args[2]}" already exists`);
      const uuid = randomUUID();
      this.databases.push({ uuid, name: args[2], migrated: false });
      return ok(
        `✅ Successfully created DB '${args[2]}' in region WEUR\nCreated your new D1 database.\n\n` +
          `To access your new D1 Database in your Worker, add the following snippet to your configuration file:\n` +
          `[[d1_databases]]\nbinding = "${args[2]}"\ndatabase_name = "${args[2]}"\ndatabase_id = "${uuid}"\n`,
      );
    }
    if (line === "kv namespace list")
      return ok(
        JSON.stringify(
          this.namespaces.map((ns) => ({ id: ns.id, title: ns.title, supports_url_encoding: true })),
          null,
          "  ",
        ),
      );
    if (args[0] === "kv" && args[1] === "namespace" && args[2] === "create" && args[3]) {
      if (this.namespaces.some((ns) => ns.title === args[3]))
        return fail(`✘ [ERROR] A KV namespace with the title "${args[3]}" already exists.`);
      const id = randomBytes(16).toString("hex");
      this.namespaces.push({ id, title: args[3] });
      return ok(
        `🌀 Creating namespace with title "${args[3]}"\n✨ Success!\n` +
          `To access your new KV Namespace in your Worker, add the following snippet to your configuration file:\n` +
          `[[kv_namespaces]]\nbinding = "${args[3]}"\nid = "${id}"\n`,
      );
    }
    if (args[0] === "r2" && args[1] === "bucket" && args[2] === "info" && args[3] && args[4] === "--json") {
      if (!this.buckets.some((b) => b.name === args[3]))
        return fail(
          `✘ [ERROR] A request to the Cloudflare API (/accounts/0123/r2/buckets/${args[3]}) failed.\n\n  The specified bucket does not exist. [code: 10006]`,
        );
      return ok(JSON.stringify({ name: args[3], created: "2026-12-01T10:00:00.000Z", location: "WEUR" }, null, 2));
    }
    if (args[0] === "r2" && args[1] === "bucket" && args[2] === "create" && args[3]) {
      if (this.buckets.some((b) => b.name === args[3]))
        return fail(`✘ [ERROR] The bucket you tried to create already exists, and you own it. [code: 10004]`);
      this.buckets.push({ name: args[3] });
      return ok(
        `Creating bucket '${args[3]}'...\n✅ Created bucket '${args[3]}' with default storage class of Standard.`,
      );
    }
    if (args[0] === "queues" && args[1] === "info" && args[2]) {
      if (!this.queues.some((q) => q.name === args[2]))
        return fail(
          `✘ [ERROR] Queue "${args[2]}" does not exist. To create it, run: wrangler queues create ${args[2]}`,
        );
      return ok(`Queue Name: ${args[2]}\nQueue ID: 0f1e2d3c\nNumber of Producer Workers: 0`);
    }
    if (args[0] === "queues" && args[1] === "create" && args[2]) {
      if (this.queues.some((q) => q.name === args[2]))
        return fail(`✘ [ERROR] A request to the Cloudflare API failed. Queue name already taken [code: 11009]`);
      this.queues.push({ name: args[2] });
      return ok(`🌀 Creating queue '${args[2]}'\n✅ Created queue '${args[2]}'`);
    }
    if (args[0] === "d1" && args[1] === "migrations" && args[2] === "apply" && args[4] === "--remote") {
      const binding = bindingsOf(config, "d1_databases").find((b) => b.binding === args[3]);
      if (!binding) return fail(`✘ [ERROR] Couldn't find a D1 DB with the name or binding '${args[3]}'`);
      if (typeof binding.database_id !== "string")
        return fail(
          `✘ [ERROR] Found a database with name or binding ${args[3]} but it is missing a database_id, which is needed for operations on remote resources.`,
        );
      const db = this.databases.find((d) => d.uuid === binding.database_id);
      if (!db) return fail(`✘ [ERROR] A request to the Cloudflare API failed. Couldn't find DB ${binding.database_id}`);
      db.migrated = true;
      return ok("Migrations to be applied:\n0000_init.sql\n✅ Applied");
    }
    if (line === "secret list --format json") {
      if (!this.worker)
        return fail(
          `✘ [ERROR] Worker "${workerName}" not found.\n\nIf this is a new Worker, run \`wrangler deploy\` first to create it.\nOtherwise, check that the Worker name is correct and you're logged into the right account.`,
        );
      return ok(
        JSON.stringify(
          [...this.worker.secrets.keys()].map((name) => ({ name, type: "secret_text" })),
          null,
          "  ",
        ),
      );
    }
    if (line === "secret bulk") {
      // wrangler reads JSON (or .env) from stdin; on a Worker that does not exist it creates an empty one first.
      const content = JSON.parse(options.input ?? "") as Record<string, string>;
      this.worker ??= { name: workerName, secrets: new Map(), deploys: 0 };
      for (const [name, value] of Object.entries(content)) this.worker.secrets.set(name, value);
      return ok(`✨ ${Object.keys(content).length} secrets successfully uploaded`);
    }
    if (line === "deploy") {
      for (const b of bindingsOf(config, "d1_databases"))
        if (!this.databases.some((db) => db.uuid === b.database_id))
          return fail(`✘ [ERROR] ${b.binding} has no database_id of this account: wrangler would provision one.`);
      for (const b of bindingsOf(config, "kv_namespaces"))
        if (!this.namespaces.some((ns) => ns.id === b.id))
          return fail(`✘ [ERROR] ${b.binding} has no id of this account: wrangler would provision one.`);
      // Like wrangler: a queue it binds must exist (an R2 bucket it would provision by its name).
      const queues = config.queues as { producers?: { queue: string }[]; consumers?: { queue: string }[] } | undefined;
      for (const q of [...(queues?.producers ?? []), ...(queues?.consumers ?? [])])
        if (!this.queues.some((existing) => existing.name === q.queue))
          return fail(
            `✘ [ERROR] Queue "${q.queue}" does not exist. To create it, run: wrangler queues create ${q.queue}`,
          );
      this.worker ??= { name: workerName, secrets: new Map(), deploys: 0 };
      this.worker.deploys += 1;
      return ok(`Uploaded ${workerName}\nDeployed ${workerName} triggers\n  https://${workerName}.example.workers.dev`);
    }
    throw new Error(`The deploy script ran a command this fake does not know: wrangler ${line}`);
  }
}

function ok(stdout: string): WranglerResult {
  return { status: 0, stdout, stderr: "" };
}

function fail(stderr: string): WranglerResult {
  return { status: 1, stdout: "", stderr };
}
