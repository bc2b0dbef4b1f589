/**
 * What a bearer token may do. Each route needs exactly one scope (declared
 * beside it with `scoped()` in src/access/middleware.ts); scopes do not imply
 * one another. ADMIN_TOKEN holds all of them.
 */
export const SCOPES = [
  "tools:read",
  "tools:write",
  "tools:execute",
  "executions:read",
  "connections:read",
  "connections:write",
  "admin",
] as const;

export type Scope = (typeof SCOPES)[number];

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  "tools:read": "List and read tool definitions (never their secrets).",
  "tools:write": "Create, replace and delete tools.",
  "tools:execute": "Execute tools, and read the result of each execution it runs.",
  "executions:read": "Read execution logs: every execution's input, output and outcome.",
  "connections:read": "List and read connections: their settings, status and use (never their secrets).",
  "connections:write":
    "Create, replace, delete and test connections (a test sends the credential to the connection's test request).",
  admin: "Manage API keys and rewrap stored secrets. It can mint keys with any scope, so treat it as root.",
};

/** The scopes in their canonical order, each once. */
export function normalizeScopes(scopes: readonly Scope[]): Scope[] {
  return SCOPES.filter((scope) => scopes.includes(scope));
}
