/**
 * The web UI: server-rendered pages at / and /ui/*. Every page needs a
 * session (./session.ts) and checks the same scopes as the API; every write
 * and run goes through the same functions as the API (src/registry/writes.ts,
 * src/engine/run.ts), so no rule is written twice.
 */
import { drizzle } from "drizzle-orm/d1";
import { Hono, type Context } from "hono";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { assertScope } from "../access/middleware";
import { MIN_ADMIN_TOKEN_LENGTH } from "../access/principal";
import { clientAddress, lockoutSeconds, recordFailedAuthentication } from "../access/throttle";
import type { Scope } from "../access/scopes";
import { decodeCursor, pageOf } from "../api/pagination";
import { MAX_SEARCH_LENGTH, TOOL_NAME } from "../api/schemas";
import { OUTCOMES, type Outcome } from "../engine/outcomes";
import type { Env } from "../env";
import { AppError } from "../problem";
import {
  findExecution,
  latestRuns,
  listAllExecutions,
  listExecutions,
  presentExecution,
} from "../registry/execution-log";
import { dashboard, parseRange, toolSeries, toolsWithRuns } from "../registry/rollups";
import { AllRunsPage } from "./pages/all-runs";
import { DashboardPage, ToolMonitoringPage } from "./pages/monitoring";
import { getTool, listTools } from "../registry/queries";
import { removeTool } from "../registry/writes";
import { settleLogWrites } from "../registry/log-writer";
import { Page } from "./layout";
import { duplicateToolForm, editToolForm, newToolForm, submitToolForm } from "./editor";
import {
  connectionPage,
  connectionsList,
  deleteConnectionPage,
  newConnectionForm,
  submitConnectionForm,
  submitDeleteConnection,
  testConnectionFromPage,
} from "./connections";
import { importForm, submitImport } from "./import";
import { createAgentKey, showConnectAgent } from "./agents";
import { revokeApiKeyFromUi, showApiKeys, submitApiKey } from "./api-keys";
import { connectFromForm } from "./connection-oauth";
import { answerConsent, revokeConnectedApp, showConnectedApps, showConsent } from "./oauth";
import { listDeletedTools } from "../registry/deleted-tools";
import { DeletePage } from "./pages/delete";
import { DeletedToolsPage } from "./pages/deleted-tools";
import { HistoryPage } from "./pages/history";
import { ExecutionPage } from "./pages/run";
import { SignInPage } from "./pages/sign-in";
import { ToolsListPage } from "./pages/tools-list";
import { runFromForm, toolPage } from "./test-panel";
import { showRestore, showVersions, submitRestore } from "./versions";
import { csrfTokenMatches, currentSession, hasSessionCookie, signIn, signOut, type Session } from "./session";
import { RESTORE_DRAFT_QUERY } from "./editor-draft";

export type UiBindings = { Bindings: Env; Variables: { session: Session } };
export type UiContext = Context<UiBindings>;

const PAGE_SIZE = 50;

export const uiApp = new Hono<UiBindings>();

// The Content-Security-Policy and the other security headers come from src/security-headers.ts, for every response.
uiApp.use("/ui/*", async (c, next) => {
  await next();
  // Pages show tool definitions and execution data: never cache them.
  c.header("Cache-Control", "no-store");
});
// Cross-site form posts are refused by their Origin (a second line behind SameSite=Strict and the CSRF token).
uiApp.use("/ui/*", csrf());

uiApp.get("/", (c) => c.redirect("/ui", 302));

uiApp.get("/ui/sign-in", async (c) => {
  if (await currentSession(c, deferOf(c))) return c.redirect(safeNext(c.req.query("next")), 303);
  const signedOut = c.req.query("signed_out") === "1";
  return c.html(
    <SignInPage
      next={safeNext(c.req.query("next"))}
      notice={signedOut ? "You are signed out." : undefined}
      sessionEnded={c.req.query("reason") === "session_ended"}
    />,
  );
});

