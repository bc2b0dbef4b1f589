/**
 * A tool's input and output checked against its schemas, exactly as an
 * execution checks them: the execute pipeline (./execute.ts) and the JSON
 * Schema Test Suite's conformance test call these, so the suite's scores are
 * the service's.
 */
import type { ToolRow } from "../db/schema";
import type { ProblemFieldError } from "../problem";
import { dropOptionalNulls } from "./optional-nulls";
import { applyDefaults, compiledValidator, validateInstance } from "./schemas";

export type ValidatedTool = Pick<ToolRow, "id" | "version" | "inputSchema" | "outputSchema" | "formatMode">;

/**
 * The input that is validated and sent: optional nulls removed (a strict-mode
 * caller's "not given") and defaults filled in. Never mutates `rawInput`.
 */
export function preparedInput(tool: Pick<ToolRow, "inputSchema">, rawInput: Record<string, unknown>) {
  return applyDefaults(tool.inputSchema, dropOptionalNulls(tool.inputSchema, rawInput)) as Record<string, unknown>;
}

/** Errors of a prepared input against the tool's input schema, under `/input`. */
export function inputProblems(tool: ValidatedTool, input: Record<string, unknown>): ProblemFieldError[] {
  return validateInstance(
    compiledValidator(`${tool.id}:${tool.version}:input`, tool.inputSchema, tool.formatMode),
    input,
    "/input",
  );
}

/** Errors of an upstream (or function) output against the tool's output schema, under `/output`; none without one. */
export function outputProblems(tool: ValidatedTool, output: unknown): ProblemFieldError[] {
  if (tool.outputSchema == null) return [];
  return validateInstance(
    compiledValidator(`${tool.id}:${tool.version}:output`, tool.outputSchema, tool.formatMode),
    output,
    "/output",
  );
}
