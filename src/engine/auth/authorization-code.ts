/**
 * A usable access token for an OAuth2 authorization-code connection: what the
 * attach code (./index.ts) calls for every execution through such a
 * connection, and the connection test.
 *
 * The token state lives in D1 (./connection-tokens.ts) and is read on every
 * call, never from a definition cache: a reconnect, a revocation or a change
 * of the connection takes effect on the next call, in every isolate.
 *
 * Refresh (RFC 6749 section 6):
 * - ahead of expiry, by OAUTH_REFRESH_MARGIN_SECONDS (default 60; at most half
 *   the token's lifetime, so a short-lived token is not refreshed on every use);
 * - when the API answered 401 to the token (`refused`): one refresh, and the
 *   caller retries once;
 * - one at a time per connection ACROSS isolates: providers that rotate
 *   refresh tokens (oidc-provider, and many SaaS APIs) revoke the whole grant
 *   when a used refresh token comes back, so two isolates refreshing at once
 *   would disconnect the connection. The refresher takes a lease in D1 (a
 *   conditional UPDATE on token_version); the others wait, with backoff and
 *   within their own deadline, and read the row again, where they find the new
 *   token. Within one isolate, callers also share one refresh (fewer D1
 *   writes), but correctness does not depend on it.
 * - `invalid_grant` marks the grant unusable: the connection's status becomes
 *   needs_authorization and executions answer 409 connection_not_ready until
 *   someone connects again. An expired token with no refresh token does the
 *   same. Other failures (network, 5xx, invalid_client) leave the grant as it
 *   is and fail this call only.
 * - A token that does not open for the connection as this call read it marks
 *   the grant `destination_changed` only if that definition is still the one
 *   in D1. A definition from an isolate's cache (up to DEFINITION_CACHE_SECONDS
 *   old) that predates a change of destination cannot open a grant connected
 *   since for the new one: that grant is fine, and this call throws
 *   `ConnectionChanged` to be run again with the definition read fresh
 *   (src/engine/run.ts), so no token goes to the old destination; or, if the
 *   API had already refused a token in this call, ends with a logged token
 *   error that says to run it again.
 */
import { SealError, type Keyring } from "../../crypto/seal";
import type { ConnectionRow } from "../../db/schema";
import type { Env } from "../../env";
import { AppError } from "../../problem";
import type { OutboundSettings } from "../outbound/policy";
import type { Redactor } from "../redact";
import {
  invalidateGrant,
  isCurrentDefinition,
  openToken,
  readTokenRow,
  releaseLease,
  storeRefreshedTokens,
  takeRefreshLease,
  type InvalidReason,
  type TokenOwner,
} from "./connection-tokens";
import type { ConnectionAuthParams } from "./index";
import type { TokenFailure } from "./oauth2";
import { basicClientCredentials, requestTokenGrant, type TokenEndpointClient } from "./token-endpoint";

export type AuthorizationCodeParams = Extract<
  ConnectionAuthParams,
  { type: "oauth2"; grant_type: "authorization_code" }
>;

/** Default of OAUTH_REFRESH_MARGIN_SECONDS. */
export const DEFAULT_REFRESH_MARGIN_S = 60;
const MAX_REFRESH_MARGIN_S = 3600;
/** The deadline of one refresh request. */
export const REFRESH_REQUEST_TIMEOUT_MS = 15_000;
/** How long a lease holds: longer than a refresh request can take, so a live holder never loses it. */
export const REFRESH_LEASE_MS = 20_000;
/** How long a caller waits for another isolate's refresh, at most (its own deadline may be shorter). */
export const MAX_LEASE_WAIT_MS = REFRESH_LEASE_MS;

/** OAUTH_REFRESH_MARGIN_SECONDS: a whole number of seconds, 0-3600; anything else is the default. */
export function refreshMarginSeconds(env: Pick<Env, "OAUTH_REFRESH_MARGIN_SECONDS">): number {
  const text = env.OAUTH_REFRESH_MARGIN_SECONDS?.trim() ?? "";
  if (!/^\d{1,4}$/.test(text)) return DEFAULT_REFRESH_MARGIN_S;
  const seconds = Number(text);
  return seconds <= MAX_REFRESH_MARGIN_S ? seconds : DEFAULT_REFRESH_MARGIN_S;
}

