/**
 * Web UI sessions. Signing in with an API token (ADMIN_TOKEN or an API key)
 * creates a row in `ui_sessions` and sets a cookie that holds only a random
 * session id: `__Host-` prefixed, HttpOnly (page scripts never see it),
 * Secure, SameSite=Strict, with an expiry. Neither the cookie nor the row
 * holds the token: the row keeps SHA-256 of the session id and of the token,
 * and each request finds its principal again from the token hash, so a
 * revoked key or a changed ADMIN_TOKEN ends the session at once.
 *
 * Forms carry a CSRF token derived from the session id (which only the
 * browser holding the cookie knows), on top of SameSite=Strict and the Origin
 * check of hono/csrf in ./routes.tsx.
 */
import { and, eq, gt, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { hashApiKey } from "../access/api-key";
import {
  ADMIN_PRINCIPAL,
  constantTimeEqual,
  resolvePrincipal,
  resolvePrincipalByKeyHash,
  usableAdminToken,
  type Principal,
} from "../access/principal";
import type { Scope } from "../access/scopes";
import { uiSessions } from "../db/schema";
import { bytesToBase64Url } from "../encoding";
import type { Env } from "../env";

/** Sent as `__Host-toolgate_session`: the prefix pins it to this host, path / and Secure. */
const COOKIE_NAME = "toolgate_session";
export const SESSION_TTL_SECONDS = 8 * 60 * 60;

export interface Session {
  /** The random id from the cookie; never stored, only its hash. */
  id: string;
  principal: Principal;
  /** What every form of this session must send back as `_csrf`. */
  csrfToken: string;
  expiresAt: string;
}

type Defer = (work: Promise<unknown>) => void;
type WithEnv = { Bindings: Env };

export type SignInResult =
  { ok: true; session: Session } | { ok: false; reason: "unknown_token" | "admin_token_too_short" };

/** Starts a session for `token` if it authenticates, and sets the cookie; otherwise says why not. */
export async function signIn<E extends WithEnv>(c: Context<E>, token: string, defer: Defer): Promise<SignInResult> {
  const verdict = await resolvePrincipal(c.env, token, defer);
  if (!verdict.ok) return verdict;
  const principal = verdict.principal;
  // A new sign-in replaces the browser's previous session, which must not outlive it.
  const previous = await currentSession(c, defer);
  if (previous) await deleteSessionRow(c.env, previous.id);
  const id = bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  const now = Date.now();
  const expiresAt = new Date(now + SESSION_TTL_SECONDS * 1000).toISOString();
  await drizzle(c.env.DB)
    .insert(uiSessions)
    .values({
      id: await sha256(id),
      tokenHash: principal.kind === "admin_token" ? await adminTokenHash(id, token) : await hashApiKey(token),
      createdAt: new Date(now).toISOString(),
      expiresAt,
    })
    .run();
  setCookie(c, COOKIE_NAME, id, {
    prefix: "host",
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    path: "/",
    maxAge: SESSION_TTL_SECONDS,
  });
  return { ok: true, session: { id, principal, csrfToken: await csrfTokenFor(id), expiresAt } };
}

/** The request's session, or null (no cookie, unknown, expired, or its token no longer valid). */
export async function currentSession<E extends WithEnv>(c: Context<E>, defer: Defer): Promise<Session | null> {
  const id = getCookie(c, COOKIE_NAME, "host");
  if (!id || id.length > 128) return null;
  const row = await drizzle(c.env.DB)
    .select()
    .from(uiSessions)
    .where(and(eq(uiSessions.id, await sha256(id)), gt(uiSessions.expiresAt, new Date().toISOString())))
    .get();
  if (!row) return null;
  const principal = await sessionPrincipal(c.env, id, row.tokenHash, defer);
  if (!principal) return null;
  return { id, principal, csrfToken: await csrfTokenFor(id), expiresAt: row.expiresAt };
}

/** Whether the browser sent a session cookie at all: without a session, it means that one ended. */
export function hasSessionCookie<E extends WithEnv>(c: Context<E>): boolean {
  return getCookie(c, COOKIE_NAME, "host") !== undefined;
}

/** Ends the session: its row is deleted (the cookie alone no longer opens anything) and the cookie cleared. */
export async function signOut<E extends WithEnv>(c: Context<E>, session: Session | null): Promise<void> {
  if (session)
    await drizzle(c.env.DB)
      .delete(uiSessions)
      .where(eq(uiSessions.id, await sha256(session.id)))
      .run();
  deleteCookie(c, COOKIE_NAME, { prefix: "host", path: "/", secure: true });
}

/** Deletes sessions that expired before `now` (the cron trigger calls this). */
export async function purgeExpiredSessions(db: D1Database, now: Date): Promise<number> {
  const result = await drizzle(db).delete(uiSessions).where(lt(uiSessions.expiresAt, now.toISOString())).run();
  return result.meta.changes;
}

/** Constant-time comparison of a submitted CSRF token with the session's. */
export async function csrfTokenMatches(session: Session, submitted: unknown): Promise<boolean> {
  if (typeof submitted !== "string" || submitted.length !== session.csrfToken.length) return false;
  const encoder = new TextEncoder();
  return crypto.subtle.timingSafeEqual(encoder.encode(submitted), encoder.encode(session.csrfToken));
}

async function deleteSessionRow(env: Env, sessionId: string): Promise<void> {
  await drizzle(env.DB)
    .delete(uiSessions)
    .where(eq(uiSessions.id, await sha256(sessionId)))
    .run();
}

/** ADMIN_TOKEN as one session's row records it: useless without the session id, which is not stored. */
function adminTokenHash(sessionId: string, token: string): Promise<string> {
  return sha256(`admin:${sessionId}:${token}`);
}

async function sessionPrincipal(
  env: Env,
  sessionId: string,
  tokenHash: string,
  defer: Defer,
): Promise<Principal | null> {
  // An ADMIN_TOKEN too short to sign in with opens no session either, even one made before it was refused.
  const adminToken = usableAdminToken(env);
  if (adminToken && (await constantTimeEqual(tokenHash, await adminTokenHash(sessionId, adminToken))))
    return ADMIN_PRINCIPAL;
  return resolvePrincipalByKeyHash(env, tokenHash, defer);
}

async function csrfTokenFor(sessionId: string): Promise<string> {
  return sha256(`csrf:${sessionId}`);
}

async function sha256(text: string): Promise<string> {
  return bytesToBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

/** Whether the session's principal holds `scope`: pages show only the actions it allows. */
export function can(session: Session | null, scope: Scope): boolean {
  return session !== null && session.principal.scopes.includes(scope);
}
