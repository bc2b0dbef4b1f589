/**
 * The UI's other pages through the Worker: the tools list and its filter,
 * a tool's history and one execution, deleting, the headers every page
 * carries, error pages, and the accessibility of every form.
 */
import { describe, expect, it } from "vitest";
import { api, callWorker, createTool, json, uniqueName, useUpstream, waitForLog } from "./helpers";
import { answerWeather, createWeatherTool, newToolPage } from "./ui-fixtures";
import {
  codeBlocks,
  controlIds,
  duplicateIds,
  executionIdOf,
  factsOf,
  formFields,
  getPage,
  postForm,
  runFromPanel,
  signIn,
  statusMessages,
  submitForm,
  textOf,
  unlabelledControls,
  type UiSession,
} from "./ui-helpers";

const upstream = useUpstream();

async function page(path: string, session: UiSession | null): Promise<{ res: Response; html: string }> {
  const res = await getPage(path, session);
  return { res, html: await res.text() };
}

/** The names the tools list shows, in order. */
function listedNames(html: string): string[] {
  return [...html.matchAll(/<td data-label="Name"><a href="\/ui\/tools\/[^"]+">([^<]*)<\/a>/g)].map((m) => m[1] ?? "");
}

/** The execution ids a history page links to, in order. */
function historyIds(html: string): string[] {
  return [...html.matchAll(/<a href="\/ui\/executions\/([0-9a-f-]{36})"/g)].map((m) => m[1] ?? "");
}

function h1Of(html: string): string {
  return textOf(/<h1>([\s\S]*?)<\/h1>/.exec(html)?.[1] ?? "");
}

describe("the tools list", () => {
  it("filters by name, treating _ and % literally", async () => {
    const session = await signIn();
    const prefix = uniqueName("list");
    await createTool({ name: `${prefix}_one` });
    await createTool({ name: `${prefix}Xone` });

    expect(listedNames((await page(`/ui?q=${prefix}`, session)).html)).toEqual([`${prefix}_one`, `${prefix}Xone`]);
    expect(listedNames((await page(`/ui?q=${prefix}_one`, session)).html)).toEqual([`${prefix}_one`]);
    const percent = await page(`/ui?${new URLSearchParams({ q: `${prefix}%one` })}`, session);
    expect(percent.res.status).toBe(200);
    expect(listedNames(percent.html)).toEqual([]);
    expect(percent.html).toContain(`No tool has “${prefix}%one” in its name or description.`);
  });

  it("matches without regard to case, and takes a filter as long as the longest name", async () => {
    const session = await signIn();
    const long = `${uniqueName("list")}_${"x".repeat(50)}`;
    await createTool({ name: long });
    expect(long).toHaveLength(64);
    expect(listedNames((await page(`/ui?q=${long}`, session)).html)).toEqual([long]);
    expect(listedNames((await page(`/ui?q=${long.toUpperCase()}`, session)).html)).toEqual([long]);
    const markup = await page(
      `/ui?${new URLSearchParams({ q: '<script>alert("x")</script><img src=x onerror=alert(1)>' })}`,
      session,
    );
    expect(markup.res.status).toBe(200);
    expect(listedNames(markup.html)).toEqual([]);
  });
});

describe("history and executions", () => {
  it("lists a tool's runs, filters them by outcome, and opens one with its input and output", async () => {
    const session = await signIn();
    const tool = await createWeatherTool(session, `k-${crypto.randomUUID()}`);
    answerWeather(upstream);
    const ok = executionIdOf((await runFromPanel(session, tool.id, { "in.city": "Paris" })).html);
    const invalid = executionIdOf((await runFromPanel(session, tool.id, { "in.city": "" })).html);
    await waitForLog(ok);
    await waitForLog(invalid);

    const all = await page(`/ui/tools/${tool.id}/history`, session);
    expect(all.res.status).toBe(200);
    expect(h1Of(all.html)).toBe(`History of ${tool.name}`);
    expect(historyIds(all.html).sort()).toEqual([ok, invalid].sort());
    expect(historyIds((await page(`/ui/tools/${tool.id}/history?outcome=success`, session)).html)).toEqual([ok]);
    const failed = await page(`/ui/tools/${tool.id}/history?outcome=input_invalid`, session);
    expect(historyIds(failed.html)).toEqual([invalid]);
    expect(formFields(failed.html, `/ui/tools/${tool.id}/history`)).toEqual([["outcome", "input_invalid"]]);
    const none = await page(`/ui/tools/${tool.id}/history?outcome=timeout`, session);
    expect(historyIds(none.html)).toEqual([]);
    expect(none.html).toContain("No run of this tool ended in timeout.");

    const run = await page(`/ui/executions/${ok}`, session);
    expect(run.res.status).toBe(200);
    expect(h1Of(run.html)).toBe(`Run of ${tool.name}`);
    expect(factsOf(run.html)).toMatchObject({
      Outcome: "success",
      "Upstream status": "200",
      Request: "GET https://api.example.com/v1/weather/Paris?u=metric",
      "Execution id": ok,
    });
    // Input and output first; the run detail's request and response follow (test/run-detail.test.ts).
    expect(codeBlocks(run.html).slice(0, 2)).toEqual([
      JSON.stringify({ city: "Paris", units: "metric" }, null, 2),
      JSON.stringify({ city: "Paris", temp_c: 18.5 }, null, 2),
    ]);
  });

  it("answers an unknown execution with a 404 page", async () => {
    const session = await signIn();
    const { res, html } = await page(`/ui/executions/${crypto.randomUUID()}`, session);
    expect(res.status).toBe(404);
    expect(html).toContain("There is no such execution in the log.");
  });
});

describe("deleting a tool", () => {
  it("asks for a confirmation that names the tool, then deletes it and says so", async () => {
    const session = await signIn();
    const tool = await createTool();
    const confirm = await page(`/ui/tools/${tool.id}/delete`, session);
    expect(confirm.res.status).toBe(200);
    expect(h1Of(confirm.html)).toBe(`Delete the tool “${tool.name}”?`);
    expect(confirm.html).toContain(`<button class="danger" type="submit">Delete ${tool.name}</button>`);
    expect((await api(`/tools/${tool.id}`)).status).toBe(200);

    const { res } = await submitForm(confirm.html, `/ui/tools/${tool.id}/delete`, session, {}, null);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/ui?deleted=${tool.name}`);
    expect((await api(`/tools/${tool.id}`)).status).toBe(404);

    const list = await page(`/ui?deleted=${tool.name}`, session);
    expect(statusMessages(list.html)).toEqual([`Deleted the tool ${tool.name}.`]);
    expect((await page(`/ui/tools/${tool.id}`, session)).res.status).toBe(404);
  });
});

describe("escaping", () => {
  it("shows markup from a tool's description and from an upstream response as text", async () => {
    const session = await signIn();
    const markup = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const tool = await createTool({ description: markup, endpoint_url: "https://api.example.com/v1/html" });
    upstream.on("GET", "https://api.example.com/v1/html", () => json({ note: `</code></pre>${markup}` }));
    const { html } = await runFromPanel(session, tool.id);
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;script&gt;");
    expect(codeBlocks(html)).toEqual([JSON.stringify({ note: `</code></pre>${markup}` }, null, 2)]);
    const list = await page(`/ui?${new URLSearchParams({ q: markup, deleted: markup })}`, session);
    expect(list.html).not.toContain("<script>alert");
  });
});

describe("headers and error pages", () => {
  function directives(csp: string | null): Map<string, string> {
    return new Map(
      (csp ?? "").split(";").map((d) => {
        const [name = "", ...values] = d.trim().split(/\s+/);
        return [name, values.join(" ")];
      }),
    );
  }

  it("serves every UI page with a strict Content-Security-Policy and Cache-Control: no-store", async () => {
    const session = await signIn();
    const tool = await createTool();
    const responses = [
      await getPage("/ui/sign-in", null),
      await getPage("/ui", session),
      await getPage("/ui/tools/new", session),
      await getPage(`/ui/tools/${tool.id}`, session),
      await getPage(`/ui/tools/${tool.id}/edit`, session),
      await getPage("/ui/no/such/page", session),
      await postForm(`/ui/tools/${tool.id}/delete`, { _csrf: "forged" }, session),
    ];
    for (const res of responses) {
      const csp = directives(res.headers.get("content-security-policy"));
      expect(csp.get("script-src"), res.url).toBe("'self'");
      expect(csp.get("frame-ancestors"), res.url).toBe("'none'");
      expect(csp.get("default-src"), res.url).toBe("'self'");
      expect(res.headers.get("cache-control"), res.url).toBe("no-store");
      expect(res.headers.get("x-content-type-options"), res.url).toBe("nosniff");
      await res.arrayBuffer();
    }
  });

  it("answers unknown UI paths with an HTML 404 page, not problem+json", async () => {
    const session = await signIn();
    for (const path of [
      "/ui/no/such/page",
      `/ui/tools/${crypto.randomUUID()}`,
      `/ui/tools/${crypto.randomUUID()}/edit`,
    ]) {
      const { res, html } = await page(path, session);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toBe("text/html; charset=UTF-8");
      expect(h1Of(html), path).toBe("Not found");
      expect(html, path).toContain('<a href="/ui">Back to the tools</a>');
    }
  });

  it("shows an unexpected failure as a plain 500 page, without its message or stack", async () => {
    const failure = new Error("D1_ERROR: internal detail at /srv/src/ui/session.ts:42 SECRET_MARKER");
    const brokenDb = {
      prepare() {
        throw failure;
      },
    };
    const res = await callWorker({ DB: brokenDb }, "/ui", {
      token: null,
      headers: { cookie: `__Host-toolgate_session=${"a".repeat(43)}` },
    });
    const html = await res.text();
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("text/html; charset=UTF-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(h1Of(html)).toBe("Something went wrong");
    expect(html).toContain("Something went wrong on our side. Please try again.");
    for (const leak of ["SECRET_MARKER", "D1_ERROR", "session.ts", "    at ", failure.stack?.split("\n")[1]?.trim()])
      expect(html).not.toContain(leak);
  });
});

describe("accessibility", () => {
  it("labels every control, uses one h1 and sets the language, on every kind of page", async () => {
    const session = await signIn();
    const typed = await createTool({
      endpoint_url: "https://api.example.com/v1/search",
      input_schema: {
        type: "object",
        properties: {
          q: { type: "string", description: "What to look for" },
          limit: { type: "integer", default: 10 },
          ratio: { type: "number" },
          exact: { type: "boolean" },
          sort: { type: "string", enum: ["asc", "desc"] },
          tags: { type: "array", items: { type: "string" } },
        },
        required: ["q", "sort"],
        additionalProperties: false,
      },
    });
    upstream.on("GET", "https://api.example.com/v1/search", () => json({ hits: [] }));
    const refused = await runFromPanel(session, typed.id, { "in.limit": "1.5" });
    expect(refused.res.status).toBe(422);
    const runId = executionIdOf((await runFromPanel(session, typed.id, { "in.q": "x" })).html);
    await waitForLog(runId);

    const pages: [string, string][] = [
      ["sign-in", (await page("/ui/sign-in", null)).html],
      ["new tool with a parameter row and a header row", await newToolPage(session, ["add_param", "add_header"])],
      ["edit", (await page(`/ui/tools/${typed.id}/edit`, session)).html],
      ["test panel", (await page(`/ui/tools/${typed.id}`, session)).html],
      ["test panel after a refused run", refused.html],
      ["list", (await page(`/ui?q=${typed.name}`, session)).html],
      ["history", (await page(`/ui/tools/${typed.id}/history`, session)).html],
      ["execution", (await page(`/ui/executions/${runId}`, session)).html],
      ["delete", (await page(`/ui/tools/${typed.id}/delete`, session)).html],
      ["deleted tools", (await page("/ui/deleted-tools", session)).html],
    ];
    for (const [what, html] of pages) {
      expect(unlabelledControls(html), what).toEqual([]);
      expect(duplicateIds(html), what).toEqual([]);
      expect(html.match(/<h1[\s>]/g), what).toHaveLength(1);
      // A doctype first (no quirks mode), then the language.
      expect(html, what).toMatch(/^<!DOCTYPE html><html lang="en">/);
    }
    expect(controlIds(pages[0]?.[1] ?? "")).toEqual(["token"]);
    expect(controlIds(pages[1]?.[1] ?? "")).toEqual(expect.arrayContaining(["param-0-name", "header-0-name", "name"]));
    expect(controlIds(pages[3]?.[1] ?? "")).toEqual([
      "input-q",
      "input-limit",
      "input-ratio",
      "input-exact",
      "input-sort",
      // The list's row, then the row its template adds (src/ui/pages/list-input.tsx).
      "input-tags-0",
      "input-tags--1",
    ]);
  });
});
