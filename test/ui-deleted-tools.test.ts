/**
 * Deleted tools in the UI: their runs, kept for audit, listed and opened
 * from the Deleted tools page; tools still there are not listed.
 */
import { describe, expect, it } from "vitest";
import { api, createApiKey, createTool, json, useUpstream } from "./helpers";
import { getPage, postForm, signIn } from "./ui-helpers";

const upstream = useUpstream();

async function runOnce(toolId: unknown) {
  const res = await api(`/tools/${toolId}/execute`, { method: "POST", json: { input: {} } });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

describe("deleted tools", () => {
  it("lists a deleted tool with its runs, opens its history and run, and leaves out tools still there", async () => {
    upstream.on("GET", "https://api.example.com/v1/items", () => json({ items: [] }));
    const session = await signIn();
    const gone = await createTool();
    const kept = await createTool();
    await runOnce(gone.id);
    await runOnce(gone.id);
    await runOnce(kept.id);
    const deleted = await postForm(`/ui/tools/${gone.id}/delete`, {}, session);
    expect(deleted.status).toBe(303);

    const list = await (await getPage("/ui", session)).text();
    expect(list).toContain('<a href="/ui/deleted-tools">see deleted tools and their runs</a>');

    const page = await getPage("/ui/deleted-tools", session);
    expect(page.status).toBe(200);
    const html = await page.text();
    const row = new RegExp(
      `<a href="/ui/tools/${gone.id}/history">${gone.name}</a><div class="muted">id ${gone.id}</div></td><td data-label="Runs kept">2</td>`,
    );
    expect(html).toMatch(row);
    expect(html).not.toContain(String(kept.name));

    const history = await (await getPage(`/ui/tools/${gone.id}/history`, session)).text();
    expect(history).toContain("This tool was deleted. Its runs are kept for audit and can still be opened");
    expect(history).toContain('<a href="/ui/deleted-tools">Deleted tools</a>');
    const runId = /<a href="\/ui\/executions\/([0-9a-f-]{36})">/.exec(history)?.[1];
    expect((await getPage(`/ui/executions/${runId}`, session)).status).toBe(200);
    // A tool still there: its history links back to it, with no deleted notice.
    const live = await (await getPage(`/ui/tools/${kept.id}/history`, session)).text();
    expect(live).not.toContain("This tool was deleted");
  });

  it("needs executions:read, as a tool's history does", async () => {
    const key = await createApiKey(["tools:read"]);
    const session = await signIn(key.key);
    expect((await getPage("/ui/deleted-tools", session)).status).toBe(403);
    expect(await (await getPage("/ui", session)).text()).not.toContain("/ui/deleted-tools");
  });
});