// Failed sign-ins count against the client address, as failed bearer tokens do (src/access/throttle.ts).
uiApp.post("/ui/sign-in", async (c) => {
  const body = await c.req.parseBody();
  const token = typeof body.token === "string" ? body.token.trim() : "";
  const next = safeNext(typeof body.next === "string" ? body.next : undefined);
  const address = clientAddress(c.req.raw);
  const lockedOut = lockoutSeconds(c.env, address);
  if (lockedOut !== null) return tooManySignIns(c, next, lockedOut);
  const refused = (error: string) => c.html(<SignInPage next={next} error={error} />, 401);
  if (!token) return refused(NOT_ACCEPTED);
  const result = await signIn(c, token, deferOf(c));
  if (result.ok) return c.redirect(next, 303);
  switch (result.reason) {
    case "admin_token_too_short":
      return refused(
        `This is the admin token, but it is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters, so toolgate no longer accepts it. Whoever runs this toolgate must set a new admin token of at least ${MIN_ADMIN_TOKEN_LENGTH} characters (the README's upgrade notes say how). Until then, sign in with an API key.`,
      );
    case "unknown_token": {
      const wait = await recordFailedAuthentication(c.env, address);
      return wait === null ? refused(NOT_ACCEPTED) : tooManySignIns(c, next, wait);
    }
  }
});

const NOT_ACCEPTED = "That token was not accepted. Check that you pasted all of it and that the key is not revoked.";

/** The sign-in page, refusing for a while after too many failed attempts from this address. */
function tooManySignIns(c: Context<UiBindings>, next: string, seconds: number) {
  c.header("Retry-After", String(seconds));
  const wait = seconds > 90 ? `${Math.ceil(seconds / 60)} minutes` : `${seconds} seconds`;
  return c.html(
    <SignInPage
      next={next}
      error={`Too many sign-in attempts with a wrong token came from your network, so signing in is paused for a while. Wait ${wait}, then try again with the right token.`}
    />,
    429,
  );
}

// Everything below needs a session; forms must also carry its CSRF token.
uiApp.use("/ui/*", async (c, next) => {
  const session = await currentSession(c, deferOf(c));
  if (!session) {
    // After signing in, come back to the page, or, for a form post, to the page the form was on; the
    // editor then gets its form back from the browser (./editor-draft.ts). A form post means a session ended.
    const url = new URL(c.req.url);
    const back = c.req.method === "GET" ? url.pathname + url.search : formPageOf(url.pathname);
    const query = new URLSearchParams({ next: EDITOR_PAGE.test(back) ? `${back}?${RESTORE_DRAFT_QUERY}` : back });
    if (c.req.method !== "GET" || hasSessionCookie(c)) query.set("reason", "session_ended");
    return c.redirect(`/ui/sign-in?${query}`, 303);
  }
  if (c.req.method === "POST") {
    const body = await c.req.parseBody({ all: true });
    if (!(await csrfTokenMatches(session, body._csrf)))
      throw new AppError(403, "csrf_failed", "This form has expired. Go back, reload the page and try again.");
  }
  c.set("session", session);
  await next();
});

uiApp.post("/ui/sign-out", async (c) => {
  await signOut(c, c.get("session"));
  return c.redirect("/ui/sign-in?signed_out=1", 303);
});

uiApp.get("/ui", async (c) => {
  const session = requireScope(c, "tools:read");
  const query = (c.req.query("q") ?? "").trim().slice(0, MAX_SEARCH_LENGTH);
  const db = drizzle(c.env.DB);
  const rows = await listTools(db, PAGE_SIZE, decodeCursor(c.req.query("cursor")), {
    search: query || undefined,
  });
  const page = pageOf(
    rows,
    PAGE_SIZE,
    (row) => row.createdAt,
    (row) => row,
  );
  // The last run is execution-log data: shown only to those who may read the log.
  const latest = session.principal.scopes.includes("executions:read")
    ? await latestRuns(
        db,
        page.items.map((t) => t.id),
      )
    : new Map();
  const deleted = c.req.query("deleted");
  return c.html(
    <ToolsListPage
      session={session}
      tools={page.items}
      latest={latest}
      query={query}
      nextCursor={page.next_cursor}
      flash={deleted && TOOL_NAME.test(deleted) ? `Deleted the tool ${deleted}.` : undefined}
    />,
  );
});

uiApp.get("/ui/tools/new", (c) => newToolForm(c, requireScope(c, "tools:write")));
uiApp.post("/ui/tools/new", (c) => submitToolForm(c, requireScope(c, "tools:write"), null));
uiApp.get("/ui/tools/:id/edit", (c) =>
  editToolForm(c, requireScope(c, "tools:read", "tools:write"), c.req.param("id")),
);
uiApp.post("/ui/tools/:id/edit", (c) =>
  submitToolForm(c, requireScope(c, "tools:read", "tools:write"), c.req.param("id")),
);

