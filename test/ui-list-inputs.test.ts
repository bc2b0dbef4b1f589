/**
 * The test panel's list control through the Worker, as a browser without
 * scripts uses it: rows added and removed by round trips that run nothing,
 * the rows sent as a typed array, and an object field's example.
 */
import { describe, expect, it } from "vitest";
import { createTool, json, useUpstream, waitForLog } from "./helpers";
import { executionIdOf, fieldError, getPage, postForm, signIn } from "./ui-helpers";

const upstream = useUpstream();

const SCHEMA = {
  type: "object",
  properties: {
    tags: { type: "array", items: { type: "string" }, default: ["a"] },
    counts: { type: "array", items: { type: "integer" } },
    where: { type: "object", properties: { city: { type: "string" } } },
  },
};

/** The values of a list's rows as the page renders them, in order. */
const rowValues = (html: string, name: string) =>
  [
    ...html
      .replace(/<template[\s\S]*?<\/template>/g, "")
      .matchAll(new RegExp(`<input[^>]*name="list\\.${name}"[^>]*>`, "g")),
  ].map((m) => /\bvalue="([^"]*)"/.exec(m[0])?.[1] ?? "");

describe("the test panel's list control", () => {
  it("shows the default's items as rows, and an example at an object's JSON field", async () => {
    const session = await signIn();
    const tool = await createTool({ input_schema: SCHEMA });
    const html = await (await getPage(`/ui/tools/${tool.id}`, session)).text();
    expect(rowValues(html, "tags")).toEqual(["a"]);
    expect(rowValues(html, "counts")).toEqual([""]);
    expect(html).toContain("<legend>tags</legend>");
    expect(html).toMatch(/<input type="number" step="1" id="input-counts-0" name="list.counts"/);
    expect(html).toContain("A list of whole numbers, one per row. Empty rows are not sent.");
    expect(html).toContain('<pre class="example">{\n  &quot;city&quot;: &quot;text&quot;\n}</pre>');
    // Enter in a row runs the tool: the form's first button is Run, not Add item.
    expect(
      /<form method="post" action="[^"]*\/run#run"[^>]*>\s*<button type="submit" name="_action" value="run"/.test(html),
    ).toBe(true);
  });

  it("adds and removes rows by round trips that run nothing, keeping what was typed", async () => {
    const session = await signIn();
    const tool = await createTool({ input_schema: SCHEMA });
    const added = await postForm(
      `/ui/tools/${tool.id}/run`,
      [
        ["list.tags", "red"],
        ["list.tags", "green"],
        ["list.counts", "3"],
        ["_action", "add_item.tags"],
      ],
      session,
    );
    expect(added.status).toBe(200);
    const addedHtml = await added.text();
    expect(rowValues(addedHtml, "tags")).toEqual(["red", "green", ""]);
    expect(rowValues(addedHtml, "counts")).toEqual(["3"]);
    expect(addedHtml).not.toContain('id="result"');

    const removed = await postForm(
      `/ui/tools/${tool.id}/run`,
      [
        ["list.tags", "red"],
        ["list.tags", "green"],
        ["list.tags", "blue"],
        ["_action", "remove_item.1.tags"],
      ],
      session,
    );
    expect(rowValues(await removed.text(), "tags")).toEqual(["red", "blue"]);
    expect(upstream.calls).toHaveLength(0);
  });

  it("sends the rows as a typed array, empty rows left out, and names a row that does not fit", async () => {
    const session = await signIn();
    const tool = await createTool({
      input_schema: SCHEMA,
      method: "POST",
      endpoint_url: "https://api.example.com/hook",
    });
    upstream.on("POST", "https://api.example.com/hook", () => json({ ok: true }));
    const ran = await postForm(
      `/ui/tools/${tool.id}/run`,
      [
        ["list.tags", "red"],
        ["list.tags", ""],
        ["list.tags", "blue"],
        ["list.counts", "1"],
        ["list.counts", "30"],
        ["_action", "run"],
      ],
      session,
    );
    expect(ran.status).toBe(200);
    const executionId = executionIdOf(await ran.text());
    expect(JSON.parse(upstream.calls[0]?.body ?? "null")).toEqual({ tags: ["red", "blue"], counts: [1, 30] });
    expect((await waitForLog(executionId)).input).toEqual({ tags: ["red", "blue"], counts: [1, 30] });

    const refused = await postForm(`/ui/tools/${tool.id}/run`, [["list.counts", "1.5"]], session);
    expect(refused.status).toBe(422);
    expect(fieldError(await refused.text(), "input-counts")).toBe("counts item 1 must be a whole number.");
    expect(upstream.calls).toHaveLength(1);
  });
});
