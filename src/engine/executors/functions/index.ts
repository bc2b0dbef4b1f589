/**
 * Built-in functions: TypeScript code registered here under a name that a
 * `function` tool refers to as its `function_name`.
 */
import type { ProblemFieldError } from "../../../problem";
import type { JsonSchema } from "../../schemas";
import { currentTime } from "./current-time";

export type FunctionResult = { ok: true; output: unknown } | { ok: false; errors: ProblemFieldError[] };

export interface BuiltinFunction {
  name: string;
  description: string;
  /** Used as the tool's input schema when the tool does not give its own. */
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
  run(input: Record<string, unknown>, now: Date): FunctionResult | Promise<FunctionResult>;
}

export const BUILTIN_FUNCTIONS: ReadonlyMap<string, BuiltinFunction> = new Map(
  [currentTime].map((fn) => [fn.name, fn]),
);