// A new tool's form filled from a stored one, posting to /ui/tools/new; its secrets are asked for again.
uiApp.get("/ui/tools/:id/duplicate", (c) =>
  duplicateToolForm(c, requireScope(c, "tools:read", "tools:write"), c.req.param("id")),
);

uiApp.get("/ui/import", (c) => importForm(c, requireScope(c, "tools:write")));
uiApp.post("/ui/import", (c) => submitImport(c, requireScope(c, "tools:write")));

uiApp.get("/ui/tools/:id", (c) => toolPage(c, requireScope(c, "tools:read"), c.req.param("id")));
uiApp.post("/ui/tools/:id/run", (c) =>
  runFromForm(c, requireScope(c, "tools:read", "tools:execute"), c.req.param("id")),
);

uiApp.get("/ui/tools/:id/history", async (c) => {
  const session = requireScope(c, "executions:read");
  const id = c.req.param("id");
  const outcomeParam = c.req.query("outcome") ?? "";
  const outcome = (OUTCOMES as readonly string[]).includes(outcomeParam) ? (outcomeParam as Outcome) : undefined;
  const db = drizzle(c.env.DB);
  const rows = await listExecutions(c.env, id, {
    limit: PAGE_SIZE,
    after: decodeCursor(c.req.query("cursor")),
    outcome,
  });
  const page = pageOf(
    rows,
    PAGE_SIZE,
    (row) => row.startedAt,
    (row) => row,
  );
  const tool = await getTool(db, id).catch(() => null);
  return c.html(
    <HistoryPage
      session={session}
      toolId={id}
      toolName={tool?.name ?? page.items[0]?.toolName ?? id}
      rows={page.items}
      outcome={outcome ?? ""}
      nextCursor={page.next_cursor}
      deleted={tool === null}
    />,
  );
});

uiApp.get("/ui/monitoring", async (c) => {
  const session = requireScope(c, "executions:read");
  await settleLogWrites(c.env.DB);
  const range = parseRange(c.req.query("range"));
  const sort = c.req.query("sort") === "errors" ? "errors" : "calls";
  const tools = await dashboard(c.env.DB, range, sort, Date.now());
  return c.html(<DashboardPage session={session} range={range} sort={sort} tools={tools} />);
});

uiApp.get("/ui/tools/:id/monitoring", async (c) => {
  const session = requireScope(c, "executions:read");
  const id = c.req.param("id");
  await settleLogWrites(c.env.DB);
  const series = await toolSeries(c.env.DB, id, parseRange(c.req.query("range")), Date.now());
  const tool = await getTool(drizzle(c.env.DB), id).catch(() => null);
  if (!tool && series.total.calls === 0) throw new AppError(404, "tool_not_found", "There is no such tool.");
  return c.html(<ToolMonitoringPage session={session} toolId={id} toolName={tool?.name ?? id} series={series} />);
});

uiApp.get("/ui/runs", async (c) => {
  const session = requireScope(c, "executions:read");
  const q = (name: string) => (c.req.query(name) ?? "").trim();
  const filters = { tool: q("tool"), outcome: q("outcome"), status: q("status"), from: q("from"), to: q("to") };
  await settleLogWrites(c.env.DB);
  const [rows, tools] = await Promise.all([
    listAllExecutions(drizzle(c.env.DB), {
      limit: PAGE_SIZE,
      after: decodeCursor(c.req.query("cursor")),
      toolId: filters.tool || undefined,
      outcome: (OUTCOMES as readonly string[]).includes(filters.outcome) ? (filters.outcome as Outcome) : undefined,
      upstreamStatus: /^[1-5][0-9]{2}$/.test(filters.status) ? Number(filters.status) : undefined,
      from: utcFromInput(filters.from),
      to: utcFromInput(filters.to),
    }),
    toolsWithRuns(c.env.DB),
  ]);
  const page = pageOf(
    rows,
    PAGE_SIZE,
    (row) => row.startedAt,
    (row) => row,
  );
  return c.html(
    <AllRunsPage session={session} filters={filters} rows={page.items} nextCursor={page.next_cursor} tools={tools} />,
  );
});

