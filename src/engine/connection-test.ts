/**
 * `POST /connections/{id}/test`: does the credential work? It must prove the
 * stored secret, not a cache, so:
 *
 * - OAuth2 client credentials request a fresh token (and cache it, so the
 *   next execution uses it); with a test_request, that is then sent with it.
 * - OAuth2 authorization code refreshes the connection's token (under the
 *   refresh lease, storing the rotated refresh token); with a test_request,
 *   the new access token is then sent with it. A grant the provider revoked
 *   answers 409 connection_not_ready (needs_authorization).
 * - Bearer, API key and Basic send the connection's test_request with the
 *   credential attached; a 2xx answer means it works.
 *
 * Requests go through the outbound policy, the allowed origins and the
 * redirect rules of executions. The answer carries statuses, a latency and
 * words, never a secret, a token or a response body (which could echo one):
 * every message passes the call's Redactor.
 */
import { drizzle } from "drizzle-orm/d1";
import { loadKeyring } from "../crypto/keyring";
import type { ConnectionRow } from "../db/schema";
import type { Env } from "../env";
import { AppError } from "../problem";
import { clearConnectionError, setConnectionError } from "../registry/connection-usage";
import { getConnection } from "../registry/connections";
import { DEFAULT_TIMEOUT_SECONDS } from "../registry/definition";
import { attachAuth, oauth2Client, type AttachParams, type AuthContext } from "./auth";
import { authorizationCodeStore, connectionAccessToken } from "./auth/authorization-code";
import type { TokenFailure } from "./auth/oauth2";
import { missingConnectionSecrets, type ConnectionErrorCode } from "./auth/connection-status";
import { TokenCache } from "./auth/token-cache";
import { basicClientCredentials } from "./auth/token-endpoint";
import { cancelBody } from "./body";
import { checkOutboundUrl } from "./outbound/policy";
import { NO_RETRY } from "./outbound/retry";
import { sendWithRetries } from "./outbound/send";
import { readOutboundSettings } from "./outbound/settings";
import { openConnectionSecrets } from "./open-secrets";
import { describeFailure } from "./outcomes";
import { Redactor } from "./redact";

export interface ConnectionTestResult {
  ok: boolean;
  status: number | null;
  latency_ms: number;
  error?: { code: string; message: string };
}

/** The result, and what it says about the credential (for last_error): as an execution's verdict. */
export interface ConnectionTestOutcome {
  result: ConnectionTestResult;
  verdict: { kind: "worked" } | { kind: "failed"; code: ConnectionErrorCode } | { kind: "unknown" };
}

