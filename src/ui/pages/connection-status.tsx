/** A connection's status and auth type in a person's words, with what to do about the status. */
import type { z } from "@hono/zod-openapi";
import type { Connection } from "../../api/connection-schemas";

type Presented = Pick<z.infer<typeof Connection>, "status" | "error" | "auth_config">;

export function authTypeLabel(auth: { type: string; grant_type?: string; location?: string }): string {
  switch (auth.type) {
    case "bearer_token":
      return "Bearer token";
    case "api_key":
      return auth.location === "query" ? "API key (query parameter)" : "API key (header)";
    case "basic":
      return "Username and password";
    case "oauth2":
      return auth.grant_type === "authorization_code" ? "OAuth2 sign-in" : "OAuth2 client credentials";
    default:
      return auth.type;
  }
}

/** The status as a short label and a sentence saying what to do. */
export function statusInWords(connection: Presented): { label: string; todo: string; ok: boolean } {
  switch (connection.status) {
    case "ready":
      return { label: "Ready", todo: "Tools can use it.", ok: true };
    case "needs_secret":
      return {
        label: "Needs its secret",
        todo: "Edit the connection and type the secret: tools that use it cannot run until then.",
        ok: false,
      };
    case "needs_authorization":
      return {
        label: "Not signed in",
        todo: "Sign in to the provider with Connect on the connection's page: tools that use it cannot run until then.",
        ok: false,
      };
    case "error":
      return {
        label: "Failed last time",
        todo: connection.error?.message ?? "The credential was refused the last time it was used: check it, then test.",
        ok: false,
      };
  }
}

export function StatusBadge({ connection }: { connection: Presented }) {
  const words = statusInWords(connection);
  return (
    <span>
      <span class={`badge ${words.ok ? "success" : "failure"}`}>{words.label}</span>
      {!words.ok && <div class="muted">{words.todo}</div>}
    </span>
  );
}
