/**
 * Runs the official JSON Schema Test Suite through the service, and counts
 * its answers (test/json-schema-suite-checks.ts prints and checks them, one test file per draft).
 *
 * Each suite schema S is saved as a tool, once as its input schema, wrapped
 * as `{type: object, properties: {v: S}, required: [v]}` (a function tool),
 * and once as its output schema as it is (an HTTP tool whose upstream answers
 * with what it was sent). A schema refused (a 422) counts as a refused group,
 * each of its tests as not correct. Each test's data is then executed as
 * `{v: data}`: the input schema checks it, and the upstream answers with it
 * for the output schema to check. "Valid" is a success, "invalid" an
 * input_invalid (422) or output_invalid (500) failure, anything else an error.
 *
 * Saving is what POST /tools does before it writes the row (the ToolInput
 * body schema, then normalizeDefinition), and executing is executeTool, the
 * pipeline POST /tools/{id}/execute runs on the row it loads; with the row
 * through a JSON round trip, as D1 stores it. Over HTTP, with a D1 write per
 * save and per execution, the suite's 2,500 schemas and 14,000 executions
 * take many minutes on a busy machine; so the first group of every file also
 * goes through the API itself (POST /tools, then each of its tests through
 * POST /tools/{id}/execute), and the API must answer exactly as the runner
 * did.
 */
import { Validator, type Schema, type SchemaDraft } from "@cfworker/json-schema";
import type { SuiteFile, SuiteGroup } from "virtual:json-schema-test-suite";
import { env } from "cloudflare:test";
import { ToolInput } from "../src/api/schemas";
import type { ToolRow } from "../src/db/schema";
import { executeTool } from "../src/engine/execute";
import { requireOutboundSettings } from "../src/engine/outbound/settings";
import { AppError, issuesToFieldErrors, type ProblemFieldError } from "../src/problem";
import { normalizeDefinition, toolRow } from "../src/registry/definition";
import { api, type Json } from "./helpers";

export type Draft = "draft-07" | "2019-09" | "2020-12";
export const DRAFTS: Draft[] = ["draft-07", "2019-09", "2020-12"];
export type SchemaUse = "input" | "output";
export const USES: SchemaUse[] = ["input", "output"];
/** The suite's required tests, its optional ones other than formats, and its optional format tests. */
export type Category = "required" | "optional" | "format";
export const CATEGORIES: Category[] = ["required", "optional", "format"];

export interface Tally {
  tests: number;
  correct: number;
  /** Groups whose schema was refused when saved (a 422), and their tests. */
  refusedGroups: number;
  refusedTests: number;
  /** Of the refused groups: those refused because a reference leads to another document, which is never fetched. */
  remoteGroups: number;
  /** Valid answered where the suite says invalid. */
  falseAccepts: number;
  /** Invalid answered where the suite says valid (on a schema that was saved). */
  falseRejects: number;
  /** Any answer other than 201 or 422 on save, or 200 or the 422 of invalid data on execute. */
  errors: number;
}

/** One answer that was not the suite's, for the detailed listing. */
export interface Miss {
  draft: Draft;
  use: SchemaUse;
  file: string;
  group: string;
  test: string;
  kind: "refused" | "false_accept" | "false_reject" | "error";
  why: string;
}

/** What saving a group's schema gave: for the test of refusals. */
export interface Refusal {
  draft: Draft;
  use: SchemaUse;
  file: string;
  group: string;
  /** Whether the schema mentions the suite's remote server, `http://localhost:1234/`. */
  mentionsRemote: boolean;
  remote: boolean;
  messages: string[];
}

export function emptyTally(): Tally {
  return {
    tests: 0,
    correct: 0,
    refusedGroups: 0,
    refusedTests: 0,
    remoteGroups: 0,
    falseAccepts: 0,
    falseRejects: 0,
    errors: 0,
  };
}

export function categoryOf(file: string): Category {
  if (file.startsWith("optional/format/")) return "format";
  return file.startsWith("optional/") ? "optional" : "required";
}

const DIALECTS: Record<Draft, string> = {
  "draft-07": "http://json-schema.org/draft-07/schema#",
  "2019-09": "https://json-schema.org/draft/2019-09/schema",
  "2020-12": "https://json-schema.org/draft/2020-12/schema",
};

/**
 * The base URI a suite schema is read against. The suite leaves a root
 * schema's retrieval URI to the runner; wrapped under `properties/v`, a schema
 * without `$id` would otherwise resolve `#/...` against the wrapper.
 */
const SUITE_BASE_URI = "https://json-schema-test-suite.example/schema.json";

/**
 * A suite schema as a toolgate author would write it for this draft: the
 * suite's draft-07 schemas leave `$schema` out (toolgate reads that as
 * draft-07), and a few later-draft ones do too.
 */
function inDraft(schema: unknown, draft: Draft): unknown {
  if (typeof schema !== "object" || schema === null || "$schema" in schema || draft === "draft-07") return schema;
  return { $schema: DIALECTS[draft], ...schema };
}