export async function testConnection(
  env: Env,
  connection: ConnectionRow,
  defer: (work: Promise<unknown>) => void,
): Promise<ConnectionTestOutcome> {
  const params = connection.authParams;
  const notReady = (status: "needs_secret" | "needs_authorization", missing: readonly string[] = []) => {
    const view = describeFailure({
      kind: "connection_not_ready",
      connectionId: connection.id,
      connectionName: connection.name,
      status,
      missingSecrets: missing,
    });
    return new AppError(view.status, view.code, view.detail, view.extensions);
  };
  const missing = missingConnectionSecrets(connection);
  if (missing.length > 0) throw notReady("needs_secret", missing);
  const clientCredentials = params.type === "oauth2" && params.grant_type === "client_credentials";
  const authorizationCode = params.type === "oauth2" && params.grant_type === "authorization_code";
  if (!clientCredentials && !authorizationCode && !connection.testRequest)
    throw new AppError(
      422,
      "test_request_missing",
      `Connection "${connection.name}" has no test_request, so there is nothing to send its credential to: add one (a GET, HEAD or POST to a URL on one of its allowed origins, which answers 2xx when the credential works) with PUT /connections/${connection.id}.`,
    );

  const opened = await openConnectionSecrets(connection, env);
  if (!opened.ok) {
    const view = describeFailure({
      kind: "secrets_unavailable",
      reason: opened.reason,
      keyId: opened.keyId,
      owner: { kind: "connection", id: connection.id },
    });
    throw new AppError(view.status, view.code, view.detail, view.extensions);
  }
  const outbound = readOutboundSettings(env);
  if (!outbound.ok) {
    const view = describeFailure({ kind: "outbound_config_invalid", problems: outbound.problems });
    throw new AppError(view.status, view.code, view.detail, view.extensions);
  }

  const redactor = new Redactor(Object.values(opened.secrets));
  const started = Date.now();
  const signal = AbortSignal.timeout(DEFAULT_TIMEOUT_SECONDS * 1000);
  const finish = (
    status: number | null,
    verdict: ConnectionTestOutcome["verdict"],
    error?: { code: string; message: string },
  ): ConnectionTestOutcome => ({
    result: {
      ok: error === undefined,
      status,
      latency_ms: Date.now() - started,
      ...(error ? { error: { code: error.code, message: redactor.scrub(error.message) } } : {}),
    },
    verdict,
  });
  let tokens: TokenCache | undefined;
  const keyring = opened.keyring ?? (clientCredentials || authorizationCode ? await loadKeyring(env) : undefined);
  const auth: AuthContext = {
    params: params as AttachParams,
    secrets: opened.secrets,
    connection: { id: connection.id, name: connection.name, secretsVersion: connection.secretsVersion },
    tokens: () => (tokens ??= new TokenCache(env.TOKEN_CACHE, keyring!, defer)),
    authorizationCode: () => authorizationCodeStore(env, keyring!, connection, defer),
    redactor,
    signal,
    outbound: outbound.settings,
  };

  let tokenStatus: number | null = null;
  if (params.type === "oauth2" && params.grant_type === "client_credentials") {
    const client = oauth2Client(params, opened.secrets, auth.connection);
    redactor.add(basicClientCredentials(client.clientId, client.clientSecret));
    const token = await auth.tokens().get(client, signal, { fresh: true, outbound: outbound.settings });
    if (!token.ok) return tokenFailed(token.failure, finish);
    redactor.add(token.accessToken);
    tokenStatus = token.status ?? null;
    if (!connection.testRequest) return finish(tokenStatus, { kind: "worked" });
  }

  if (params.type === "oauth2" && params.grant_type === "authorization_code") {
    // A refresh proves the grant is alive at the provider (an unexpired access token proves nothing).
    const token = await connectionAccessToken(
      {
        ...auth.authorizationCode!(),
        clientSecret: opened.secrets.client_secret,
        outbound: outbound.settings,
        redactor,
      },
      signal,
      { forceRefresh: true },
    );
    if (!token.ok) {
      if (token.failure.kind === "connection_not_ready") throw notReady(token.failure.status);
      return tokenFailed(token.failure, finish);
    }
    redactor.add(token.accessToken);
    tokenStatus = token.refreshStatus;
    if (!connection.testRequest) return finish(tokenStatus, { kind: "worked" });
  }

  const test = connection.testRequest!;
  const url = new URL(test.url);
  const verdict = checkOutboundUrl(url, outbound.settings);
  if (!verdict.ok) return finish(null, { kind: "unknown" }, { code: "outbound_blocked", message: verdict.message });
  if (!connection.allowedOrigins.includes(url.origin))
    return finish(
      null,
      { kind: "unknown" },
      {
        code: "outbound_blocked",
        message: `${url.origin} is not one of the connection's allowed origins; change test_request.`,
      },
    );
  const request = { method: test.method, url, headers: new Headers(), body: undefined };
  // Reuses the token just obtained (this isolate's memory has it).
  const attached = await attachAuth(request, auth);
  if (!attached.ok) {
    const failure = attached.failure;
    if (failure.kind === "connection_not_ready") throw notReady(failure.status);
    if (failure.kind === "unsendable_secret") {
      const view = describeFailure({
        kind: "secrets_unavailable",
        reason: "unsendable",
        keyId: null,
        owner: { kind: "connection", id: connection.id },
      });
      throw new AppError(view.status, view.code, view.detail, view.extensions);
    }
    return tokenFailed(failure, finish);
  }
  const sent = await sendWithRetries({
    request,
    credentials: attached.credentials,
    retry: NO_RETRY,
    outbound: outbound.settings,
    signal,
    deadline: started + DEFAULT_TIMEOUT_SECONDS * 1000,
    redactor,
  });
  if (!sent.ok) {
    const failure = sent.failure;
    switch (failure.kind) {
      case "timeout":
        return finish(
          null,
          { kind: "unknown" },
          { code: "timeout", message: "The test request did not answer within 30 s." },
        );
      case "network_error":
        return finish(
          null,
          { kind: "unknown" },
          {
            code: "network_error",
            message: "The test request's host could not be reached (DNS, connection or TLS failure).",
          },
        );
      case "too_many_redirects":
        return finish(
          null,
          { kind: "unknown" },
          { code: "too_many_redirects", message: "The test request was redirected too many times." },
        );
      case "outbound_blocked":
        return finish(null, { kind: "unknown" }, { code: "outbound_blocked", message: failure.refusal.message });
    }
  }
  const status = sent.response.status;
  await cancelBody(sent.response);
  if (status >= 200 && status < 300) return finish(status, { kind: "worked" });
  if (status === 401)
    return finish(
      status,
      { kind: "failed", code: "unauthorized" },
      {
        code: "unauthorized",
        message: "The API answered 401 Unauthorized: the credential is wrong, expired or revoked.",
      },
    );
  if (status === 403)
    return finish(
      status,
      { kind: "failed", code: "forbidden" },
      {
        code: "forbidden",
        message:
          "The API answered 403 Forbidden: the credential lacks a permission the test request needs, or it was revoked.",
      },
    );
  return finish(
    status,
    { kind: "unknown" },
    {
      code: "upstream_status",
      message: `The test request was answered ${status}, not 2xx: check test_request's URL and method.`,
    },
  );
}