export interface AuthorizationCodeSource {
  db: D1Database;
  keyring: Keyring;
  /** The connection as this call read it: `version` tells whether that is still the definition in D1. */
  connection: TokenOwner & { authParams: AuthorizationCodeParams; version: number };
  /** The connection's client_secret, opened; absent for a public client. */
  clientSecret: string | undefined;
  outbound: OutboundSettings;
  marginSeconds: number;
  /** Runs work after the response (ctx.waitUntil): a refresh others wait for outlives the call that started it. */
  defer: (work: Promise<unknown>) => void;
  /** The call's redactor: the refresh token is added to it when opened. */
  redactor?: Redactor;
  /** This isolate's shared refreshes; tests give each simulated isolate its own. */
  isolate?: IsolateRefreshes;
}

/** What the execute path provides per call: where the connection's token state is. */
export type AuthorizationCodeStore = Pick<
  AuthorizationCodeSource,
  "db" | "keyring" | "connection" | "marginSeconds" | "defer"
>;

/**
 * The token state of `connection` for one call. A connection that is not an
 * authorization-code one gets a store all the same: the attach switch only
 * asks for it on that grant.
 */
export function authorizationCodeStore(
  env: Env,
  keyring: Keyring,
  connection: ConnectionRow,
  defer: (work: Promise<unknown>) => void,
): AuthorizationCodeStore {
  return {
    db: env.DB,
    keyring,
    connection: connection as ConnectionRow & { authParams: AuthorizationCodeParams },
    marginSeconds: refreshMarginSeconds(env),
    defer,
  };
}

export interface ConnectionNotAuthorized {
  kind: "connection_not_ready";
  status: "needs_authorization";
  /** Why, when the grant was just found unusable. */
  reason?: InvalidReason | "not_connected";
}

export type AccessTokenResult =
  | {
      ok: true;
      accessToken: string;
      tokenVersion: number;
      /** Whether a refresh is possible: only then is a 401 worth a refresh and a retry. */
      refreshable: boolean;
      /** The token endpoint's status when this call refreshed the token (the test reports it). */
      refreshStatus: number | null;
    }
  | { ok: false; failure: TokenFailure | ConnectionNotAuthorized };

/**
 * The connection's definition this call read (from an isolate's cache) is no
 * longer the one in D1, and its stored token does not open for it, before
 * anything was sent: the call is run again with the definition read fresh
 * (../run.ts). Reaching a client, it is a 409 `concurrent_change`.
 */
export class ConnectionChanged extends AppError {
  constructor(readonly connectionId: string) {
    super(
      409,
      "concurrent_change",
      `Connection ${connectionId} was changed or connected again while this call started: run the tool again.`,
      { connection_id: connectionId },
    );
  }
}

/**
 * The same after the API refused the token (`sent`): running the call again
 * would send the request twice, so it ends here, logged like any token
 * failure, with advice to run it again.
 */
function changedWhileRunning(connectionId: string, sent: boolean): AccessTokenResult {
  if (!sent) throw new ConnectionChanged(connectionId);
  return refusedToken(
    "the connection was changed or connected again while this call ran, so the old definition's token was not refreshed: run the tool again.",
  );
}

/** The API refused the connection's access token, and no other can be had now: why, and what to do. */
function refusedToken(why: string): AccessTokenResult {
  return {
    ok: false,
    failure: {
      kind: "token_error",
      tokenStatus: null,
      oauthError: null,
      detail: `The API refused the connection's access token, and ${why}`,
    },
  };
}

type RefreshOutcome =
  | { kind: "refreshed"; accessToken: string; status: number; refreshable: boolean }
  | { kind: "lease_busy" }
  /** The refresh token does not open for a definition that is no longer current (ConnectionChanged). */
  | { kind: "changed" }
  | { kind: "invalid"; reason: InvalidReason }
  | { kind: "failed"; failure: TokenFailure };

/** Per-isolate single flight of refreshes, keyed by connection and token version. */
export class IsolateRefreshes {
  private readonly inflight = new Map<string, Promise<RefreshOutcome>>();

  run(key: string, refresh: () => Promise<RefreshOutcome>, defer: (work: Promise<unknown>) => void) {
    let shared = this.inflight.get(key);
    if (!shared) {
      shared = refresh().finally(() => this.inflight.delete(key));
      this.inflight.set(key, shared);
      defer(shared);
    }
    return shared;
  }
}