/** A datetime-local field's value (`2026-12-04T13:05`), read as UTC, as ISO text; undefined when empty or unreadable. */
function utcFromInput(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  const ms = Date.parse(`${value}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

// The tool's saved versions (its definition history, ./versions.tsx): compare any two, restore one.
uiApp.get("/ui/tools/:id/versions", (c) => showVersions(c, requireScope(c, "tools:read"), c.req.param("id")));
uiApp.get("/ui/tools/:id/versions/:n/restore", (c) =>
  showRestore(c, requireScope(c, "tools:read", "tools:write"), c.req.param("id"), versionParam(c)),
);
uiApp.post("/ui/tools/:id/versions/:n/restore", (c) =>
  submitRestore(c, requireScope(c, "tools:read", "tools:write"), c.req.param("id"), versionParam(c)),
);

function versionParam(c: UiContext): number {
  const n = Number(c.req.param("n"));
  if (!Number.isSafeInteger(n) || n < 1) throw new AppError(404, "version_not_found", "There is no such version.");
  return n;
}

// Deleted tools whose runs the log keeps (src/registry/deleted-tools.ts): reached from the tools list.
// These pages, like the lists of runs, first wait for this isolate's log rows still on their way to D1.
uiApp.get("/ui/deleted-tools", async (c) => {
  const session = requireScope(c, "executions:read");
  await settleLogWrites(c.env.DB);
  const deleted = await listDeletedTools(drizzle(c.env.DB), DELETED_TOOLS_SHOWN);
  return c.html(<DeletedToolsPage session={session} tools={deleted} limit={DELETED_TOOLS_SHOWN} />);
});

const DELETED_TOOLS_SHOWN = 100;

uiApp.get("/ui/executions/:id", async (c) => {
  const session = requireScope(c, "executions:read");
  const lookup = await findExecution(c.env, c.req.param("id"));
  if (!lookup.found)
    throw lookup.pending
      ? new AppError(404, "execution_pending", "This run's log entry is not written yet. Reload the page in a moment.")
      : new AppError(404, "execution_not_found", "There is no such execution in the log.");
  const row = lookup.row;
  const presented = presentExecution(row);
  return c.html(
    <ExecutionPage
      session={session}
      row={row}
      input={presented.input}
      output={presented.output}
      detail={presented.detail}
    />,
  );
});

uiApp.get("/ui/tools/:id/delete", async (c) => {
  const session = requireScope(c, "tools:write");
  const tool = await getTool(drizzle(c.env.DB), c.req.param("id"));
  return c.html(<DeletePage session={session} tool={tool} />);
});

uiApp.post("/ui/tools/:id/delete", async (c) => {
  requireScope(c, "tools:write");
  const tool = await removeTool(c.env, c.req.param("id"));
  return c.redirect(`/ui?${new URLSearchParams({ deleted: tool.name })}`, 303);
});

// Connections (./connections.tsx): saved credentials that tools share.
uiApp.get("/ui/connections", (c) => connectionsList(c, requireScope(c, "connections:read")));
uiApp.get("/ui/connections/new", (c) => newConnectionForm(c, requireScope(c, "connections:write")));
uiApp.post("/ui/connections/new", (c) => submitConnectionForm(c, requireScope(c, "connections:write"), null));
uiApp.get("/ui/connections/:id", (c) => connectionPage(c, requireScope(c, "connections:read"), c.req.param("id")));
uiApp.post("/ui/connections/:id", (c) =>
  submitConnectionForm(c, requireScope(c, "connections:read", "connections:write"), c.req.param("id")),
);
uiApp.post("/ui/connections/:id/test", (c) =>
  testConnectionFromPage(c, requireScope(c, "connections:read", "connections:write"), c.req.param("id")),
);
uiApp.get("/ui/connections/:id/delete", (c) =>
  deleteConnectionPage(c, requireScope(c, "connections:read", "connections:write"), c.req.param("id")),
);
uiApp.post("/ui/connections/:id/delete", (c) =>
  submitDeleteConnection(c, requireScope(c, "connections:read", "connections:write"), c.req.param("id")),
);

// Connect (or Reconnect) on a connection's page: off to the provider's consent screen (./connection-oauth.tsx).
uiApp.post("/ui/connections/:id/connect", (c) =>
  connectFromForm(c, requireScope(c, "connections:write"), c.req.param("id")),
);

// OAuth for /mcp (./oauth.tsx): the consent page (the authorization endpoint) and Connected apps.
uiApp.get("/ui/oauth/authorize", (c) => showConsent(c, c.get("session")));
uiApp.post("/ui/oauth/authorize", (c) => answerConsent(c, c.get("session")));
uiApp.get("/ui/apps", (c) => showConnectedApps(c, c.get("session")));
uiApp.post("/ui/apps/:grantId/revoke", (c) => revokeConnectedApp(c, c.get("session"), c.req.param("grantId")));

// Connect an AI agent (./agents.tsx): its key is an API key, so creating one needs the admin scope.
uiApp.get("/ui/agents", (c) => showConnectAgent(c, c.get("session")));
uiApp.post("/ui/agents/key", (c) => createAgentKey(c, requireScope(c, "admin")));

// API keys (./api-keys.tsx): the same functions and scope as /api-keys.
uiApp.get("/ui/keys", (c) => showApiKeys(c, requireScope(c, "admin")));
uiApp.post("/ui/keys", (c) => submitApiKey(c, requireScope(c, "admin")));
uiApp.post("/ui/keys/:id/revoke", (c) => {
  requireScope(c, "admin");
  return revokeApiKeyFromUi(c, c.req.param("id"));
});

uiApp.all("/ui/*", () => {
  throw new AppError(404, "not_found", "There is no page at this address.");
});

// Errors in the UI are pages a person can act on, not problem+json.
uiApp.onError((err, c) => {
  if (err instanceof AppError) return errorPage(c, err);
  // hono/csrf refuses a form posted from another origin by throwing a 403 HTTPException.
  if (err instanceof HTTPException && err.status === 403)
    return errorPage(c, new AppError(403, "csrf_failed", "This form was sent from another site, so it was refused."));
  console.error(JSON.stringify({ msg: "ui request failed", name: (err as Error)?.name }));
  return errorPage(c, new AppError(500, "internal_error", "Something went wrong on our side. Please try again."));
});

function errorPage(c: Context<UiBindings>, err: AppError) {
  const session = c.get("session") ?? null;
  const title = ERROR_TITLES[err.status] ?? "Something went wrong";
  return c.html(
    <Page title={title} session={session}>
      <div class="card">
        <h1>{title}</h1>
        <p>{err.detail}</p>
        <p>
          <a href="/ui">Back to the tools</a>
        </p>
      </div>
    </Page>,
    err.status,
  );
}

const ERROR_TITLES: Record<number, string> = {
  400: "That request was not understood",
  403: "Not allowed",
  404: "Not found",
  413: "Too large",
  422: "That answer cannot be used",
  500: "Something went wrong",
};

/** The session, if its principal holds every one of `scopes`; otherwise a 403 page naming the missing one. */
function requireScope(c: Context<UiBindings>, ...scopes: Scope[]): Session {
  const session = c.get("session");
  for (const scope of scopes) {
    try {
      assertScope(session.principal, scope);
    } catch {
      throw new AppError(
        403,
        "insufficient_scope",
        `Your API key does not have the ${scope} scope that this page needs. Ask an administrator for a key that has it.`,
      );
    }
  }
  return session;
}

export function deferOf(c: Context<UiBindings>) {
  return (work: Promise<unknown>) =>
    c.executionCtx.waitUntil(
      work.catch((err: unknown) =>
        console.error(JSON.stringify({ msg: "deferred work failed", name: (err as Error)?.name })),
      ),
    );
}

/**
 * Where to go after signing in: only a path of this UI, never another site.
 * Control characters are refused too: a CR or LF cannot go into a Location header.
 */
function safeNext(next: string | undefined): string {
  return next && /^\/ui(\/|\?|$)/.test(next) && !/[\\\u0000-\u001f\u007f]/.test(next) ? next : "/ui";
}

/** The editor's pages, new and stored, whose form the browser keeps while its session ends. */
const EDITOR_PAGE = /^\/ui\/tools\/(new|[^/]+\/edit)$/;

/** The page whose form posts to `path`: the editors and the delete confirmation post to themselves, a run to its tool. */
function formPageOf(path: string): string {
  if (/^\/ui\/tools\/[^/]+\/run$/.test(path)) return path.slice(0, -"/run".length);
  if (/^\/ui\/connections\/[^/]+\/connect$/.test(path)) return path.slice(0, -"/connect".length);
  if (/^\/ui\/tools\/(new|[^/]+\/(edit|delete))$/.test(path)) return path;
  if (/^\/ui\/apps\/[^/]+\/revoke$/.test(path)) return "/ui/apps";
  if (/^\/ui\/connections\/[^/]+\/(test|delete)$/.test(path)) return path.replace(/\/test$/, "");
  if (/^\/ui\/connections\/[^/]+$/.test(path)) return path;
  if (path === "/ui/agents/key") return "/ui/agents";
  if (/^\/ui\/keys(\/[^/]+\/revoke)?$/.test(path)) return "/ui/keys";
  return "/ui";
}