function tokenFailed(
  failure: TokenFailure,
  finish: (
    status: number | null,
    verdict: ConnectionTestOutcome["verdict"],
    error?: { code: string; message: string },
  ) => ConnectionTestOutcome,
): ConnectionTestOutcome {
  switch (failure.kind) {
    case "token_error":
      return finish(
        failure.tokenStatus,
        { kind: "failed", code: "token_error" },
        { code: "token_error", message: `Fetching an OAuth2 access token failed. ${failure.detail}` },
      );
    case "timeout":
      return finish(
        null,
        { kind: "unknown" },
        { code: "timeout", message: "The token endpoint did not answer in time." },
      );
    case "network_error":
      return finish(
        null,
        { kind: "unknown" },
        { code: "network_error", message: "The token endpoint could not be reached." },
      );
    case "outbound_blocked":
      return finish(null, { kind: "unknown" }, { code: "outbound_blocked", message: failure.refusal.message });
  }
}

/**
 * Tests the connection `id` and records what the test found in its status
 * (last_error set on a failure of the credential, cleared by a success). The
 * API's test route and the UI's Test button both call this.
 */
export async function testAndRecord(
  env: Env,
  id: string,
  defer: (work: Promise<unknown>) => void,
): Promise<ConnectionTestOutcome> {
  const db = drizzle(env.DB);
  const connection = await getConnection(db, id);
  const outcome = await testConnection(env, connection, defer);
  // Written before answering, so that the status read next shows this test.
  const now = new Date().toISOString();
  if (outcome.verdict.kind === "failed") await setConnectionError(db, connection.id, outcome.verdict.code, now, now);
  else if (outcome.verdict.kind === "worked" && connection.lastErrorCode !== null)
    await clearConnectionError(db, connection.id, now);
  return outcome;
}
