/**
 * Tools as LLM vendors' function-calling definitions, pure: OpenAI's Chat
 * Completions and Responses `tools` entries, and Anthropic's Messages `tools`
 * entries. Strict mode converts each input schema into the vendor's strict
 * subset where it can (./openai-strict.ts, ./anthropic-strict.ts) and says
 * why not where it cannot, so that tool is exported non-strict instead.
 */
import type { JsonSchema } from "../engine/schemas";
import { toAnthropicStrictSchema } from "./anthropic-strict";
import { toOpenAiStrictSchema } from "./openai-strict";
import type { StrictConversion } from "./strict-refusal";

export const FUNCTION_FORMATS = ["openai", "openai-responses", "anthropic"] as const;
export type FunctionFormat = (typeof FUNCTION_FORMATS)[number];

/** What an export needs of a tool. */
export interface ExportableTool {
  name: string;
  description: string | null;
  /** An object schema: src/registry/definition.ts refuses any other top level. */
  inputSchema: JsonSchema;
}

interface FunctionFields {
  name: string;
  description?: string;
  parameters: JsonSchema;
  strict: boolean;
}

/** Chat Completions: the function nested under `function`. */
export interface OpenAiFunction {
  type: "function";
  function: FunctionFields;
}

/** Responses API: the same fields, flat (its FunctionTool). */
export type OpenAiResponsesFunction = { type: "function" } & FunctionFields;

/** Anthropic types `input_schema` as an object schema: `type: "object"` at the top. */
export type ObjectSchema = JsonSchema & { type: "object" };

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: ObjectSchema;
  /** Present, and true, only when the schema was converted for strict tool use. */
  strict?: true;
}

export interface ExportedFunction {
  definition: OpenAiFunction | OpenAiResponsesFunction | AnthropicTool;
  /** Why strict mode was asked for but not given; null when it was given or not asked for. */
  strictUnavailable: string | null;
}

/**
 * Every vendor takes the tool's name as is: toolgate's names (1-64 of
 * A-Z a-z 0-9 _ -) are exactly what they all allow. The input schema goes as
 * stored, unless strict mode converts it.
 */
export function exportFunction(tool: ExportableTool, format: FunctionFormat, strict: boolean): ExportedFunction {
  const description = tool.description ? { description: tool.description } : {};
  const converted: StrictConversion | null = !strict
    ? null
    : format === "anthropic"
      ? toAnthropicStrictSchema(tool.inputSchema)
      : toOpenAiStrictSchema(tool.inputSchema);
  const schema = converted?.ok ? converted.schema : tool.inputSchema;
  const strictUnavailable = converted && !converted.ok ? converted.reason : null;
  switch (format) {
    case "anthropic":
      return {
        definition: {
          name: tool.name,
          ...description,
          input_schema: { ...schema, type: "object" },
          ...(converted?.ok ? { strict: true } : {}),
        },
        strictUnavailable,
      };
    case "openai":
    case "openai-responses": {
      // Always explicit: the Responses API takes a function without `strict` as strict.
      const fields: FunctionFields = {
        name: tool.name,
        ...description,
        parameters: schema,
        strict: converted?.ok === true,
      };
      return {
        definition: format === "openai" ? { type: "function", function: fields } : { type: "function", ...fields },
        strictUnavailable,
      };
    }
  }
}