/** `{type: object, properties: {v: S}, required: [v]}`, with S's dialect at the root and S its own resource. */
export function wrapped(schema: unknown, draft: Draft): Record<string, unknown> {
  const s = inDraft(schema, draft);
  if (typeof s !== "object" || s === null) return { type: "object", properties: { v: s }, required: ["v"] };
  const { $schema, ...rest } = s as Record<string, unknown>;
  const resource = "$id" in rest ? rest : { $id: SUITE_BASE_URI, ...rest };
  return {
    ...($schema === undefined ? {} : { $schema }),
    type: "object",
    properties: { v: resource },
    required: ["v"],
  };
}

/** The upstream of the output tools: it answers with the `v` it was sent (test/json-schema-suite-checks.ts). */
export const ECHO_URL = "https://suite-echo.example/echo";

let toolCount = 0;

function toolBody(use: SchemaUse, schema: unknown, draft: Draft): Record<string, unknown> {
  const name = `suite_${++toolCount}`;
  if (use === "input")
    return { name, execution_type: "function", function_name: "current_time", input_schema: wrapped(schema, draft) };
  return {
    name,
    execution_type: "http_request",
    method: "POST",
    endpoint_url: ECHO_URL,
    input_schema: { type: "object", properties: { v: {} }, required: ["v"] },
    output_schema: inDraft(schema, draft),
  };
}

/** The words a refusal for a remote reference uses (src/engine/schema-references.ts). */
const REMOTE_REFUSAL = /points to another document \(.*\), and toolgate does not fetch schemas/;

type Saved<T> = { ok: true; tool: T } | { ok: false; refused: boolean; messages: string[] };

/** POST /tools. */
async function saveOverHttp(body: Record<string, unknown>): Promise<Saved<string>> {
  const res = await api("/tools", { method: "POST", json: body });
  const created = await res.json<Json>();
  if (res.status === 201) return { ok: true, tool: created.id as string };
  const errors = (created.errors ?? []) as ProblemFieldError[];
  const messages =
    errors.length > 0 ? errors.map((e) => `${e.path}: ${e.message}`) : [`${res.status} ${created.detail}`];
  return { ok: false, refused: res.status === 422, messages };
}

/** What POST /tools does before it writes the row, and the row as D1 gives it back. */
function saveInProcess(body: Record<string, unknown>): Saved<ToolRow> {
  const parsed = ToolInput.safeParse(throughJson(body));
  if (!parsed.success)
    return {
      ok: false,
      refused: true,
      messages: issuesToFieldErrors(parsed.error.issues).map((e) => `${e.path}: ${e.message}`),
    };
  try {
    const def = normalizeDefinition(parsed.data, requireOutboundSettings(env));
    const now = new Date().toISOString();
    return {
      ok: true,
      tool: throughJson(toolRow(crypto.randomUUID(), def, {}, { version: 1, createdAt: now, updatedAt: now })),
    };
  } catch (err) {
    if (!(err instanceof AppError)) return { ok: false, refused: false, messages: [String(err)] };
    const errors = (err.extensions.errors ?? []) as ProblemFieldError[];
    const messages = errors.length > 0 ? errors.map((e) => `${e.path}: ${e.message}`) : [`${err.status} ${err.detail}`];
    return { ok: false, refused: err.status === 422, messages };
  }
}

type Answer = { kind: "valid" } | { kind: "invalid"; why: string } | { kind: "error"; why: string };

function throughJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** How an execution ended, in the words both paths share: success, a failure's kind, or how it could not run. */
type Ending = "valid" | "input_invalid" | "output_invalid" | `error: ${string}`;

/** The execute pipeline that POST /tools/{id}/execute runs (without the route and its log row). */
async function endingInProcess(tool: ToolRow, data: unknown): Promise<{ ending: Ending; why: string }> {
  const { result } = await executeTool({ tool, connection: null }, { v: throughJson(data) }, { env, defer: () => {} });
  if (result.ok) return { ending: "valid", why: "" };
  const failure = result.failure;
  if (failure.kind === "input_invalid" || failure.kind === "output_invalid")
    return { ending: failure.kind, why: JSON.stringify(failure.errors) };
  return { ending: `error: ${failure.kind}`, why: JSON.stringify(failure) };
}

async function executeInProcess(use: SchemaUse, tool: ToolRow, data: unknown): Promise<Answer> {
  const { ending, why } = await endingInProcess(tool, data);
  if (ending === "valid") return { kind: "valid" };
  return ending === `${use}_invalid` ? { kind: "invalid", why } : { kind: "error", why };
}

/** POST /tools/{id}/execute: input_invalid is the caller's 422, output_invalid the upstream's fault, a 500. */
async function endingOverHttp(toolId: string, data: unknown): Promise<Ending> {
  const res = await api(`/tools/${toolId}/execute`, { method: "POST", json: { input: { v: data } } });
  const body = await res.json<Json>();
  if (res.status === 200) return "valid";
  if (res.status === 422 && body.code === "input_invalid") return "input_invalid";
  if (res.status === 500 && body.code === "output_invalid") return "output_invalid";
  return `error: ${res.status} ${body.code}`;
}

