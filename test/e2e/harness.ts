// The pieces an end-to-end test needs: a real `wrangler dev` of this repo on a
// throwaway state, the mock upstream of scripts/mock-upstream.mjs, and Debian's
// Chromium driven by playwright-core. Each server gets free ports and is stopped
// with its whole process tree, so tests never touch the developer's .dev.vars,
// .wrangler/state or ports 8787/8788.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { inject } from "vitest";

declare module "vitest" {
  interface ProvidedContext {
    /** A D1/KV state with the migrations applied, made once by global-setup.ts for every server to copy. */
    migratedState?: string;
  }
}

const root = path.join(import.meta.dirname, "..", "..");
const wranglerBin = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const screenshotDir = path.join(root, "test-results", "screenshots");

/** Where Chromium should be: CHROMIUM_PATH, or Debian's package. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH || "/usr/bin/chromium";
}

/** Chromium's path if it is installed there, otherwise undefined (e2e suites skip themselves on it). */
export function findChromium(): string | undefined {
  const candidate = chromiumPath();
  return existsSync(candidate) ? candidate : undefined;
}

export const CHROMIUM_MISSING = `Chromium not found at ${chromiumPath()}: install Debian's chromium: apt-get install -y chromium (or set CHROMIUM_PATH to a Chromium binary)`;

export type DevServer = {
  /** The origin, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  adminToken: string;
  stop(): Promise<void>;
};

export type DevServerOptions = {
  /** Extra or overriding Worker vars, e.g. { ALLOW_PRIVATE_NETWORKS: "false" }. */
  vars?: Record<string, string>;
  /** How long to wait for GET /health to answer 200 (default 90 s). */
  startTimeoutMs?: number;
  /** The port to listen on, when something must know the origin first (an OAuth provider's redirect URI); else a free one. */
  port?: number;
  /**
   * Apply the migrations to this server's own state (as `npm run dev` does) rather than copy the
   * state global-setup.ts migrated once for the whole run. harness.e2e.ts uses it to check that
   * applying them does not block the test process.
   */
  applyMigrations?: boolean;
};

export type MockUpstream = { url: string; stop(): Promise<void> };

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no TCP address for a free port");
  return address.port;
}

/** A child process in its own process group, with its output kept for error messages. */
type Spawned = { child: ChildProcess; output: () => string; stop(): Promise<void> };

