/**
 * Where a tool's secrets are sealed on write, and the rule for keeping stored
 * ones on a replace. Each value is sealed bound to its row, its field and its
 * destination (src/engine/auth/binding.ts); opening it for execution is in
 * src/engine/execute.ts.
 */
import { loadKeyring } from "../crypto/keyring";
import { sealSecret, type SealBinding } from "../crypto/seal";
import type { ToolRow } from "../db/schema";
import type { AuthParams } from "../engine/auth";
import { SECRET_FIELDS } from "../engine/auth";
import { destinationChanges, toolDestination, toolSecretBinding, type DestinationFact } from "../engine/auth/binding";
import type { Env } from "../env";
import { validationError, type ProblemFieldError } from "../problem";

export interface AuthForWrite {
  params: AuthParams;
  endpointUrl: string | null;
  /** Secret values sent in this request, by field. */
  provided: Record<string, string>;
}

/** Each destination fact as the API's messages name it. */
const FACT_WORDS: Record<DestinationFact, string> = {
  auth_type: "the auth type",
  endpoint_origin: "the origin of endpoint_url",
  token_url: "token_url",
  api_key_location: "location",
  api_key_name: "key_name",
  client_id: "client_id",
  client_auth_method: "client_auth_method",
  scope: "scope",
  audience: "audience",
};

/**
 * Seals the secrets of a tool being created or replaced. A secret left out of
 * a replace keeps its stored value only when nothing that decides where and
 * how it is sent changed (`secretReuseVerdict`): a stored credential must
 * never follow a tool to a destination it was not entered for.
 */
export async function sealToolSecrets(
  env: Env,
  toolId: string,
  next: AuthForWrite,
  previous: ToolRow | null,
): Promise<Record<string, string>> {
  const fields = SECRET_FIELDS[next.params.type];
  const destination = toolDestination({ authParams: next.params, endpointUrl: next.endpointUrl });
  const { sealed } = await sealSecretsForWrite(env, {
    typeName: next.params.type,
    fields,
    required: fields,
    provided: next.provided,
    stored: previous?.authSecrets ?? null,
    changed: previous ? secretReuseVerdict(previous, next) : null,
    words: FACT_WORDS,
    binding: (field) => toolSecretBinding(toolId, field, destination),
  });
  return sealed;
}

/**
 * The secret fields of a tool that `next` must send and does not, with why:
 * the rule of `sealSecretsForWrite` for a tool (every field required), without
 * sealing anything, for the editor's check of a whole draft (./draft-check.ts).
 */
export function missingSecrets(next: AuthForWrite, previous: ToolRow | null): ProblemFieldError[] {
  const changed = previous ? secretReuseVerdict(previous, next) : null;
  return SECRET_FIELDS[next.params.type]
    .filter((field) => !next.provided[field] && !(changed?.length === 0 && previous?.authSecrets[field]))
    .map((field) => ({
      path: `/auth_config/${field}`,
      message:
        changed === null || changed.length === 0
          ? `${field} is required for ${next.params.type} authentication.`
          : `${field} must be sent again because ${changesInWords(changed, FACT_WORDS)}; stored secrets are only sent where they were entered for.`,
    }));
}

/** One write of an owner's secrets (a tool's or a connection's), for `sealSecretsForWrite`. */
export interface SecretsWrite<Fact extends string> {
  /** The auth type, as messages name it. */
  typeName: string;
  /** The secret fields of the auth type. */
  fields: readonly string[];
  /** Fields that must be set once written: a tool's are all required, a connection's may wait (needs_secret). */
  required: readonly string[];
  /** Values sent in this request, by field. */
  provided: Record<string, string>;
  /** The sealed values stored before this write; null on create. */
  stored: Record<string, string> | null;
  /** What changed among the facts the stored values are bound to; null on create. */
  changed: readonly Fact[] | null;
  words: Record<Fact, string>;
  /** The binding to seal a field's new value with. */
  binding: (field: string) => SealBinding;
}

/**
 * The rule for keeping stored secrets, for every owner: a field left out keeps
 * its stored value only when the binding minus the row id and field is
 * unchanged (`changed` is empty), so the stored value still opens for the
 * destination the row now describes; otherwise it must be sent again (422
 * `secrets_required`, naming what changed). New values are sealed under the
 * current key. `changedSecrets`: whether any stored value differs afterwards.
 */
export async function sealSecretsForWrite<Fact extends string>(
  env: Env,
  write: SecretsWrite<Fact>,
): Promise<{ sealed: Record<string, string>; changedSecrets: boolean }> {
  const { fields, provided, stored, changed } = write;
  const kept: Record<string, string> = {};
  const missing: ProblemFieldError[] = [];
  for (const field of fields) {
    if (provided[field]) continue;
    const storedValue = stored?.[field];
    if (changed?.length === 0 && storedValue) kept[field] = storedValue;
    else if (storedValue || write.required.includes(field))
      missing.push({
        path: `/auth_config/${field}`,
        message:
          changed === null || changed.length === 0
            ? `${field} is required for ${write.typeName} authentication.`
            : `${field} must be sent again because ${changesInWords(changed, write.words)}; stored secrets are only sent where they were entered for.`,
      });
  }
  if (missing.length > 0) throw validationError("secrets_required", "Some secret fields must be provided.", missing);

  const toSeal = fields.filter((field) => provided[field]);
  const sealed: Record<string, string> = { ...kept };
  if (toSeal.length > 0) {
    const keyring = await loadKeyring(env);
    for (const field of toSeal)
      sealed[field] = await sealSecret(keyring, provided[field] as string, write.binding(field));
  }
  const before = stored ?? {};
  const changedSecrets = toSeal.length > 0 || Object.keys(before).some((field) => before[field] !== sealed[field]);
  return { sealed, changedSecrets };
}

/**
 * What changed, between a stored tool and its replacement, among the facts a
 * stored secret is bound to: empty when the stored secrets may stay (they
 * still open, as their binding is the same). The API's 422 and the UI's notice
 * both come from this list.
 */
export function secretReuseVerdict(
  previous: Pick<ToolRow, "endpointUrl" | "authParams">,
  /** `params`: the auth config without secrets, as the API or the UI's form has it. */
  next: { params: unknown; endpointUrl: string | null },
): DestinationFact[] {
  const changed = destinationChanges(
    toolDestination(previous),
    toolDestination({ authParams: next.params, endpointUrl: next.endpointUrl }),
  );
  // Another auth type has other facts altogether; naming them would only add noise.
  if (changed.includes("auth_type")) return ["auth_type"];
  // A header name is compared in lower case and a query name as it is, so moving the key between them
  // changes its name's fact too; say so only when the name itself was edited.
  if (changed.includes("api_key_location") && keyNameOf(previous.authParams) === keyNameOf(next.params))
    return changed.filter((fact) => fact !== "api_key_name");
  return changed;
}

function keyNameOf(params: unknown): unknown {
  return typeof params === "object" && params !== null ? (params as { key_name?: unknown }).key_name : undefined;
}

/** "the auth type changed", "token_url and scope changed", "a, b and c changed". */
export function changesInWords<Fact extends string>(changed: readonly Fact[], words: Record<Fact, string>): string {
  const named = changed.map((fact) => words[fact]);
  const list = named.length <= 1 ? named.join("") : `${named.slice(0, -1).join(", ")} and ${named.at(-1)}`;
  return `${list} changed`;
}