/** This isolate's refreshes (a deliberate per-isolate cache, like the token cache's). */
const ISOLATE_REFRESHES = new IsolateRefreshes();

/**
 * A usable access token. `refused`: the API just answered 401 to this token,
 * so a newer one (another call may have refreshed already) or a refreshed one
 * is wanted. `forceRefresh`: refresh even if the token is fresh (the test).
 */
export async function connectionAccessToken(
  source: AuthorizationCodeSource,
  signal: AbortSignal,
  options: { refused?: string; forceRefresh?: boolean } = {},
): Promise<AccessTokenResult> {
  const { db, keyring, connection } = source;
  const isolate = source.isolate ?? ISOLATE_REFRESHES;
  const waitUntil = Date.now() + MAX_LEASE_WAIT_MS;
  let forcedVersion: number | null = null;
  for (let attempt = 0; ; attempt++) {
    const row = await readTokenRow(db, connection.id);
    if (!row || row.accessToken === null) return notAuthorized("not_connected");
    if (row.invalidReason !== null) return notAuthorized(row.invalidReason as InvalidReason);
    let accessToken: string;
    try {
      accessToken = await openToken(keyring, connection, "access_token", row.accessToken);
    } catch (err) {
      if (!(err instanceof SealError)) throw err;
      if (!(await isCurrentDefinition(db, connection.id, connection.version)))
        return changedWhileRunning(connection.id, options.refused !== undefined);
      return invalidated(source, "destination_changed", { tokenVersion: row.tokenVersion });
    }
    if (options.forceRefresh && attempt === 0) forcedVersion = row.tokenVersion;
    const refreshable = row.refreshToken !== null;
    const refused = options.refused !== undefined && accessToken === options.refused;
    const stale =
      refused || forcedVersion === row.tokenVersion || expiring(row.expiresAt, row.updatedAt, source.marginSeconds);
    if (!stale) return { ok: true, accessToken, tokenVersion: row.tokenVersion, refreshable, refreshStatus: null };

    if (!refreshable) {
      if (refused)
        return refusedToken("the provider issued no refresh token to get another: connect the connection again.");
      // Forced (a test) with nothing to refresh with: the token itself is what there is.
      if (!expiring(row.expiresAt, row.updatedAt, 0))
        return { ok: true, accessToken, tokenVersion: row.tokenVersion, refreshable, refreshStatus: null };
      return invalidated(source, "expired", { tokenVersion: row.tokenVersion });
    }

    if (row.leaseUntil === null || row.leaseUntil <= Date.now()) {
      const outcome = await untilAborted(
        isolate.run(`${connection.id}:${row.tokenVersion}`, () => refreshOnce(source, row.tokenVersion), source.defer),
        signal,
      );
      switch (outcome.kind) {
        case "refreshed":
          return {
            ok: true,
            accessToken: outcome.accessToken,
            tokenVersion: row.tokenVersion + 1,
            refreshable: outcome.refreshable,
            refreshStatus: outcome.status,
          };
        case "changed":
          return changedWhileRunning(connection.id, options.refused !== undefined);
        case "invalid":
          return notAuthorized(outcome.reason);
        case "failed":
          return { ok: false, failure: outcome.failure };
        case "lease_busy":
          break;
      }
    }
    // Another isolate is refreshing: wait for it, then read what it stored.
    if (signal.aborted || Date.now() >= waitUntil) return { ok: false, failure: { kind: "timeout" } };
    await sleep(backoffMs(attempt), signal);
  }
}

