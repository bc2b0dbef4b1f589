/**
 * A schema with more properties than the parameters builder shows on a page
 * (src/ui/parameters.ts, MAX_BUILDER_PARAMETERS) opens in the advanced view
 * with a notice. A review built a 39.6 MB edit page from 15,000 properties;
 * now the page costs about the schema's own size, and saving it works.
 */
import { describe, expect, it } from "vitest";
import { MAX_BUILDER_PARAMETERS } from "../src/ui/parameters";
import { api, createTool, type Json } from "./helpers";
import { fieldValue, formFields, getPage, signIn, statusMessages, submitForm, textareaValue } from "./ui-helpers";

function schemaWith(count: number): Record<string, unknown> {
  const properties = Object.fromEntries(Array.from({ length: count }, (_, i) => [`p${i}`, { type: "string" }]));
  return { type: "object", properties, additionalProperties: false };
}

/** The schema as the advanced view's textarea holds it, escaped as HTML text. */
function escapedLength(text: string): number {
  return text.replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === '"' ? "&quot;" : "&#39;")).length;
}

describe("a schema too large for the parameters builder", () => {
  it("opens in the advanced view with a notice, on a page about the schema's own size, and saves unchanged", async () => {
    const session = await signIn();
    const schema = schemaWith(15_000);
    const tool = await createTool({ input_schema: schema });
    const res = await getPage(`/ui/tools/${tool.id}/edit`, session);
    const html = await res.text();
    expect(res.status).toBe(200);

    expect(statusMessages(html)).toEqual([
      `The input schema has 15000 properties, more than the ${MAX_BUILDER_PARAMETERS} the builder shows on one page. Edit the schema as JSON below; nothing in it is lost.`,
    ]);
    const action = `/ui/tools/${tool.id}/edit`;
    expect(fieldValue(formFields(html, action), "params_view")).toBe("advanced");
    expect(html).not.toContain('id="param-0-name"');
    const text = textareaValue(html, "input_schema") ?? "";
    expect(JSON.parse(text)).toEqual(schema);
    // The schema once, as text, plus the rest of the page: no markup per property.
    expect(html.length).toBeLessThan(escapedLength(text) + 100_000);
    expect(html.length).toBeLessThan(2 * 1024 * 1024);

    // The form the page holds fits the request body limit, so the tool can be saved from it.
    const saved = await submitForm(html, action, session, { description: "Many inputs" });
    expect(saved.res.status, saved.html.slice(0, 500)).toBe(303);
    const stored = await (await api(`/tools/${tool.id}`)).json<Json>();
    expect(stored.input_schema).toEqual(schema);
    expect(stored.description).toBe("Many inputs");
  });

  it("gives the tool page's test panel one JSON field instead of a control per property", async () => {
    const session = await signIn();
    const tool = await createTool({ input_schema: schemaWith(15_000) });
    const html = await (await getPage(`/ui/tools/${tool.id}`, session)).text();
    expect(html).toContain('<textarea id="input_json" name="input_json"');
    expect(html).not.toContain('name="in.p0"');
    expect(html.length).toBeLessThan(100_000);
    const fits = await createTool({ input_schema: schemaWith(MAX_BUILDER_PARAMETERS) });
    const fitsHtml = await (await getPage(`/ui/tools/${fits.id}`, session)).text();
    expect(fitsHtml).toContain(`name="in.p${MAX_BUILDER_PARAMETERS - 1}"`);
  });

  it(`shows ${MAX_BUILDER_PARAMETERS} properties in the builder, and one more as JSON`, async () => {
    const session = await signIn();
    const fits = await createTool({ input_schema: schemaWith(MAX_BUILDER_PARAMETERS) });
    const fitsHtml = await (await getPage(`/ui/tools/${fits.id}/edit`, session)).text();
    expect(fitsHtml).toContain(`id="param-${MAX_BUILDER_PARAMETERS - 1}-name"`);
    expect(statusMessages(fitsHtml)).toEqual([]);

    const over = await createTool({ input_schema: schemaWith(MAX_BUILDER_PARAMETERS + 1) });
    const overHtml = await (await getPage(`/ui/tools/${over.id}/edit`, session)).text();
    expect(overHtml).not.toContain('id="param-0-name"');
    expect(statusMessages(overHtml)[0]).toContain(`has ${MAX_BUILDER_PARAMETERS + 1} properties`);

    // Asking for the builder keeps the advanced view, and says why.
    const back = await submitForm(overHtml, `/ui/tools/${over.id}/edit`, session, {}, "view_builder");
    expect(back.res.status).toBe(200);
    expect(fieldValue(formFields(back.html, `/ui/tools/${over.id}/edit`), "params_view")).toBe("advanced");
    expect(statusMessages(back.html)[0]).toContain(`more than the ${MAX_BUILDER_PARAMETERS} the builder shows`);
  });
});