const running = new Set<ChildProcess>();
// If the test process dies without afterAll, take the servers down with it.
process.once("exit", () => {
  for (const child of running) killGroup(child, "SIGKILL");
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function spawnGroup(command: string, args: string[], env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(command, args, { cwd: root, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-64_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    output: () => output,
    async stop() {
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
      // workerd may outlive wrangler for a moment; the group signal reached it too.
      killGroup(child, "SIGKILL");
      running.delete(child);
    },
  };
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Polls `url` until `ready(status)` or the process exits or time runs out. */
async function waitUntilAnswering(
  url: string,
  ready: (status: number) => boolean,
  proc: Spawned,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(
        `${what} exited (${proc.child.exitCode ?? proc.child.signalCode}) before answering ${url}:\n${tail(proc.output())}`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await res.body?.cancel();
      if (ready(res.status)) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = String((error as Error).cause ?? error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await proc.stop();
  throw new Error(`${what} did not answer ${url} within ${timeoutMs} ms (last: ${last}):\n${tail(proc.output())}`);
}

/** Runs a command to its end without blocking the event loop; kills its group after `timeoutMs`. */
async function runToEnd(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ status: number | null; signal: NodeJS.Signals | null; output: string }> {
  const proc = spawnGroup(command, args, env);
  const timer = setTimeout(() => killGroup(proc.child, "SIGKILL"), timeoutMs);
  // "close", not "exit": by then its output has been read to the end.
  const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    proc.child.once("close", (code, sig) => resolve([code, sig])),
  );
  clearTimeout(timer);
  running.delete(proc.child);
  return { status, signal, output: proc.output() };
}

/** A .env line wrangler's dotenv reads back verbatim: single quotes, no escapes. */
function envLine(name: string, value: string): string {
  if (/['\r\n]/.test(value)) throw new Error(`var ${name}: quotes and newlines are not supported`);
  return `${name}='${value}'`;
}

function wranglerEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    // Pin the two switches that decide where dev vars come from.
    CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: "true",
    CLOUDFLARE_INCLUDE_PROCESS_ENV: "false",
    FORCE_COLOR: "0",
    NO_COLOR: "1",
  };
}

/**
 * Applies migrations/ to a local D1 state in `persistTo`. Asynchronously: a synchronous spawn
 * would freeze this process's event loop, and with it the start-up deadlines of servers started
 * beside this one (Promise.all in the suites). It runs a whole wrangler (seconds of CPU, over a
 * minute on a loaded machine), which is why the suites copy one state migrated once instead.
 */
export async function applyMigrations(persistTo: string, timeoutMs = 120_000): Promise<void> {
  // stdin is not a terminal, so wrangler applies without asking.
  const migrate = await runToEnd(
    process.execPath,
    [wranglerBin, "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo],
    wranglerEnv(),
    timeoutMs,
  );
  if (migrate.status !== 0) {
    throw new Error(
      `applying the D1 migrations failed (${migrate.status ?? migrate.signal}):\n${tail(migrate.output)}`,
    );
  }
}

/**
 * `wrangler dev` of this repo on 127.0.0.1 with a fresh D1/KV state (migrations
 * applied) in a temp directory, random secrets and the local-development outbound
 * settings. The vars come from a temp `--env-file`: given one, wrangler does not
 * read .dev.vars at all, so the developer's file can neither leak in nor win.
 */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const dir = await mkdtemp(path.join(tmpdir(), "toolgate-e2e-"));
  const persistTo = path.join(dir, "state");
  const envFile = path.join(dir, "vars.env");
  const adminToken = randomBytes(24).toString("base64url");
  const vars: Record<string, string> = {
    ADMIN_TOKEN: adminToken,
    ENCRYPTION_KEYS: randomBytes(32).toString("base64"),
    ALLOW_HTTP: "true",
    ALLOW_PRIVATE_NETWORKS: "true",
    ...opts.vars,
  };
  await writeFile(
    envFile,
    Object.entries(vars)
      .map(([k, v]) => envLine(k, v))
      .join("\n") + "\n",
    { mode: 0o600 },
  );
  const env = wranglerEnv();
  try {
    // Outside the e2e config (no global setup), each server migrates its own state.
    const migrated = opts.applyMigrations ? undefined : inject("migratedState");
    if (migrated === undefined) await applyMigrations(persistTo);
    else await cp(migrated, persistTo, { recursive: true });
    const [port, inspectorPort] = [opts.port ?? (await freePort()), await freePort()];
    const proc = spawnGroup(
      process.execPath,
      [
        wranglerBin,
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        String(port),
        "--inspector-port",
        String(inspectorPort),
        "--persist-to",
        persistTo,
        "--env-file",
        envFile,
        "--show-interactive-dev-session=false",
        "--live-reload=false",
      ],
      env,
    );
    const url = `http://127.0.0.1:${port}`;
    await waitUntilAnswering(`${url}/health`, (s) => s === 200, proc, "wrangler dev", opts.startTimeoutMs ?? 90_000);
    return {
      url,
      adminToken,
      async stop() {
        await proc.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** scripts/mock-upstream.mjs on a free 127.0.0.1 port. */
export async function startMockUpstream(): Promise<MockUpstream> {
  const port = await freePort();
  const proc = spawnGroup(process.execPath, [path.join(root, "scripts", "mock-upstream.mjs")], {
    ...process.env,
    PORT: String(port),
  });
  const url = `http://127.0.0.1:${port}`;
  // Any HTTP answer (its 404 for /) means it is listening.
  await waitUntilAnswering(`${url}/`, () => true, proc, "the mock upstream", 60_000);
  return { url, stop: () => proc.stop() };
}

/** Headless Chromium (Debian's, or CHROMIUM_PATH) through playwright-core. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = findChromium();
  if (executablePath === undefined) throw new Error(CHROMIUM_MISSING);
  return chromium.launch({
    executablePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}

/** What most browser suites start from: toolgate, the mock upstream and Chromium. */
export type ServersAndBrowser = {
  server: DevServer;
  upstream: MockUpstream;
  browser: Browser;
  /** Closes the browser and stops both servers. */
  stop(): Promise<void>;
};

/**
 * `wrangler dev`, the mock upstream and Chromium, started side by side. If one
 * fails to start, the others are stopped before the error is thrown, so that a
 * failed beforeAll leaves no server behind until the test process exits.
 */
export async function startServersAndBrowser(opts: DevServerOptions = {}): Promise<ServersAndBrowser> {
  const [server, upstream, browser] = await Promise.allSettled([
    startDevServer(opts),
    startMockUpstream(),
    launchBrowser(),
  ]);
  const stop = async () => {
    if (browser.status === "fulfilled") await browser.value.close();
    await Promise.all([server, upstream].map((s) => (s.status === "fulfilled" ? s.value.stop() : undefined)));
  };
  for (const started of [server, upstream, browser]) {
    if (started.status === "rejected") {
      await stop();
      throw started.reason;
    }
  }
  // All three are fulfilled here; TypeScript cannot follow that through the loop.
  const value = <T>(s: PromiseSettledResult<T>) => (s as PromiseFulfilledResult<T>).value;
  return { server: value(server), upstream: value(upstream), browser: value(browser), stop };
}

/** Signs `page` in with the admin token from the sign-in page, and waits for the tools list. */
export async function signIn(page: Page, server: DevServer): Promise<void> {
  await page.goto(`${server.url}/ui/sign-in`);
  await page.getByLabel("API token").fill(server.adminToken);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Tools", exact: true }).waitFor();
}

export type PageOptions = {
  /** Let the page read and write the clipboard (Copy buttons), on `server`'s origin. */
  clipboard?: boolean;
};

/** A 1280×900 page in a browser context of its own (its own cookies), signed in to `server`. */
export async function newSignedInPage(browser: Browser, server: DevServer, opts: PageOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  if (opts.clipboard) await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
  const page = await context.newPage();
  await signIn(page, server);
  return page;
}

/** toolgate, the mock upstream and Chromium, with one page signed in on the tools list. */
export type SignedInPage = ServersAndBrowser & { context: BrowserContext; page: Page };

/** Starts what a browser suite needs (startServersAndBrowser) and signs a page in (newSignedInPage). */
export async function signedInPage(opts: PageOptions = {}): Promise<SignedInPage> {
  const started = await startServersAndBrowser();
  try {
    const page = await newSignedInPage(started.browser, started.server, opts);
    return { ...started, context: page.context(), page };
  } catch (error) {
    await started.stop();
    throw error;
  }
}

/** An element's text as read, its line breaks and runs of spaces made single spaces. */
export async function textIn(locator: Locator): Promise<string> {
  return (await locator.innerText()).replace(/\s+/g, " ").trim();
}

/** True when the page does not scroll sideways at its current viewport width. */
export async function hasNoHorizontalScroll(page: Page): Promise<boolean> {
  // A string, so that this Node-typed file needs no DOM types.
  return page.evaluate<boolean>("document.documentElement.scrollWidth <= document.documentElement.clientWidth");
}

/** The elements that stick out to the right of the viewport (tag, id, class), to say why a page scrolls sideways. */
export async function overflowingElements(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > width + 1 || (getComputedStyle(el).overflowX === "visible" && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0))
      .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + el.className : ""))
      .slice(0, 10);
  })()`);
}

/** Saves a full-page PNG to test-results/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
