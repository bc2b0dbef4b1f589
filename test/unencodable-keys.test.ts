/**
 * Property names that are not well-formed Unicode (a lone surrogate, which
 * JSON's `\ud800` escape can carry): the validator URI-encodes the names it
 * visits, and encodeURI throws on them. In a saved schema or an execution's
 * input, such a name is a 422 at its JSON Pointer, not a 500.
 */
import { describe, expect, it } from "vitest";
import { UNENCODABLE_KEY_MESSAGE } from "../src/engine/validation-limits";
import { api, createTool, httpTool, type Json } from "./helpers";

/** Lone surrogates, built at run time. */
const HIGH = String.fromCharCode(0xd800);
const LOW = String.fromCharCode(0xdc00);

/** Compared as JSON text, where the lone surrogate is an escape: the runner reports a failure in UTF-8. */
const escaped = (value: unknown) => JSON.stringify(value);

/** A request body as text, so that it can hold the escape JSON.stringify would also write, unpaired. */
async function post(path: string, body: string): Promise<{ status: number; body: Json }> {
  const res = await api(path, { method: "POST", body, headers: { "content-type": "application/json" } });
  return { status: res.status, body: await res.json<Json>() };
}

describe("a property name holding a lone surrogate", () => {
  it("in a schema being saved is a 422 at its pointer", async () => {
    const definition = JSON.stringify(httpTool()).slice(0, -1);
    const { status, body } = await post(
      "/tools",
      `${definition},"output_schema":{"type":"object","properties":{"\\ud800":{"type":"string"}}}}`,
    );
    expect(status).toBe(422);
    expect(escaped(body.errors)).toBe(
      escaped([
        {
          path: `/output_schema/properties/${HIGH}`,
          message: `Not a valid JSON Schema (draft-07): ${UNENCODABLE_KEY_MESSAGE}`,
        },
      ]),
    );
  });

  it("in an execution's input is a 422 input_invalid at its pointer", async () => {
    const tool = await createTool({
      input_schema: {
        type: "object",
        properties: { a: { type: "string" } },
        additionalProperties: { type: "integer" },
      },
    });
    const { status, body } = await post(`/tools/${tool.id}/execute`, '{"input":{"a":5,"\\udc00":1}}');
    expect(status).toBe(422);
    expect(body.code).toBe("input_invalid");
    expect(escaped(body.errors)).toBe(escaped([{ path: `/input/${LOW}`, message: UNENCODABLE_KEY_MESSAGE }]));
  });
});
