/**
 * `npm run dev`'s .dev.vars step (scripts/dev-vars.mjs), run on files of its
 * own: it creates one, completes an older one without touching its secrets, and
 * replaces an ADMIN_TOKEN shorter than 32 characters, which toolgate never
 * accepts. Node-side, so it lives with the e2e suite; it needs no browser.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prepareDevVars as prepare } from "../../scripts/dev-vars.mjs";

describe("scripts/dev-vars.mjs", () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "toolgate-dev-vars-"));
    file = path.join(dir, ".dev.vars");
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const tokenIn = (text: string) => /^ADMIN_TOKEN=(.*)$/m.exec(text)?.[1];

  it("creates .dev.vars with secrets of its own, readable only by its owner, and prints the admin token", async () => {
    const messages = prepare(file);
    const text = await readFile(file, "utf8");
    const token = tokenIn(text);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(text).toMatch(/^ENCRYPTION_KEYS=[A-Za-z0-9+/]{43}=$/m);
    expect(text).toContain("ALLOW_HTTP=true\nALLOW_PRIVATE_NETWORKS=true\n");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(messages).toEqual([
      "Created .dev.vars with a new ENCRYPTION_KEYS and ADMIN_TOKEN.",
      `Your admin token: ${token}`,
    ]);
  });

  it.each([
    ["unquoted", "ADMIN_TOKEN=change-me"],
    ["quoted", "ADMIN_TOKEN='change-me'"],
    ["31 characters", `ADMIN_TOKEN=${"x".repeat(31)}`],
  ])("replaces a short ADMIN_TOKEN (%s) in place, changing no other line", async (_what, line) => {
    const before = `# mine\nENCRYPTION_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n${line}\nALLOW_HTTP=true\nALLOW_PRIVATE_NETWORKS=true\n`;
    await writeFile(file, before);
    const messages = prepare(file);
    const after = await readFile(file, "utf8");
    const token = tokenIn(after);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(after).toBe(before.replace(line, `ADMIN_TOKEN=${token}`));
    expect(messages).toEqual([
      "The ADMIN_TOKEN in .dev.vars was shorter than 32 characters, which toolgate no longer accepts; it was replaced.",
      `Your new admin token: ${token}`,
    ]);
    expect(messages.join("\n")).not.toContain(line.slice("ADMIN_TOKEN=".length));
  });

  it("keeps an ADMIN_TOKEN of 32 characters or more, and the file as it is", async () => {
    const token = "k".repeat(32);
    const before = `ENCRYPTION_KEYS=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nADMIN_TOKEN=${token}\nALLOW_HTTP=false\nALLOW_PRIVATE_NETWORKS=true\n`;
    await writeFile(file, before);
    expect(prepare(file)).toEqual([`Using .dev.vars. Admin token: ${token}`]);
    expect(await readFile(file, "utf8")).toBe(before);
  });

  it("appends the outbound settings an older .dev.vars lacks, after its own lines", async () => {
    const before = `ENCRYPTION_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nADMIN_TOKEN=${"k".repeat(40)}`;
    await writeFile(file, before);
    const messages = prepare(file);
    expect(await readFile(file, "utf8")).toBe(
      `${before}\n# Local development only: let tools call http:// and private hosts such as 127.0.0.1.\nALLOW_HTTP=true\nALLOW_PRIVATE_NETWORKS=true\n`,
    );
    expect(messages[0]).toBe("Added to .dev.vars: ALLOW_HTTP=true, ALLOW_PRIVATE_NETWORKS=true");
  });
});
