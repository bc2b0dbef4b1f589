/**
 * Search over tool names and descriptions: GET /tools?q= and the tools list's
 * search box, both through listTools' `search` filter.
 */
import { describe, expect, it } from "vitest";
import { api, createTool, uniqueName, type Json } from "./helpers";
import { getPage, signIn } from "./ui-helpers";

async function searchNames(q: string, extra = ""): Promise<string[]> {
  const res = await api(`/tools?${new URLSearchParams({ q, limit: "100" })}${extra}`);
  expect(res.status).toBe(200);
  return (await res.json<{ items: Json[] }>()).items.map((tool) => tool.name as string);
}

describe("search", () => {
  it("finds tools by a word of the name or of the description, ignoring case", async () => {
    const word = uniqueName("zebra").replaceAll("-", "");
    const byName = await createTool({ name: `${word}_lookup`, description: "Finds things." });
    const byDescription = await createTool({
      name: uniqueName("other"),
      description: `Looks up the ${word.toUpperCase()} register.`,
    });
    await createTool({ name: uniqueName("unrelated"), description: "Nothing to see." });

    expect(await searchNames(word)).toEqual([byName.name, byDescription.name]);
    expect(await searchNames(word.toUpperCase())).toEqual([byName.name, byDescription.name]);
    expect(await searchNames(`the ${word} register`)).toEqual([byDescription.name]);
    // With name, both must hold.
    expect(await searchNames(word, `&name=${byDescription.name}`)).toEqual([byDescription.name]);
    expect(await searchNames("Finds things", `&name=${byDescription.name}`)).toEqual([]);
  });

  it("takes % and _ literally and text longer than D1's 50-byte LIKE limit", async () => {
    const word = uniqueName("pct").replaceAll("-", "");
    const long = `${word} ${"lorem ipsum dolor sit amet ".repeat(3)}end`;
    const tool = await createTool({ name: uniqueName("search"), description: `Matches 100% of ${long}.` });
    expect(new TextEncoder().encode(long).length).toBeGreaterThan(50);
    expect(await searchNames(long)).toEqual([tool.name]);
    expect(await searchNames(`100% of ${word}`)).toEqual([tool.name]);
    expect(await searchNames(`100_ of ${word}`)).toEqual([]);
    expect(await searchNames(`1%0 of ${word}`)).toEqual([]);
  });

  it("refuses an empty or over-long q with 422 naming the parameter", async () => {
    for (const q of ["", "x".repeat(201)]) {
      const res = await api(`/tools?${new URLSearchParams({ q })}`);
      expect(res.status).toBe(422);
      expect(JSON.stringify(await res.json())).toContain("/query/q");
    }
  });

  it("is documented on GET /tools in the OpenAPI document", async () => {
    const doc = await (await api("/openapi.json", { token: null })).json<Json>();
    const params = doc.paths["/tools"].get.parameters as Json[];
    expect(params.find((p) => p.name === "q")).toMatchObject({
      in: "query",
      required: false,
      schema: { type: "string", minLength: 1, maxLength: 200 },
    });
  });

  it("is the tools list's search box", async () => {
    const session = await signIn();
    const word = uniqueName("quokka").replaceAll("-", "");
    const tool = await createTool({ name: uniqueName("ui"), description: `Counts ${word}s.` });
    const html = await (await getPage(`/ui?${new URLSearchParams({ q: word })}`, session)).text();
    expect(html).toContain(`>${tool.name}</a>`);
    expect(html).toContain('<label for="q">Search names and descriptions</label>');
    const none = await (await getPage(`/ui?q=${word}-none`, session)).text();
    expect(none).toContain(`No tool has “${word}-none” in its name or description.`);
  });
});
