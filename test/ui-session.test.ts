/**
 * The web UI's sessions through the Worker: the sign-in guard, the session
 * cookie and its row, API keys signing in with their scopes, CSRF, sign-out
 * and expiry.
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { ADMIN_TOKEN, api, callWorker, createApiKey, createTool, uniqueName, type Json } from "./helpers";
import {
  ORIGIN,
  errorSummary,
  fieldError,
  formFields,
  getPage,
  inputValue,
  postForm,
  sessionHash,
  sessionIdOf,
  sessionRow,
  signIn,
  statusMessages,
  textOf,
  toolNamed,
} from "./ui-helpers";

const COOKIE =
  /^__Host-toolgate_session=([A-Za-z0-9_-]{43}); Max-Age=28800; Path=\/; HttpOnly; Secure; SameSite=Strict$/;

async function signInResponse(token: string, next?: string): Promise<Response> {
  return postForm("/ui/sign-in", { token, ...(next === undefined ? {} : { next }) }, null);
}

/** The text of a page's main content (an error page's title and message). */
async function errorPage(res: Response): Promise<string> {
  const html = await res.text();
  return textOf(/<main[^>]*>([\s\S]*)<\/main>/.exec(html)?.[1] ?? "");
}

/** The `name=value` of a response's Set-Cookie, as a browser sends it back. */
function cookieOf(res: Response): string {
  return (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
}

async function runCron(now: Date): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "17 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("the sign-in guard", () => {
  it("sends / to /ui", async () => {
    const res = await getPage("/", null);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/ui");
  });

  it("sends a page request without a session to the sign-in page, remembering where it was going", async () => {
    for (const [path, next] of [
      ["/ui", "/ui"],
      ["/ui/tools/new?x=1", "/ui/tools/new?x=1"],
    ] as const) {
      const res = await getPage(path, null);
      expect(res.status, path).toBe(303);
      expect(res.headers.get("location"), path).toBe(`/ui/sign-in?${new URLSearchParams({ next })}`);
    }
  });

  it("refuses a form post without a session, creating nothing, and comes back to the form's page after sign-in", async () => {
    const name = uniqueName();
    const res = await postForm("/ui/tools/new", { name, endpoint_url: "https://api.example.com/x" }, null);
    expect(res.status).toBe(303);
    // A form post without a session means one ended; the editor asks its page script for the kept form.
    expect(res.headers.get("location")).toBe(
      `/ui/sign-in?${new URLSearchParams({ next: "/ui/tools/new?restore_draft=1", reason: "session_ended" })}`,
    );
    expect(await toolNamed(name)).toBeNull();
    const edit = await postForm("/ui/tools/some-id/edit", {}, null);
    expect(edit.headers.get("location")).toBe(
      `/ui/sign-in?${new URLSearchParams({ next: "/ui/tools/some-id/edit?restore_draft=1", reason: "session_ended" })}`,
    );
    const run = await postForm("/ui/tools/some-id/run", {}, null);
    expect(run.headers.get("location")).toBe("/ui/sign-in?next=%2Fui%2Ftools%2Fsome-id&reason=session_ended");
    const signOut = await postForm("/ui/sign-out", {}, null);
    expect(signOut.headers.get("location")).toBe("/ui/sign-in?next=%2Fui&reason=session_ended");
  });

  it("says on the sign-in page why, when a session ended, and only then", async () => {
    const ended = await (await getPage("/ui/sign-in?next=%2Fui&reason=session_ended", null)).text();
    expect(ended).toContain("Your session has ended, so toolgate needs you to sign in again.");
    // Shown by the page script only when the tab kept the form to go back to.
    expect(ended).toMatch(/<p data-draft-kept="true" hidden="">The form you were filling in is kept/);
    expect(ended).toContain('<script src="/ui/editor-draft.js" defer=""></script>');
    const fresh = await (await getPage("/ui/sign-in?next=%2Fui", null)).text();
    expect(fresh).not.toContain("Your session has ended");
  });

  it("gives the editor's form back after signing in again, marking the secrets typed before to type again", async () => {
    const session = await signIn();
    const name = uniqueName();
    const res = await postForm(
      "/ui/tools/new",
      [
        ["name", name],
        ["method", "POST"],
        ["endpoint_url", "https://api.example.com/hook"],
        ["auth_type", "bearer_token"],
        ["param.0.name", "city"],
        ["param.0.type", "string"],
        ["param.0.location", "body"],
        ["lost_secret", "bearer_token"],
        ["lost_secret", "draft_secret.not_a_secret_field"],
        ["_action", "restore_draft"],
      ],
      session,
    );
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(await toolNamed(name)).toBeNull();
    expect(statusMessages(html)).toContain(
      "Your form is back as you left it before signing in again, except the secrets: type them again where marked, then save.",
    );
    expect(inputValue(html, "name")).toBe(name);
    expect(inputValue(html, "endpoint_url")).toBe("https://api.example.com/hook");
    expect(inputValue(html, "param-0-name")).toBe("city");
    expect(fieldError(html, "bearer_token")).toBe(
      "Type the bearer token again: you typed it before your session ended, and toolgate never keeps a secret in the browser.",
    );
    expect(errorSummary(html)).toContain("Type again before saving:");
    // Nothing else is marked: an unknown field name is ignored.
    expect(html.match(/class="field-error"/g)).toHaveLength(1);
  });

  it("does not let `next` send anyone to another site", async () => {
    const unsafe = [
      "//evil.example",
      "https://evil.example",
      "/\\evil.example",
      "/ui\\evil.example",
      "/uievil",
      // A line break cannot go into the Location header: refused, not a 500.
      "/ui/\r\nX-Evil: 1",
    ];
    for (const next of unsafe) {
      const res = await signInResponse(ADMIN_TOKEN, next);
      expect(res.status, next).toBe(303);
      expect(res.headers.get("location"), next).toBe("/ui");
      const signedIn = { cookie: cookieOf(res), csrf: "" };
      const again = await getPage(`/ui/sign-in?${new URLSearchParams({ next })}`, signedIn);
      expect(again.status, next).toBe(303);
      expect(again.headers.get("location"), next).toBe("/ui");
    }
    // A path of the UI is kept; whatever it resolves to stays on this origin.
    for (const next of ["/ui/tools/new?x=1", "/ui/../..//evil.example"]) {
      const res = await signInResponse(ADMIN_TOKEN, next);
      expect(res.headers.get("location"), next).toBe(next);
      expect(new URL(res.headers.get("location") ?? "", ORIGIN).origin, next).toBe(ORIGIN);
    }
  });

  it("puts the remembered page into the sign-in form, and only a safe one", async () => {
    const page = await (await getPage("/ui/sign-in?next=%2Fui%2Ftools%2Fnew", null)).text();
    expect(formFields(page, "/ui/sign-in")).toEqual([
      ["next", "/ui/tools/new"],
      ["token", ""],
    ]);
    const evil = await (await getPage("/ui/sign-in?next=%2F%2Fevil.example", null)).text();
    expect(formFields(evil, "/ui/sign-in")).toEqual([
      ["next", "/ui"],
      ["token", ""],
    ]);
  });
});