/**
 * An HTTP tool with both of a group's schemas: S wrapped as its input schema,
 * S as its output schema, and the echo upstream. Through the API, one save
 * and one execution per test then cross both checks (the output one whenever
 * the input passes), where separate input and output tools took twice the
 * requests, which are most of the suite's time.
 */
function bothSchemasToolBody(schema: unknown, draft: Draft): Record<string, unknown> {
  return {
    ...toolBody("output", schema, draft),
    name: `suite_${++toolCount}_http`,
    input_schema: wrapped(schema, draft),
  };
}

/**
 * Saves a group's schemas through the API (POST /tools, then each test through
 * POST /tools/{id}/execute) and through the runner, on one tool with both
 * schemas; returns how the API's answers differ from the runner's, or null
 * when they agree: the runner's scores are the service's.
 */
export async function disagreementOverHttp(draft: Draft, group: SuiteGroup): Promise<string | null> {
  const body = bothSchemasToolBody(group.schema, draft);
  const saved = saveInProcess(body);
  const routed = await saveOverHttp(body);
  if (routed.ok !== saved.ok) return `POST /tools ${routed.ok ? "accepted" : "refused"} it, the runner did not`;
  if (!routed.ok || !saved.ok)
    return routed.ok || saved.ok || routed.messages.join("; ") === saved.messages.join("; ")
      ? null
      : `POST /tools refused it with ${routed.messages.join("; ")}, the runner with ${saved.messages.join("; ")}`;
  const [inProcess, overHttp] = await Promise.all([
    Promise.all(group.tests.map((test) => endingInProcess(saved.tool, test.data))),
    Promise.all(group.tests.map((test) => endingOverHttp(routed.tool, test.data))),
  ]);
  const differ = group.tests.findIndex((_, i) => overHttp[i] !== inProcess[i]!.ending);
  return differ < 0
    ? null
    : `${group.tests[differ]!.description}: the execute route answered ${overHttp[differ]}, the runner ${inProcess[differ]!.ending}`;
}

export interface GroupRun {
  draft: Draft;
  use: SchemaUse;
  file: string;
  group: SuiteGroup;
  tally: Tally;
}

/** Saves a group's schema as a tool, executes each of its tests, and counts the answers. */
export async function runGroup(run: GroupRun, misses: Miss[], refusals: Refusal[]): Promise<void> {
  const { draft, use, file, group, tally } = run;
  const miss = (test: string, kind: Miss["kind"], why: string) =>
    misses.push({ draft, use, file, group: group.description, test, kind, why });
  tally.tests += group.tests.length;
  const body = toolBody(use, group.schema, draft);
  const saved = saveInProcess(body);
  const answers = saved.ok
    ? await Promise.all(group.tests.map((test) => executeInProcess(use, saved.tool, test.data)))
    : [];
  if (!saved.ok) {
    if (!saved.refused) {
      tally.errors += group.tests.length;
      miss("(every test)", "error", saved.messages.join("; "));
      return;
    }
    const remote = saved.messages.some((m) => REMOTE_REFUSAL.test(m));
    tally.refusedGroups += 1;
    tally.refusedTests += group.tests.length;
    if (remote) tally.remoteGroups += 1;
    refusals.push({
      draft,
      use,
      file,
      group: group.description,
      mentionsRemote: JSON.stringify(group.schema).includes("localhost:1234"),
      remote,
      messages: saved.messages,
    });
    miss("(every test)", "refused", saved.messages.join("; "));
    return;
  }
  group.tests.forEach((test, i) => {
    const answer = answers[i]!;
    if (answer.kind === "error") {
      tally.errors += 1;
      miss(test.description, "error", answer.why);
    } else if ((answer.kind === "valid") === test.valid) tally.correct += 1;
    else if (answer.kind === "valid") {
      tally.falseAccepts += 1;
      miss(test.description, "false_accept", "answered valid");
    } else {
      tally.falseRejects += 1;
      miss(test.description, "false_reject", answer.why);
    }
  });
}

/** Runs `tasks` with at most `limit` of them at a time. */
export async function inPool(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

const CFWORKER_DRAFT: Record<Draft, SchemaDraft> = { "draft-07": "7", "2019-09": "2019-09", "2020-12": "2020-12" };

/** Correct answers of @cfworker/json-schema on its own (no remotes, native RegExp): where the goals come from. */
export function cfworkerAlone(draft: Draft, files: SuiteFile[], category: Category): number {
  let correct = 0;
  for (const { file, groups } of files) {
    if (categoryOf(file) !== category) continue;
    for (const group of groups) {
      let validator: Validator | null = null;
      try {
        validator = new Validator(structuredClone(group.schema) as Schema, CFWORKER_DRAFT[draft], false);
      } catch {
        continue;
      }
      for (const test of group.tests) {
        try {
          if (validator.validate(test.data).valid === test.valid) correct += 1;
        } catch {
          // An unresolved reference or a stack overflow: not a correct answer.
        }
      }
    }
  }
  return correct;
}
