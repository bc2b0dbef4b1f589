/**
 * Every problem with a tool definition at once, without saving it: for a
 * form, where finding one problem per submit would make a person submit four
 * times. The API stops at the first stage that fails (its schema, then the
 * definition's rules, then the secrets, then the name), and answers that
 * stage's precise `errors`; this runs every stage on what the earlier ones
 * left usable, with the same rules (./definition.ts, ./secrets.ts), so the
 * two never disagree about what is valid.
 */
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { z } from "@hono/zod-openapi";
import { ToolInput } from "../api/schemas";
import { tools, type ToolRow } from "../db/schema";
import { requireOutboundSettings } from "../engine/outbound/settings";
import type { Env } from "../env";
import { AppError, issuesToFieldErrors, type ProblemFieldError } from "../problem";
import { normalizeDefinition, splitAuth } from "./definition";
import { missingSecrets } from "./secrets";

export type ZodIssue = z.core.$ZodIssue;

/** A problem at a JSON Pointer into the ToolInput; `issue` when it is the schema's (zod's), to say it in words. */
export interface DraftProblem extends ProblemFieldError {
  issue?: ZodIssue;
}

/**
 * The problems of `input` (a ToolInput as plain JSON) as a new tool, or as
 * the replacement of `previous`. `unusable`: top-level fields the caller
 * already found wrong (a number that is not one, JSON that does not parse):
 * they are left out of the later stages, and so are the problems that only
 * follow from their absence.
 */
export async function draftProblems(
  env: Env,
  input: Record<string, unknown>,
  previous: ToolRow | null,
  unusable: ReadonlySet<string> = new Set(),
): Promise<DraftProblem[]> {
  const problems: DraftProblem[] = [];
  const parsed = ToolInput.safeParse(input);
  const failed = new Set(unusable);
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const top = String(issue.path[0] ?? "");
      failed.add(top);
      // The caller said already what is wrong with this field, in its own words.
      if (unusable.has(top)) continue;
      const [error] = issuesToFieldErrors([issue]);
      if (error) problems.push({ ...error, issue });
    }
  // What the schema refused is left out (or, for the name, stood in for), so that the definition's
  // rules can judge the rest; without an execution type there is nothing to judge.
  if (failed.has("execution_type") || failed.has("")) return problems;
  const usable = Object.fromEntries(Object.entries(input).filter(([key]) => !failed.has(key)));
  const rest = ToolInput.safeParse({ ...usable, name: failed.has("name") ? "x" : input.name });
  if (!rest.success) return problems;

  try {
    const def = normalizeDefinition(rest.data, requireOutboundSettings(env));
    problems.push(
      ...missingSecrets(
        { params: def.authParams, endpointUrl: def.endpointUrl, provided: def.providedSecrets },
        previous,
      ),
    );
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const errors = (err.extensions.errors as ProblemFieldError[] | undefined) ?? [];
    problems.push(...errors.filter((error) => !followsFrom(error, failed)));
    // The secrets are judged even so, on the auth alone, so that a missing one shows with the rest.
    // An edit needs the endpoint too: a stored secret stays only where it was entered for.
    const endpoint = typeof rest.data.endpoint_url === "string" ? rest.data.endpoint_url : null;
    if (!failed.has("auth_config") && (previous === null || (endpoint !== null && URL.canParse(endpoint)))) {
      const { params, provided } = splitAuth(rest.data.auth_config ?? { type: "none" });
      const said = new Set(problems.map((p) => p.path));
      problems.push(
        ...missingSecrets({ params, endpointUrl: endpoint, provided }, previous).filter((m) => !said.has(m.path)),
      );
    }
  }

  if (!failed.has("name") && typeof input.name === "string") {
    const holder = await drizzle(env.DB).select({ id: tools.id }).from(tools).where(eq(tools.name, input.name)).get();
    if (holder && holder.id !== previous?.id)
      problems.push({ path: "/name", message: `A tool named "${input.name}" already exists.` });
  }
  return problems;
}

/**
 * Whether a definition problem only follows from a field left out: the field
 * itself ("endpoint_url is required"), or, with the input schema or mapping
 * left out, the rules that compare them with each other and with the URL's
 * placeholders.
 */
function followsFrom(error: ProblemFieldError, failed: ReadonlySet<string>): boolean {
  const top = error.path.split("/")[1] ?? "";
  if (failed.has(top)) return true;
  const inputsLeftOut = failed.has("input_schema") || failed.has("input_mapping");
  return inputsLeftOut && (top === "input_mapping" || top === "input_schema" || /\{[^}]*\}/.test(error.message));
}