describe("signing in", () => {
  it("refuses a wrong token with a 401 page that says so, and sets no cookie", async () => {
    const res = await signInResponse("not-the-token");
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(errorSummary(await res.text())).toBe(
      "That token was not accepted. Check that you pasted all of it and that the key is not revoked.",
    );
  });

  it("signs in with the admin token: a __Host- cookie that is HttpOnly, Secure, SameSite=Strict and expires", async () => {
    const res = await signInResponse(ADMIN_TOKEN);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/ui");
    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(COOKIE);
    const id = COOKIE.exec(setCookie)?.[1] ?? "";
    expect(setCookie).not.toContain(ADMIN_TOKEN);
    expect(id).not.toContain(btoa(ADMIN_TOKEN).replace(/=+$/, ""));

    const row = await sessionRow(id);
    expect(row).not.toBeNull();
    expect(JSON.stringify(row)).not.toContain(ADMIN_TOKEN);
    expect(Object.values(row ?? {})).not.toContain(btoa(ADMIN_TOKEN));
    const ttl = Date.parse(String(row?.expires_at)) - Date.parse(String(row?.created_at));
    expect(ttl).toBe(28800 * 1000);

    const page = await getPage("/ui", { cookie: cookieOf(res), csrf: "" });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Signed in with the admin token");
  });

  it("signs in with an API key, which gets only its scopes", async () => {
    const key = await createApiKey(["tools:read"]);
    const session = await signIn(key.key);
    expect(session.cookie).not.toContain(key.key);
    expect(JSON.stringify(await sessionRow(sessionIdOf(session)))).not.toContain(key.key);
    const list = await getPage("/ui", session);
    expect(list.status).toBe(200);
    expect(await list.text()).toContain("Signed in with an API key");

    const form = await getPage("/ui/tools/new", session);
    expect(form.status).toBe(403);
    expect(await errorPage(form)).toContain("Your API key does not have the tools:write scope that this page needs.");

    const name = uniqueName();
    const post = await postForm("/ui/tools/new", { name, endpoint_url: "https://api.example.com/x" }, session);
    expect(post.status).toBe(403);
    expect(await post.text()).toContain("tools:write");
    expect(await toolNamed(name)).toBeNull();
  });

  it("ends an API key's session as soon as the key is revoked", async () => {
    const key = await createApiKey(["tools:read"]);
    const session = await signIn(key.key);
    expect((await getPage("/ui", session)).status).toBe(200);

    const revoke = await api(`/api-keys/${key.id}`, { method: "DELETE" });
    expect(revoke.status).toBe(204);

    const after = await getPage("/ui", session);
    expect(after.status).toBe(303);
    expect(after.headers.get("location")).toBe("/ui/sign-in?next=%2Fui&reason=session_ended");
  });

  it("ends admin sessions when ADMIN_TOKEN changes", async () => {
    const session = await signIn();
    const init = { token: null, headers: { cookie: session.cookie } };
    expect((await callWorker({}, "/ui", init)).status).toBe(200);
    const rotated = await callWorker({ ADMIN_TOKEN: "a-new-admin-token" }, "/ui", init);
    expect(rotated.status).toBe(303);
    expect(rotated.headers.get("location")).toBe("/ui/sign-in?next=%2Fui&reason=session_ended");
  });
});

