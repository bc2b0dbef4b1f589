import { BUILTIN_FUNCTIONS } from "./functions";
import type { Executor } from "./index";

/** Runs a built-in TypeScript function in the Worker; no network, no credentials. */
export const runFunctionTool: Executor = async (tool, input, ctx) => {
  const functionName = tool.functionName ?? "";
  const fn = BUILTIN_FUNCTIONS.get(functionName);
  if (!fn) return { request: null, result: { ok: false, failure: { kind: "function_failed", functionName } } };
  try {
    const outcome = await fn.run(input, ctx.now);
    if (!outcome.ok)
      return { request: null, result: { ok: false, failure: { kind: "input_invalid", errors: outcome.errors } } };
    return { request: null, result: { ok: true, statusCode: null, output: outcome.output } };
  } catch {
    return { request: null, result: { ok: false, failure: { kind: "function_failed", functionName } } };
  }
};
