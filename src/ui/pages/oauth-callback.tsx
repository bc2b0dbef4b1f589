/**
 * The page a person lands on when the provider sends them back: Connected,
 * with the granted scopes and account, or what went wrong and what to do, in
 * plain words. Nothing here comes from the provider except a registered
 * error code and the granted scopes and account name.
 */
import type { CallbackOutcome, FlowConnection } from "../../engine/auth/authorization-code-grant";
import { UNREGISTERED_ERROR, type AUTHORIZATION_ENDPOINT_ERRORS } from "../../engine/auth/oauth-registered";
import type { TokenFailure } from "../../engine/auth/oauth2";
import { Page } from "../layout";
import type { Session } from "../session";

/** What the page says for one outcome: its HTTP status, title and sentences. */
export interface CallbackView {
  status: 200 | 400 | 403 | 409 | 500 | 502;
  title: string;
  paragraphs: string[];
}

const START_AGAIN = "Start again from the connection's page: press Connect (or Reconnect).";

/** Plain words for each registered error an authorization endpoint can send back. */
const PROVIDER_ERRORS: Record<(typeof AUTHORIZATION_ENDPOINT_ERRORS)[number], string> = {
  access_denied: "You (or the provider) declined to give toolgate access, so nothing was connected.",
  invalid_request:
    "The provider says the sign-in request was not valid. Check the connection's authorization URL, client ID and extra authorization parameters.",
  unauthorized_client:
    "The provider does not let this client use the authorization-code grant. Enable it for the client ID in the provider's developer console.",
  unsupported_response_type: "The provider does not support the authorization-code grant at this authorization URL.",
  invalid_scope:
    "The provider does not accept the scopes the connection asks for. Check the connection's scope against the provider's documentation.",
  server_error: "The provider had an internal error. Try again in a moment.",
  temporarily_unavailable: "The provider is temporarily unavailable. Try again in a moment.",
  interaction_required: "The provider needs you to interact with its pages, which this request did not allow.",
  login_required: "The provider needs you to sign in, which this request did not allow.",
  account_selection_required: "The provider needs you to choose an account, which this request did not allow.",
  consent_required: "The provider needs your consent, which this request did not allow.",
  invalid_request_uri: "The provider refused the request URI it was given.",
  invalid_request_object: "The provider refused the request object it was given.",
  request_not_supported: "The provider does not support request objects.",
  request_uri_not_supported: "The provider does not support request URIs.",
  registration_not_supported: "The provider does not support client registration in the request.",
};

export function callbackView(outcome: CallbackOutcome): CallbackView {
  switch (outcome.kind) {
    case "connected":
      return {
        status: 200,
        title: "Connected",
        paragraphs: [
          `The connection “${outcome.connection.name}” is connected${outcome.account ? ` as ${outcome.account}` : ""}. Tools that use it can run now; toolgate refreshes its access token when needed.`,
          outcome.scopes.length > 0
            ? `Granted scopes: ${outcome.scopes.join(", ")}.`
            : "The provider did not say which scopes it granted.",
        ],
      };
    case "state_missing":
      return {
        status: 400,
        title: "This is not a sign-in toolgate started",
        paragraphs: [
          "The address has no state parameter, so it does not belong to a sign-in in progress.",
          START_AGAIN,
        ],
      };
    case "state_unknown":
      return {
        status: 400,
        title: "This sign-in link has already been used",
        paragraphs: [
          "Each sign-in works once: this one was already completed (perhaps you reloaded the page or went back), it expired more than an hour ago, or toolgate did not start it.",
          START_AGAIN,
        ],
      };
    case "state_expired":
      return {
        status: 400,
        title: "This sign-in expired",
        paragraphs: ["A sign-in must be completed within 10 minutes of pressing Connect.", START_AGAIN],
      };
    case "flow_cookie_mismatch":
      return {
        status: 403,
        title: "This sign-in was started in another browser",
        paragraphs: [
          "A sign-in started in toolgate's web pages must come back to the same browser, and this one did not (or its cookies were cleared or blocked). Nothing was connected.",
          START_AGAIN,
        ],
      };
    case "principal_not_allowed":
      return {
        status: 403,
        title: "Not allowed any more",
        paragraphs: [
          "The API key that started this sign-in was revoked, or no longer has the connections:write scope, so the connection was not changed.",
          "Start again with a key that has the connections:write scope.",
        ],
      };
    case "provider_error":
      // `code` is a registered code or "unrecognized" (authorization-code-grant.ts): only a registered one is shown.
      return {
        status: 400,
        title: outcome.code === "access_denied" ? "Access was not granted" : "The provider did not connect",
        paragraphs: [
          ...(outcome.code === UNREGISTERED_ERROR
            ? [
                "The provider answered with an error code that the OAuth standards do not define, so toolgate does not repeat it.",
              ]
            : [
                (PROVIDER_ERRORS as Record<string, string>)[outcome.code] ?? "The provider answered with an error.",
                `The provider's error code: ${outcome.code}.`,
              ]),
          START_AGAIN,
        ],
      };
    case "code_missing":
      return {
        status: 400,
        title: "The provider sent no code",
        paragraphs: ["The provider came back without an authorization code or an error.", START_AGAIN],
      };
    case "connection_gone":
      return {
        status: 409,
        title: "The connection is gone",
        paragraphs: [
          "The connection this sign-in was for was deleted, or no longer uses the OAuth2 authorization-code grant, while you were signing in. Nothing was stored.",
        ],
      };
    case "connection_changed":
      return {
        status: 409,
        title: "The connection changed while you were signing in",
        paragraphs: [
          "Its provider settings, allowed origins or client secret changed after you pressed Connect, so this sign-in no longer matches it. Nothing was stored.",
          START_AGAIN,
        ],
      };
    case "exchange_failed":
      return {
        status: 502,
        title: "The provider did not issue tokens",
        paragraphs: [exchangeFailure(outcome.failure), "Nothing was stored. " + START_AGAIN],
      };
    case "misconfigured":
      return {
        status: 500,
        title: "toolgate is not configured to finish this",
        paragraphs: [outcome.detail, "An operator must fix the setting; then start again."],
      };
  }
}

function exchangeFailure(failure: TokenFailure): string {
  switch (failure.kind) {
    case "token_error": {
      const hint =
        failure.oauthError === "invalid_client"
          ? " Check the connection's client ID, client secret and client authentication method."
          : failure.oauthError === "invalid_grant"
            ? " The code was refused: it may have expired, been used already, or the redirect URI registered at the provider differs from toolgate's."
            : "";
      return `toolgate sent the code to the token URL, and it refused: ${failure.detail}${hint}`;
    }
    case "timeout":
      return "The token URL did not answer in time.";
    case "network_error":
      return "The token URL could not be reached (DNS, connection or TLS failure).";
    case "outbound_blocked":
      return `toolgate's outbound policy does not allow the token URL: ${failure.refusal.message}`;
  }
}

export function OAuthCallbackPage({
  view,
  connection,
  session,
}: {
  view: CallbackView;
  connection: FlowConnection | null;
  session: Session | null;
}) {
  return (
    <Page title={view.title} session={session}>
      <div class="card">
        <h1>{view.title}</h1>
        {view.paragraphs.map((text) => (
          <p>{text}</p>
        ))}
        <p>
          {connection ? (
            <a href={`/ui/connections/${encodeURIComponent(connection.id)}`}>
              Back to the connection “{connection.name}”
            </a>
          ) : (
            <a href="/ui">Back to toolgate</a>
          )}
        </p>
      </div>
    </Page>
  );
}
