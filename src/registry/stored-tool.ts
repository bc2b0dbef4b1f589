/**
 * Reading `tools` rows. The JSON columns are selected as their stored text
 * and parsed here, one row at a time, instead of by Drizzle (`mode: "json"`
 * in src/db/schema.ts), which parses inside the query's result mapping: there
 * one row whose JSON does not parse (an operator's UPDATE, a restored backup,
 * a disk error) failed the whole query, and GET /tools answered 500 to
 * everyone. Here that row comes back marked as damaged, naming its columns,
 * and every other row reads as before. The cost is the same JSON.parse calls
 * Drizzle made, in the same single query.
 */
import { getTableColumns, sql, type SQL } from "drizzle-orm";
import { tools, type ToolRow } from "../db/schema";
import { isPlainObject } from "../plain-object";

/** The columns of `tools` that hold JSON, by their ToolRow names. */
const JSON_COLUMNS = {
  headers: "headers",
  retryPolicy: "retry_policy",
  inputSchema: "input_schema",
  outputSchema: "output_schema",
  inputMapping: "input_mapping",
  authParams: "auth_params",
  authSecrets: "auth_secrets",
} as const;
type JsonColumn = keyof typeof JSON_COLUMNS;

/** The same columns as `db.select().from(tools)`, the JSON ones as stored text. */
export const storedToolColumns = {
  ...getTableColumns(tools),
  ...(Object.fromEntries(
    Object.keys(JSON_COLUMNS).map((key) => [key, sql<string | null>`${tools[key as JsonColumn]}`]),
  ) as Record<JsonColumn, SQL<string | null>>),
};

/** A row as `storedToolColumns` selects it. */
export type RawToolRow = Omit<ToolRow, JsonColumn> & Record<JsonColumn, string | null>;

/** A column that would not read, and why, in words for the operator who fixes it. */
export interface ColumnDamage {
  /** The D1 column name, as in docs/storage.md. */
  column: string;
  problem: string;
}

/**
 * A row that would not read in full: its plain columns, and what is wrong
 * with the others. It cannot run or be exported; it can be shown, replaced
 * (PUT, every secret sent again) and deleted.
 */
export type DamagedTool = Pick<
  ToolRow,
  | "id"
  | "name"
  | "description"
  | "executionType"
  | "method"
  | "endpointUrl"
  | "functionName"
  | "authType"
  | "mcpEnabled"
  | "version"
  | "createdAt"
  | "updatedAt"
> & { damage: ColumnDamage[] };

export type StoredTool = ToolRow | DamagedTool;

export function isDamaged(tool: StoredTool): tool is DamagedTool {
  return "damage" in tool;
}

const AUTH_TYPES: ReadonlySet<string> = new Set(["none", "bearer_token", "api_key", "oauth2"]);
const EXECUTION_TYPES: ReadonlySet<string> = new Set(["http_request", "function"]);

/** What each JSON column must hold: the shapes the engine and the API read without checking again. */
const SHAPES: Record<JsonColumn, { nullable: boolean; problem: (value: unknown, row: RawToolRow) => string | null }> = {
  headers: {
    nullable: false,
    problem: (v) =>
      isPlainObject(v) && Object.values(v).every((x) => typeof x === "string")
        ? null
        : "is not an object of header values",
  },
  retryPolicy: { nullable: true, problem: (v) => (isPlainObject(v) ? null : "is not an object") },
  inputSchema: { nullable: false, problem: (v) => (isPlainObject(v) ? null : "is not a JSON Schema object") },
  outputSchema: {
    nullable: true,
    problem: (v) => (isPlainObject(v) || typeof v === "boolean" ? null : "is not a JSON Schema"),
  },
  inputMapping: { nullable: true, problem: (v) => (isPlainObject(v) ? null : "is not an object") },
  authParams: {
    nullable: false,
    problem: (v, row) =>
      isPlainObject(v) && v.type === row.authType ? null : `is not an object whose type is auth_type`,
  },
  authSecrets: {
    nullable: false,
    problem: (v) =>
      isPlainObject(v) && Object.values(v).every((x) => typeof x === "string")
        ? null
        : "is not an object of sealed values",
  },
};

/** Parses a row's JSON columns; a row with any column that does not read is a DamagedTool. */
export function readToolRow(raw: RawToolRow): StoredTool {
  const damage: ColumnDamage[] = [];
  const parsed: Partial<Record<JsonColumn, unknown>> = {};
  for (const key of Object.keys(JSON_COLUMNS) as JsonColumn[]) {
    const column = JSON_COLUMNS[key];
    const text = raw[key];
    const shape = SHAPES[key];
    let value: unknown;
    try {
      value = text === null ? null : JSON.parse(text);
    } catch {
      damage.push({ column, problem: "is not valid JSON" });
      continue;
    }
    const problem = value === null && shape.nullable ? null : shape.problem(value, raw);
    if (problem) damage.push({ column, problem });
    else parsed[key] = value;
  }
  if (!AUTH_TYPES.has(raw.authType)) damage.push({ column: "auth_type", problem: "is not a known auth type" });
  if (!EXECUTION_TYPES.has(raw.executionType))
    damage.push({ column: "execution_type", problem: "is not a known execution type" });
  if (damage.length > 0)
    return {
      id: raw.id,
      name: raw.name,
      description: raw.description,
      executionType: raw.executionType,
      method: raw.method,
      endpointUrl: raw.endpointUrl,
      functionName: raw.functionName,
      authType: raw.authType,
      mcpEnabled: raw.mcpEnabled,
      version: raw.version,
      createdAt: raw.createdAt,
      updatedAt: raw.updatedAt,
      damage,
    };
  return { ...raw, ...parsed } as ToolRow;
}

/** What is wrong with a damaged tool and what to do, in one sentence each. */
export function damageInWords(tool: DamagedTool): string {
  const columns = tool.damage.map((d) => `${d.column} ${d.problem}`).join("; ");
  return `The stored tool "${tool.name}" is damaged and cannot run: ${columns}. Replace it with PUT /tools/${tool.id} (sending its secrets again), or delete it.`;
}