describe("CSRF", () => {
  it("refuses a post without the form's token, with a wrong one, or from another origin, and changes nothing", async () => {
    const session = await signIn();
    const other = await signIn();
    const tool = await createTool();
    const path = `/ui/tools/${tool.id}/delete`;
    const flipped = session.csrf.slice(0, -1) + (session.csrf.endsWith("A") ? "B" : "A");
    const expired = "This form has expired. Go back, reload the page and try again.";
    const cases: [string, () => Promise<Response>, string][] = [
      ["no token", () => postForm(path, {}, null, { cookie: session.cookie }), expired],
      ["an empty token", () => postForm(path, { _csrf: "" }, session), expired],
      ["a wrong token", () => postForm(path, { _csrf: flipped }, session), expired],
      ["another session's token", () => postForm(path, { _csrf: other.csrf }, session), expired],
      [
        "another origin",
        () => postForm(path, {}, session, { origin: "https://evil.example" }),
        "This form was sent from another site, so it was refused.",
      ],
    ];
    for (const [what, send, message] of cases) {
      const res = await send();
      expect(res.status, what).toBe(403);
      expect(res.headers.get("content-type"), what).toMatch(/^text\/html/);
      expect(await errorPage(res), what).toContain(message);
    }
    const stored = await api(`/tools/${tool.id}`);
    expect(stored.status).toBe(200);
    expect((await stored.json<Json>()).version).toBe(1);
  });

  it("refuses a new tool posted from another origin, even with the right token", async () => {
    const session = await signIn();
    const name = uniqueName();
    const res = await postForm("/ui/tools/new", { name, endpoint_url: "https://api.example.com/x" }, session, {
      origin: "https://evil.example",
    });
    expect(res.status).toBe(403);
    expect(await errorPage(res)).toContain("This form was sent from another site, so it was refused.");
    expect(await toolNamed(name)).toBeNull();
  });

  it("refuses a sign-out without the token: the session goes on", async () => {
    const session = await signIn();
    const res = await postForm("/ui/sign-out", { _csrf: "forged" }, session);
    expect(res.status).toBe(403);
    expect(await sessionRow(sessionIdOf(session))).not.toBeNull();
    expect((await getPage("/ui", session)).status).toBe(200);
  });
});

describe("signing out and expiry", () => {
  it("deletes the session row and clears the cookie; the old cookie no longer opens /ui", async () => {
    const session = await signIn();
    const res = await postForm("/ui/sign-out", {}, session);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/ui/sign-in?signed_out=1");
    expect(res.headers.get("set-cookie")).toMatch(/^__Host-toolgate_session=; Max-Age=0; Path=\/; Secure/);
    expect(await sessionRow(sessionIdOf(session))).toBeNull();

    const after = await getPage("/ui", session);
    expect(after.status).toBe(303);
    expect(after.headers.get("location")).toBe("/ui/sign-in?next=%2Fui&reason=session_ended");
    const signedOut = await (await getPage("/ui/sign-in?signed_out=1", null)).text();
    expect(signedOut).toContain("You are signed out.");
  });

  it("does not open /ui with an expired session, and the scheduled purge deletes its row only", async () => {
    const expired = await signIn();
    const live = await signIn();
    const past = new Date(Date.now() - 1000).toISOString();
    await env.DB.prepare("UPDATE ui_sessions SET expires_at = ? WHERE id = ?")
      .bind(past, await sessionHash(sessionIdOf(expired)))
      .run();

    const res = await getPage("/ui", expired);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/ui/sign-in?next=%2Fui&reason=session_ended");
    expect(await sessionRow(sessionIdOf(expired))).not.toBeNull();

    await runCron(new Date());
    expect(await sessionRow(sessionIdOf(expired))).toBeNull();
    expect(await sessionRow(sessionIdOf(live))).not.toBeNull();
    expect((await getPage("/ui", live)).status).toBe(200);
  });
});
