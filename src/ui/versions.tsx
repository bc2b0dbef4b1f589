/**
 * The Versions page's handlers: list a tool's saved versions, compare any
 * two, and restore one through src/registry/restore-version.ts, exactly as
 * the API's POST /tools/{id}/versions/{n}/restore does.
 */
import { drizzle } from "drizzle-orm/d1";
import { findApiKeyById } from "../access/store";
import { decodeCursor, encodeCursor } from "../api/pagination";
import type { ToolRow, ToolVersionRow } from "../db/schema";
import { SECRET_FIELDS } from "../engine/auth";
import { AppError, type ProblemFieldError } from "../problem";
import { currentDefinition, presentVersionDefinition } from "../registry/present-version";
import { findTool, getReadableTool, type Db } from "../registry/queries";
import { restoreToolVersion } from "../registry/restore-version";
import { secretReuseVerdict } from "../registry/secrets";
import { isDamaged } from "../registry/stored-tool";
import { findToolVersion, getToolVersion, listToolVersions, savedByOf } from "../registry/versions";
import { addFieldError, type FieldErrors } from "./components";
import { RESTORE_SECRET_INPUTS, RestoreVersionPage } from "./pages/restore-version";
import { VersionsPage } from "./pages/versions";
import type { UiContext } from "./routes";
import type { Session } from "./session";
import { reenterInWords } from "./tool-form-errors";
import { diffDefinitions } from "./version-diff";

const PAGE_SIZE = 50;

export async function showVersions(c: UiContext, session: Session, id: string) {
  const db = drizzle(c.env.DB);
  const cursor = decodeCursor(c.req.query("cursor"));
  const rows = await listToolVersions(db, id, PAGE_SIZE, cursor && cursor.id === id ? Number(cursor.at) : null);
  const tool = await findTool(db, id);
  if (!tool && rows.length === 0)
    throw new AppError(404, "tool_not_found", "There is no tool here, and no saved version of one.");
  const page = rows.slice(0, PAGE_SIZE);
  const last = page.at(-1);
  const restored = Number(c.req.query("restored"));
  return c.html(
    <VersionsPage
      session={session}
      toolId={id}
      toolName={tool?.name ?? page[0]?.name ?? id}
      exists={tool !== undefined}
      currentVersion={tool?.version ?? null}
      versions={page}
      savers={await saversOf(db, page)}
      compared={await comparison(c, db, id, page)}
      nextCursor={rows.length > PAGE_SIZE && last ? encodeCursor(String(last.version), id) : null}
      flash={
        tool && Number.isSafeInteger(restored) && restored > 0
          ? `Restored version ${restored} as version ${tool.version}.`
          : undefined
      }
    />,
  );
}

/** The two versions `from` and `to` of the query, or by default the newest and the one before it. */
async function comparison(c: UiContext, db: Db, id: string, page: ToolVersionRow[]) {
  const asked = (name: string) => {
    const n = Number(c.req.query(name));
    return Number.isSafeInteger(n) && n > 0 ? n : null;
  };
  const [fromN, toN] = [asked("from") ?? page[1]?.version, asked("to") ?? page[0]?.version];
  if (fromN === undefined || toN === undefined) return null;
  const find = (n: number) => page.find((v) => v.version === n) ?? findToolVersion(db, id, n);
  const [from, to] = await Promise.all([find(fromN), find(toN)]);
  if (!from || !to) return null;
  return {
    from: fromN,
    to: toN,
    changes: diffDefinitions(presentVersionDefinition(from), presentVersionDefinition(to)),
  };
}

/** Who saved each version, in words: the admin token, or the API key's name (its id if it is gone). */
async function saversOf(db: Db, versions: ToolVersionRow[]): Promise<Map<string, string>> {
  const savers = new Map<string, string>();
  for (const savedBy of new Set(versions.flatMap((v) => v.savedBy ?? []))) {
    if (savedBy === "admin-token") savers.set(savedBy, "admin token");
    else if (savedBy.startsWith("api-key-")) {
      const key = await findApiKeyById(db, savedBy.slice("api-key-".length));
      savers.set(savedBy, key ? `API key “${key.name}”` : "an API key since deleted");
    }
  }
  return savers;
}

export async function showRestore(c: UiContext, session: Session, id: string, n: number) {
  const db = drizzle(c.env.DB);
  const [tool, version] = [await getReadableTool(db, id), await getToolVersion(db, id, n)];
  return c.html(<RestoreVersionPage session={session} {...restoreView(tool, version)} errors={new Map()} />);
}

export async function submitRestore(c: UiContext, session: Session, id: string, n: number) {
  const body = await c.req.parseBody();
  const db = drizzle(c.env.DB);
  const version = await getToolVersion(db, id, n);
  const secrets: Record<string, string> = {};
  for (const field of Object.keys(RESTORE_SECRET_INPUTS)) {
    const value = body[`secret.${field}`];
    if (typeof value === "string" && value !== "") secrets[field] = value;
  }
  const expected = Number(body.expected_version);
  try {
    const row = await restoreToolVersion(c.env, id, n, {
      secrets,
      expected: (current) => current === expected,
      savedBy: savedByOf(session.principal),
    });
    return c.redirect(`/ui/tools/${row.id}/versions?restored=${n}`, 303);
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500 || err.status === 404) throw err;
    const tool = await findTool(db, id);
    if (!tool || isDamaged(tool)) throw err;
    const errors: FieldErrors = new Map();
    for (const [field, message] of restoreProblemsInWords(err, version)) addFieldError(errors, field, message);
    return c.html(
      <RestoreVersionPage session={session} {...restoreView(tool, version)} errors={errors} />,
      err.status as 409 | 412 | 422,
    );
  }
}

/** What the restore page shows: the changes from the tool as it is now, and which secret is asked for again. */
function restoreView(tool: ToolRow, version: ToolVersionRow) {
  const secretFields = version.connectionId === null ? SECRET_FIELDS[version.authParams.type] : [];
  const changed = secretReuseVerdict(tool, { params: version.authParams, endpointUrl: version.endpointUrl });
  const kept = changed.length === 0 && secretFields.every((field) => tool.authSecrets[field]);
  return {
    tool,
    version,
    changes: diffDefinitions(currentDefinition(tool), presentVersionDefinition(version)),
    secretFields,
    reenter:
      secretFields.length === 0 || kept ? null : changed.length > 0 ? reenterInWords(changed) : "it is not saved",
  };
}

/** A refused restore in words, each at the field to fix ("" when it concerns the whole version). */
function restoreProblemsInWords(err: AppError, version: ToolVersionRow): [string, string][] {
  if (err.status === 412)
    return [["", "Someone saved this tool since this page was opened. Look at the changes below again, then restore."]];
  if (err.status === 409)
    return [
      [
        "",
        `Another tool is now named “${version.name}”. Rename that tool first, or edit this one after restoring another version.`,
      ],
    ];
  const fieldErrors = (err.extensions.errors as ProblemFieldError[] | undefined) ?? [];
  const out: [string, string][] = [];
  for (const problem of fieldErrors) {
    const secret = /^\/(?:auth_config|secrets)\/(\w+)$/.exec(problem.path)?.[1];
    const input = secret ? RESTORE_SECRET_INPUTS[secret] : undefined;
    if (input) out.push([input.id, `Enter ${input.noun}: version ${version.version} needs it.`]);
    else
      out.push([
        "",
        `Version ${version.version} no longer passes today’s checks (${problem.message}). Open the tool in the editor and make the change there instead.`,
      ]);
  }
  return out.length > 0 ? out : [["", err.detail]];
}
