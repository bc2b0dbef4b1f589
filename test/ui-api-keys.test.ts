/**
 * The UI's API keys page through the Worker: a key created there is shown
 * once and works with exactly the scopes chosen; the form reports every
 * problem at once; revoking ends the key; only the admin scope reaches it.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createApiKey, uniqueName } from "./helpers";
import { errorSummary, fieldError, getPage, postForm, signIn, statusMessages, textOf } from "./ui-helpers";

const KEY = /tg_[A-Za-z0-9_-]{43}/;

function newKeyOf(html: string): string {
  const match = /<code id="new-key">(tg_[A-Za-z0-9_-]{43})<\/code>/.exec(html);
  if (!match?.[1]) throw new Error("the page shows no new key");
  return match[1];
}

async function keyRowNamed(name: string) {
  return env.DB.prepare("SELECT id, scopes, revoked_at FROM api_keys WHERE name = ?")
    .bind(name)
    .first<{ id: string; scopes: string; revoked_at: string | null }>();
}

describe("API keys in the UI", () => {
  it("creates a key with the chosen scopes, shows it once, and it works with those scopes only", async () => {
    const session = await signIn();
    const name = uniqueName("ui-key");
    const res = await postForm(
      "/ui/keys",
      [
        ["name", name],
        ["scopes", "tools:read"],
        ["scopes", "tools:execute"],
      ],
      session,
    );
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    const key = newKeyOf(html);
    expect(textOf(html)).toContain(`Created the key “${name}”. Copy it now`);
    expect(html).toContain('data-copy="new-key"');
    expect(JSON.parse((await keyRowNamed(name))?.scopes ?? "null")).toEqual(["tools:read", "tools:execute"]);

    const auth = { token: key };
    expect((await api("/tools?limit=1", auth)).status).toBe(200);
    expect((await api("/api-keys", auth)).status).toBe(403);

    // Listed by its first characters, never the key.
    const listed = await (await getPage("/ui/keys", session)).text();
    expect(listed).toContain(name);
    expect(listed).toContain(`${key.slice(0, 11)}…`);
    expect(listed).not.toContain(key);
    expect(KEY.test(listed)).toBe(false);
  });

  it("reports a missing name and missing scopes together, keeps what was typed, and creates nothing", async () => {
    const session = await signIn();
    const res = await postForm(
      "/ui/keys",
      [
        ["name", ""],
        ["scopes", "not-a-scope"],
      ],
      session,
    );
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(fieldError(html, "key-name")).toContain("Give the key a name");
    expect(fieldError(html, "key-scopes")).toBe("Choose at least one thing the key may do.");
    expect(errorSummary(html)).toContain("Choose at least one thing the key may do.");
    expect(html).not.toContain("not-a-scope");
    expect(html).not.toContain('id="new-key"');

    const named = uniqueName("ui-key");
    const kept = await (await postForm("/ui/keys", { name: named }, session)).text();
    expect(kept).toContain(`value="${named}"`);
    expect(await keyRowNamed(named)).toBeNull();
  });

  it("revokes a key: it stops working and the list says so", async () => {
    const session = await signIn();
    const created = await createApiKey(["tools:read"]);
    const res = await postForm(`/ui/keys/${created.id}/revoke`, {}, session);
    expect(res.status).toBe(303);
    const location = res.headers.get("location") ?? "";
    expect(location).toBe(`/ui/keys?revoked=${created.id}`);
    expect((await api("/tools?limit=1", { token: created.key })).status).toBe(401);
    const html = await (await getPage(location, session)).text();
    expect(statusMessages(html)).toContain(`Revoked the key “${created.name}”. It no longer works.`);
    expect((await keyRowNamed(created.name))?.revoked_at).toBeTruthy();
    expect((await postForm("/ui/keys/no-such-key/revoke", {}, session)).status).toBe(404);
  });

  it("is only for the admin scope: no link, and 403 for the page and its forms", async () => {
    const reader = await createApiKey(["tools:read", "tools:write", "tools:execute", "executions:read"]);
    const session = await signIn(reader.key);
    const tools = await (await getPage("/ui", session)).text();
    expect(tools).not.toContain('href="/ui/keys"');
    expect((await getPage("/ui/keys", session)).status).toBe(403);
    const name = uniqueName("ui-key");
    const res = await postForm(
      "/ui/keys",
      [
        ["name", name],
        ["scopes", "admin"],
      ],
      session,
    );
    expect(res.status).toBe(403);
    expect(textOf(await res.text())).toContain("does not have the admin scope");
    expect(await keyRowNamed(name)).toBeNull();
    const admin = await signIn();
    expect(await (await getPage("/ui", admin)).text()).toContain('href="/ui/keys"');
  });

  it("marks the key the person is signed in with", async () => {
    const own = await createApiKey(["admin"]);
    const session = await signIn(own.key);
    const html = await (await getPage("/ui/keys", session)).text();
    expect(textOf(html)).toContain(`${own.name} You are signed in with this key.`);
  });
});