/** Takes the lease for `tokenVersion` and refreshes, or reports that someone else holds it. */
async function refreshOnce(source: AuthorizationCodeSource, tokenVersion: number): Promise<RefreshOutcome> {
  const { db, keyring, connection } = source;
  const leaseId = crypto.randomUUID();
  if (!(await takeRefreshLease(db, connection.id, tokenVersion, leaseId, Date.now(), REFRESH_LEASE_MS)))
    return { kind: "lease_busy" };
  // Read again under the lease: the refresh token to send is the one stored now, at this version.
  const row = await readTokenRow(db, connection.id);
  if (!row || row.leaseId !== leaseId || row.refreshToken === null) {
    await releaseLease(db, connection.id, leaseId);
    return { kind: "lease_busy" };
  }
  let refreshToken: string;
  try {
    refreshToken = await openToken(keyring, connection, "refresh_token", row.refreshToken);
  } catch (err) {
    if (!(err instanceof SealError)) throw err;
    if (!(await isCurrentDefinition(db, connection.id, connection.version))) {
      await releaseLease(db, connection.id, leaseId);
      return { kind: "changed" };
    }
    await invalidateGrant(db, connection.id, "destination_changed", { leaseId }, new Date());
    return { kind: "invalid", reason: "destination_changed" };
  }
  source.redactor?.add(refreshToken);
  const client = tokenEndpointClient(connection.authParams, source.clientSecret);
  if (client.clientSecret !== null) source.redactor?.add(basicClientCredentials(client.clientId, client.clientSecret));
  const result = await requestTokenGrant(
    client,
    { grant_type: "refresh_token", refresh_token: refreshToken },
    AbortSignal.timeout(REFRESH_REQUEST_TIMEOUT_MS),
    source.outbound,
  );
  if (!result.ok) {
    const failure = result.failure;
    if (failure.kind === "token_error" && failure.oauthError === "invalid_grant") {
      await invalidateGrant(db, connection.id, "invalid_grant", { leaseId }, new Date());
      return { kind: "invalid", reason: "invalid_grant" };
    }
    await releaseLease(db, connection.id, leaseId);
    return { kind: "failed", failure };
  }
  const tokens = result.tokens;
  const now = new Date();
  const stored = await storeRefreshedTokens(
    db,
    keyring,
    connection,
    leaseId,
    {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresIn === undefined ? null : now.getTime() + tokens.expiresIn * 1000,
      grantedScope: tokens.scope,
    },
    now,
  );
  if (!stored)
    // A new grant replaced the row while this refresh ran (someone connected again): that grant wins.
    console.warn(
      JSON.stringify({ msg: "refreshed token not stored: the grant was replaced", connection_id: connection.id }),
    );
  return {
    kind: "refreshed",
    accessToken: tokens.accessToken,
    status: tokens.status,
    refreshable: tokens.refreshToken !== null || row.refreshToken !== null,
  };
}

/** The token endpoint client of an authorization-code connection: public when it has no client_secret. */
export function tokenEndpointClient(
  params: AuthorizationCodeParams,
  clientSecret: string | undefined,
): TokenEndpointClient {
  return {
    tokenUrl: params.token_url,
    clientId: params.client_id,
    clientSecret: clientSecret ?? null,
    clientAuthMethod: params.client_auth_method,
  };
}

/**
 * Whether a token expiring at `expiresAt` (epoch ms; null: the provider did
 * not say, so it is used until refused) is within the margin of expiry. The
 * margin is at most half the token's lifetime (from when it was stored).
 */
export function expiring(expiresAt: number | null, storedAt: string, marginSeconds: number, now = Date.now()): boolean {
  if (expiresAt === null) return false;
  const lifetime = expiresAt - Date.parse(storedAt);
  const margin = Math.min(marginSeconds * 1000, Number.isFinite(lifetime) ? Math.max(0, lifetime / 2) : 0);
  return expiresAt - margin <= now;
}

function notAuthorized(reason: InvalidReason | "not_connected"): AccessTokenResult {
  return { ok: false, failure: { kind: "connection_not_ready", status: "needs_authorization", reason } };
}

async function invalidated(
  source: AuthorizationCodeSource,
  reason: InvalidReason,
  holder: { tokenVersion: number },
): Promise<AccessTokenResult> {
  await invalidateGrant(source.db, source.connection.id, reason, holder, new Date());
  return notAuthorized(reason);
}

/** 25 ms doubling to 400 ms, with jitter, so waiters do not read the row in lockstep. */
function backoffMs(attempt: number): number {
  const base = Math.min(25 * 2 ** attempt, 400);
  return base / 2 + Math.random() * base;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** Waits for a shared refresh, but gives up (as a timeout) when this caller's own signal fires. */
function untilAborted(shared: Promise<RefreshOutcome>, signal: AbortSignal): Promise<RefreshOutcome> {
  const timedOut: RefreshOutcome = { kind: "failed", failure: { kind: "timeout" } };
  if (signal.aborted) return Promise.resolve(timedOut);
  return new Promise((resolve) => {
    const onAbort = () => resolve(timedOut);
    signal.addEventListener("abort", onAbort, { once: true });
    shared.then((result) => {
      signal.removeEventListener("abort", onAbort);
      resolve(result);
    });
  });
}
