/**
 * D1 read replication, through the Sessions API, one set of sessions per request.
 *
 * - Writes, and the reads that guard them (If-Match checks, a tool's previous
 *   version), go to the primary: a `first-primary` session. The UI reads
 *   there too, since a browser carries no bookmark between pages.
 * - Other reads may be served by a read replica (`first-unconstrained`), or by
 *   one at least as new as the bookmark the caller sent in `x-d1-bookmark`.
 * - Every response that used D1 carries the newest bookmark in
 *   `x-d1-bookmark`: a caller who sends it back reads their own writes, on
 *   whichever replica serves them.
 *
 * Without read replication enabled on the database, every session is served
 * by the primary and this costs nothing. The middleware hands each request an
 * env whose `DB` is its session, so the routes keep calling `drizzle(c.env.DB)`;
 * `requestDatabaseOf(env.DB)` recovers the request's sessions and the bare
 * binding (shared, per-isolate work such as the log writer uses the binding).
 */
import type { MiddlewareHandler } from "hono";
import type { AppBindings, Env } from "../env";
import { AppError } from "../problem";

export const BOOKMARK_HEADER = "x-d1-bookmark";

/** What a bookmark looks like (D1's are hex groups joined by dashes); anything else is refused before D1 sees it. */
const BOOKMARK_PATTERN = /^[0-9a-f]{1,64}(?:-[0-9a-f]{1,64}){0,7}$/i;

type SessionKind = "replica" | "primary";

/** One request's D1 sessions: each opened on first use, at most one of each kind. */
export class RequestDatabase {
  private readonly sessions = new Map<SessionKind, D1DatabaseSession>();
  private readonly views = new Map<SessionKind, D1Database>();

  constructor(
    /** The Worker's D1 binding itself (shared by every request of the isolate). */
    readonly binding: D1Database,
    /** The bookmark the caller sent, if any: replica reads are at least this new. */
    readonly callerBookmark: string | null,
  ) {}

  /** Reads that a replica may serve, no older than the caller's bookmark. */
  replica(): D1Database {
    return this.view("replica");
  }

  /** Writes, and reads that must see the latest committed state. */
  primary(): D1Database {
    return this.view("primary");
  }

  /** The newest bookmark of the sessions used so far (bookmarks sort lexicographically), or the caller's own. */
  bookmark(): string | null {
    let newest = this.callerBookmark;
    for (const session of this.sessions.values()) {
      const mark = session.getBookmark();
      if (mark !== null && (newest === null || mark > newest)) newest = mark;
    }
    return newest;
  }

  /** Whether any statement went through this request's sessions. */
  get used(): boolean {
    return this.sessions.size > 0;
  }

  session(kind: SessionKind): D1DatabaseSession {
    let session = this.sessions.get(kind);
    if (session === undefined) {
      session = this.binding.withSession(
        kind === "primary" ? "first-primary" : (this.callerBookmark ?? "first-unconstrained"),
      );
      this.sessions.set(kind, session);
    }
    return session;
  }

  private view(kind: SessionKind): D1Database {
    let view = this.views.get(kind);
    if (view === undefined) {
      view = new SessionDatabase(this, kind);
      requestDatabases.set(view, this);
      this.views.set(kind, view);
    }
    return view;
  }
}

/**
 * A session shaped as a D1Database, so that Drizzle and every query function
 * take it as they take the binding. Statements go to the session; `exec`
 * (migrations, never a route) and new sessions go to the binding.
 */
class SessionDatabase implements D1Database {
  constructor(
    private readonly owner: RequestDatabase,
    private readonly kind: SessionKind,
  ) {}

  prepare(query: string): D1PreparedStatement {
    return this.owner.session(this.kind).prepare(query);
  }

  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    return this.owner.session(this.kind).batch<T>(statements);
  }

  exec(query: string): Promise<D1ExecResult> {
    return this.owner.binding.exec(query);
  }

  withSession(constraintOrBookmark?: string): D1DatabaseSession {
    return this.owner.binding.withSession(constraintOrBookmark);
  }

  dump(): Promise<ArrayBuffer> {
    return this.owner.binding.dump();
  }
}

/** Each session view's request (a view is handed out as a plain D1Database). */
const requestDatabases = new WeakMap<D1Database, RequestDatabase>();

/**
 * The sessions of the request `db` belongs to; for a bare binding (the cron
 * trigger, the queue consumer, a test that calls the Worker directly), new
 * sessions over it with no caller bookmark.
 */
export function requestDatabaseOf(db: D1Database): RequestDatabase {
  return requestDatabases.get(db) ?? new RequestDatabase(db, null);
}

/** The Worker's D1 binding behind `db`, which may be a request's session view. */
export function bindingOf(db: D1Database): D1Database {
  return requestDatabases.get(db)?.binding ?? db;
}

/** The caller's bookmark: absent or empty is none; anything not shaped like one is 400. */
export function parseBookmark(value: string | undefined): string | null {
  if (value === undefined || value.trim() === "") return null;
  const text = value.trim();
  if (!BOOKMARK_PATTERN.test(text))
    throw new AppError(
      400,
      "invalid_bookmark",
      `The ${BOOKMARK_HEADER} header is not a D1 bookmark. Send back the value a previous response carried, or leave the header out.`,
    );
  return text;
}

/**
 * Gives each request its D1 sessions (see the top of this file): `c.env.DB` is
 * the primary session for writes (any method but GET and HEAD) and for `primaryPaths`
 * (the UI), else the replica session; the response carries the bookmark.
 */
export function d1Sessions(options: { primaryPaths: (path: string) => boolean }): MiddlewareHandler<AppBindings> {
  return async function d1SessionsMiddleware(c, next) {
    const requestDb = new RequestDatabase(c.env.DB, parseBookmark(c.req.header(BOOKMARK_HEADER)));
    const reads = c.req.method === "GET" || c.req.method === "HEAD";
    const db = reads && !options.primaryPaths(c.req.path) ? requestDb.replica() : requestDb.primary();
    c.env = { ...c.env, DB: db } satisfies Env;
    await next();
    const bookmark = requestDb.used ? requestDb.bookmark() : null;
    if (bookmark !== null) c.res.headers.set(BOOKMARK_HEADER, bookmark);
  };
}
