/**
 * Where a tool's secrets are sealed on write and where the rule that binds
 * them to hosts lives. Opening them for execution is in src/engine/execute.ts.
 */
import { loadKeyring } from "../crypto/keyring";
import { sealSecret, toolSecretAad } from "../crypto/seal";
import type { ToolRow } from "../db/schema";
import type { AuthParams } from "../engine/auth";
import { SECRET_FIELDS } from "../engine/auth";
import type { Env } from "../env";
import { validationError, type ProblemFieldError } from "../problem";
import { originOf } from "./urls";

export interface AuthForWrite {
  params: AuthParams;
  endpointUrl: string | null;
  /** Secret values sent in this request, by field. */
  provided: Record<string, string>;
}

/**
 * Seals the secrets of a tool being created or replaced. A secret left out of
 * a replace keeps its stored value only when the auth type and the origins of
 * `endpoint_url` and `token_url` are unchanged: a stored credential must never
 * follow a tool to a host it was not entered for.
 */
export async function sealToolSecrets(
  env: Env,
  toolId: string,
  next: AuthForWrite,
  previous: ToolRow | null,
): Promise<Record<string, string>> {
  const fields = SECRET_FIELDS[next.params.type];
  const kept: Record<string, string> = {};
  const missing: ProblemFieldError[] = [];
  const reuse = previous ? secretReuseVerdict(previous, next) : "new tool";
  for (const field of fields) {
    if (next.provided[field]) continue;
    const stored = previous?.authSecrets[field];
    if (reuse === "ok" && stored) kept[field] = stored;
    else
      missing.push({
        path: `/auth_config/${field}`,
        message:
          reuse === "ok" || reuse === "new tool"
            ? `${field} is required for ${next.params.type} authentication.`
            : `${field} must be sent again because ${reuse}; stored secrets only stay with the hosts they were entered for.`,
      });
  }
  if (missing.length > 0) throw validationError("secrets_required", "Some secret fields must be provided.", missing);

  const toSeal = fields.filter((field) => next.provided[field]);
  if (toSeal.length === 0) return kept;
  const keyring = await loadKeyring(env);
  const sealed: Record<string, string> = { ...kept };
  for (const field of toSeal)
    sealed[field] = await sealSecret(keyring, next.provided[field] as string, toolSecretAad(toolId, field));
  return sealed;
}

/** Whether a replace may keep `previous`'s stored secrets: "ok", or why not (as the API and the UI say it). */
export function secretReuseVerdict(
  previous: Pick<ToolRow, "authType" | "endpointUrl" | "authParams">,
  next: Pick<AuthForWrite, "params" | "endpointUrl">,
): "ok" | string {
  if (previous.authType !== next.params.type) return "the auth type changed";
  if (originOf(previous.endpointUrl) !== originOf(next.endpointUrl)) return "the origin of endpoint_url changed";
  if (next.params.type === "oauth2") {
    const before = previous.authParams.type === "oauth2" ? previous.authParams.token_url : null;
    if (originOf(before) !== originOf(next.params.token_url)) return "the origin of token_url changed";
  }
  return "ok";
}
