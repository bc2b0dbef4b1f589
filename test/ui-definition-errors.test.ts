/**
 * The editor shows the refusals of definitions that would fail every
 * execution next to their fields: a $ref cycle in either schema, and a
 * secret with a line break.
 */
import { describe, expect, it } from "vitest";
import { uniqueName } from "./helpers";
import { newToolPage, WEATHER_PAGE, weatherFields } from "./ui-fixtures";
import { fieldError, signIn, submitForm, toolNamed } from "./ui-helpers";

const CYCLE = {
  type: "object",
  properties: { x: { $ref: "#/definitions/a" } },
  definitions: { a: { $ref: "#/definitions/b" }, b: { $ref: "#/definitions/a" } },
};

describe("the editor refuses what would fail every execution", () => {
  it("shows a $ref cycle in the input schema next to it, in the advanced view", async () => {
    const session = await signIn();
    const name = uniqueName();
    const page = await newToolPage(session, WEATHER_PAGE);
    const advanced = await submitForm(
      page,
      "/ui/tools/new",
      session,
      weatherFields(name, "k-secret-1"),
      "view_advanced",
    );
    expect(advanced.res.status).toBe(200);
    const { res, html } = await submitForm(advanced.html, "/ui/tools/new", session, {
      input_schema: JSON.stringify({ ...CYCLE, properties: { ...CYCLE.properties, city: { type: "string" } } }),
    });
    expect(res.status).toBe(422);
    expect(fieldError(html, "input_schema")).toContain(
      "validation would never end: /input_schema/definitions/a → /input_schema/definitions/b → /input_schema/definitions/a.",
    );
    expect(await toolNamed(name)).toBeNull();
  });

  it("shows a $ref cycle in the output schema next to it", async () => {
    const session = await signIn();
    const name = uniqueName();
    const page = await newToolPage(session, WEATHER_PAGE);
    const { res, html } = await submitForm(page, "/ui/tools/new", session, {
      ...weatherFields(name, "k-secret-1"),
      output_schema: JSON.stringify({ type: "object", allOf: [{ $ref: "#" }] }),
    });
    expect(res.status).toBe(422);
    expect(fieldError(html, "output_schema")).toContain(
      "This $ref goes round in a circle without moving into a part of the value, so validation would never end: /output_schema → /output_schema/allOf/0 → /output_schema.",
    );
    expect(await toolNamed(name)).toBeNull();
  });

  it("shows a secret with a line break next to its field, without the secret", async () => {
    const session = await signIn();
    const name = uniqueName();
    const page = await newToolPage(session, WEATHER_PAGE);
    const secret = `k-${crypto.randomUUID()}`;
    const { res, html } = await submitForm(page, "/ui/tools/new", session, {
      ...weatherFields(name, `${secret}\n`),
      api_key_location: "query",
      api_key_name: "key",
    });
    expect(res.status).toBe(422);
    expect(fieldError(html, "api_key_value")).toBe(
      "The API key value contains a line feed (LF), which cannot be sent. Paste it again without line breaks; a copied secret often ends with one.",
    );
    expect(html).not.toContain(secret);
    expect(await toolNamed(name)).toBeNull();
  });
});
