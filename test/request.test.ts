/** Unit tests of the pure request builder in src/engine/request.ts. */
import { describe, expect, it } from "vitest";
import {
  appendQuery,
  buildUpstreamRequest,
  encodeMultipart,
  encodePathSegment,
  locate,
  placeholdersOf,
  type BuildResult,
  type HttpMethod,
  type RequestTemplate,
  type UpstreamRequest,
} from "../src/engine/request";

function template(overrides: Partial<RequestTemplate> = {}): RequestTemplate {
  return {
    method: "GET",
    endpointUrl: "https://api.example.com/v1/items",
    headers: {},
    bodyFormat: "json",
    inputMapping: null,
    ...overrides,
  };
}

/** Builds and expects success; returns the request. */
function build(overrides: Partial<RequestTemplate>, input: Record<string, unknown>): UpstreamRequest {
  const result = buildUpstreamRequest(template(overrides), input);
  if (!result.ok) throw new Error(`expected a request, got errors ${JSON.stringify(result.errors)}`);
  return result.request;
}

/** Builds and expects failure; returns the errors. */
function buildErrors(overrides: Partial<RequestTemplate>, input: Record<string, unknown>) {
  const result: BuildResult = buildUpstreamRequest(template(overrides), input);
  if (result.ok) throw new Error(`expected errors, got a request to ${result.request.url.href}`);
  return result.errors;
}

function headerEntries(headers: Headers): [string, string][] {
  return [...headers.entries()].sort(([a], [b]) => a.localeCompare(b));
}

describe("encodePathSegment", () => {
  it.each([
    ["a b", "a%20b"],
    ["a/b", "a%2Fb"],
    ["?", "%3F"],
    ["#", "%23"],
    ["[", "%5B"],
    ["]", "%5D"],
    ["@", "%40"],
    ["!", "%21"],
    ["$", "%24"],
    ["&", "%26"],
    ["'", "%27"],
    ["(", "%28"],
    [")", "%29"],
    ["*", "%2A"],
    ["+", "%2B"],
    [",", "%2C"],
    [";", "%3B"],
    ["=", "%3D"],
    [":", "%3A"],
    ["%", "%25"],
    ["é", "%C3%A9"],
    ["日本", "%E6%97%A5%E6%9C%AC"],
    ["😀", "%F0%9F%98%80"],
    ["-._~", "-._~"],
    ["AZaz09", "AZaz09"],
    ["a b/c?d", "a%20b%2Fc%3Fd"],
  ])("encodes %j as %j", (value, encoded) => {
    expect(encodePathSegment(value)).toBe(encoded);
  });

  it("leaves no reserved character unencoded", () => {
    const reserved = ":/?#[]@!$&'()*+,;=";
    const encoded = encodePathSegment(reserved);
    expect(encoded).toBe("%3A%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D");
    expect(encoded).toMatch(/^(?:%[0-9A-F]{2})+$/);
  });
});

describe("placeholdersOf", () => {
  it.each([
    ["https://api.example.com/v1/items", []],
    ["https://api.example.com/v1/items/{id}", ["id"]],
    ["https://api.example.com/{org}/repos/{repo_name}/issues", ["org", "repo_name"]],
    ["https://api.example.com/{a}/{b}/{a}", ["a", "b"]],
    ["https://api.example.com/items?id={item.id}&v={v-2}&x={x~y}", ["item.id", "v-2", "x~y"]],
    ["https://api.example.com/{not valid}/{}", []],
  ])("%s → %j", (url, names) => {
    expect(placeholdersOf(url)).toEqual(names);
  });
});

describe("locate", () => {
  it.each<[HttpMethod, string, "path" | "query" | "body"]>([
    ["GET", "id", "path"],
    ["GET", "q", "query"],
    ["DELETE", "id", "path"],
    ["DELETE", "q", "query"],
    ["POST", "id", "path"],
    ["POST", "q", "body"],
    ["PUT", "q", "body"],
    ["PATCH", "q", "body"],
  ])("%s: property %s defaults to %s", (method, property, location) => {
    const where = locate({ method, endpointUrl: "https://api.example.com/items/{id}", inputMapping: null }, property);
    expect(where).toEqual({ in: location, name: property });
  });

  it("follows input_mapping, with the wire name defaulting to the property name", () => {
    const t = {
      method: "POST" as const,
      endpointUrl: "https://api.example.com/items/{item_id}",
      inputMapping: {
        trace: { in: "header" as const, name: "X-Trace-Id" },
        page: { in: "query" as const },
        id: { in: "path" as const, name: "item_id" },
      },
    };
    expect(locate(t, "trace")).toEqual({ in: "header", name: "X-Trace-Id" });
    expect(locate(t, "page")).toEqual({ in: "query", name: "page" });
    expect(locate(t, "id")).toEqual({ in: "path", name: "item_id" });
    expect(locate(t, "other")).toEqual({ in: "body", name: "other" });
  });

  it("lets input_mapping move a placeholder-named property away from the path", () => {
    const where = locate(
      {
        method: "GET",
        endpointUrl: "https://api.example.com/items/{id}",
        inputMapping: { id: { in: "query", name: "item" } },
      },
      "id",
    );
    expect(where).toEqual({ in: "query", name: "item" });
  });
});

describe("buildUpstreamRequest: path", () => {
  it.each<[unknown, string]>([
    ["a b/c?d", "https://api.example.com/v1/items/a%20b%2Fc%3Fd"],
    ["x#y", "https://api.example.com/v1/items/x%23y"],
    ["[a]@b", "https://api.example.com/v1/items/%5Ba%5D%40b"],
    ["!$&'()*+,;=", "https://api.example.com/v1/items/%21%24%26%27%28%29%2A%2B%2C%3B%3D"],
    ["café 日本", "https://api.example.com/v1/items/caf%C3%A9%20%E6%97%A5%E6%9C%AC"],
    ["a-b.c_d~e", "https://api.example.com/v1/items/a-b.c_d~e"],
    ["100%", "https://api.example.com/v1/items/100%25"],
    [42, "https://api.example.com/v1/items/42"],
    [-1.5, "https://api.example.com/v1/items/-1.5"],
    [true, "https://api.example.com/v1/items/true"],
    [false, "https://api.example.com/v1/items/false"],
  ])("fills {id} with %j", (value, href) => {
    const request = build({ endpointUrl: "https://api.example.com/v1/items/{id}" }, { id: value });
    expect(request.url.href).toBe(href);
    expect(request.url.search).toBe("");
  });

  it("fills several placeholders, including a repeated one", () => {
    const request = build(
      { endpointUrl: "https://api.example.com/{org}/repos/{repo}/compare/{org}" },
      { org: "acme co", repo: "tool/gate" },
    );
    expect(request.url.href).toBe("https://api.example.com/acme%20co/repos/tool%2Fgate/compare/acme%20co");
  });

  it("fills a placeholder mapped from a differently named property", () => {
    const request = build(
      {
        endpointUrl: "https://api.example.com/items/{item_id}",
        inputMapping: { id: { in: "path", name: "item_id" } },
      },
      { id: "7/8" },
    );
    expect(request.url.href).toBe("https://api.example.com/items/7%2F8");
  });

  it.each<[string, unknown]>([
    ["an object", { a: 1 }],
    ["an array", ["a", "b"]],
  ])("rejects %s as a path value at /input/<name>", (_, value) => {
    const errors = buildErrors({ endpointUrl: "https://api.example.com/items/{id}" }, { id: value });
    expect(errors).toEqual([{ path: "/input/id", message: "A path parameter must be a string, number or boolean." }]);
  });

  it("reports a missing path parameter as required at /input/<name>", () => {
    const errors = buildErrors({ endpointUrl: "https://api.example.com/orgs/{org}/items/{id}" }, { org: "acme" });
    expect(errors).toEqual([
      { path: "/input/id", keyword: "required", message: 'The path parameter "id" has no value.' },
    ]);
  });

  it("treats an undefined value as missing", () => {
    const errors = buildErrors({ endpointUrl: "https://api.example.com/items/{id}" }, { id: undefined });
    expect(errors).toEqual([expect.objectContaining({ path: "/input/id", keyword: "required" })]);
  });

  it("reports every problem at once", () => {
    const errors = buildErrors(
      {
        endpointUrl: "https://api.example.com/{a}/{b}",
        inputMapping: { trace: { in: "header", name: "X-Trace" } },
      },
      { a: { nested: true }, trace: "x\ny" },
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: "/input/a", message: "A path parameter must be a string, number or boolean." },
        { path: "/input/b", keyword: "required", message: 'The path parameter "b" has no value.' },
        {
          path: "/input/trace",
          message: "A header value must be printable ASCII or Latin-1 text, without CR, LF or NUL.",
        },
      ]),
    );
  });

  it.each([".", ".."])("does not let the path value %j climb out of the template path", (value) => {
    // `/v1/items/{id}/comments` with id ".." must not become a request to /v1/comments.
    const result = buildUpstreamRequest(template({ endpointUrl: "https://api.example.com/v1/items/{id}/comments" }), {
      id: value,
    });
    expect(result).toEqual({ ok: false, errors: [expect.objectContaining({ path: "/input/id" })] });
  });
});

describe("buildUpstreamRequest: query", () => {
  it("appends query parameters after those already in the URL", () => {
    const request = build({ endpointUrl: "https://api.example.com/v1/items?v=1" }, { q: "hello world", page: 2 });
    expect(request.url.href).toBe("https://api.example.com/v1/items?v=1&q=hello+world&page=2");
    expect([...request.url.searchParams]).toEqual([
      ["v", "1"],
      ["q", "hello world"],
      ["page", "2"],
    ]);
  });

  it("repeats the key for each array item", () => {
    const request = build({ endpointUrl: "https://api.example.com/v1/items?v=1" }, { tag: ["a", "b", "c d"] });
    expect(request.url.search).toBe("?v=1&tag=a&tag=b&tag=c+d");
  });

  it("sends no parameter for an empty array", () => {
    const request = build({}, { tag: [] });
    expect(request.url.href).toBe("https://api.example.com/v1/items");
  });

  it("JSON-encodes objects, and arrays inside arrays", () => {
    const request = build({}, { filter: { status: "open", n: 1 }, pairs: [[1, 2]] });
    expect(request.url.searchParams.getAll("filter")).toEqual(['{"status":"open","n":1}']);
    expect(request.url.searchParams.getAll("pairs")).toEqual(["[1,2]"]);
  });

  it.each<[unknown, string]>([
    [0, "0"],
    [3.25, "3.25"],
    [true, "true"],
    [false, "false"],
    ["", ""],
    ["a&b=c", "a&b=c"],
  ])("stringifies %j as %j", (value, text) => {
    const request = build({}, { x: value });
    expect(request.url.searchParams.getAll("x")).toEqual([text]);
  });

  it("percent-encodes reserved characters in query values", () => {
    const request = build({}, { q: "a&b=c#d" });
    expect(request.url.search).toBe("?q=a%26b%3Dc%23d");
  });

  it("uses the mapped wire name", () => {
    const request = build({ inputMapping: { pageNumber: { in: "query", name: "page[number]" } } }, { pageNumber: 3 });
    expect([...request.url.searchParams]).toEqual([["page[number]", "3"]]);
  });

  it("skips undefined values", () => {
    const request = build({}, { q: undefined, page: 1 });
    expect(request.url.search).toBe("?page=1");
  });

  it.each<HttpMethod>(["GET", "DELETE"])(
    "puts unmapped properties of a %s tool in the query, with no body",
    (method) => {
      const request = build({ method }, { q: "x", n: 1 });
      expect(request.method).toBe(method);
      expect(request.url.search).toBe("?q=x&n=1");
      expect(request.body).toBeUndefined();
      expect(request.headers.get("content-type")).toBeNull();
    },
  );
});

describe("buildUpstreamRequest: headers", () => {
  it("maps a property to a named header, next to the static headers", () => {
    const request = build(
      {
        headers: { "X-Client": "toolgate", "X-Static": "1" },
        inputMapping: { trace: { in: "header", name: "X-Trace-Id" } },
      },
      { trace: "abc-123", q: "x" },
    );
    expect(headerEntries(request.headers)).toEqual([
      ["accept", "application/json"],
      ["x-client", "toolgate"],
      ["x-static", "1"],
      ["x-trace-id", "abc-123"],
    ]);
    expect(request.url.search).toBe("?q=x");
  });

  it("uses the property name when the mapping has no name", () => {
    const request = build({ inputMapping: { "X-Request-Id": { in: "header" } } }, { "X-Request-Id": "r1" });
    expect(request.headers.get("x-request-id")).toBe("r1");
  });

  it("stringifies numbers and booleans in headers", () => {
    const request = build(
      { inputMapping: { n: { in: "header", name: "X-N" }, b: { in: "header", name: "X-B" } } },
      { n: 5, b: false },
    );
    expect(request.headers.get("x-n")).toBe("5");
    expect(request.headers.get("x-b")).toBe("false");
  });

  it("lets a mapped header replace a static header of the same name", () => {
    const request = build(
      { headers: { "X-Trace-Id": "static" }, inputMapping: { trace: { in: "header", name: "x-trace-id" } } },
      { trace: "dynamic" },
    );
    expect(request.headers.get("x-trace-id")).toBe("dynamic");
  });

  it.each([
    ["CR", "a\rb"],
    ["LF", "a\nb"],
    ["CRLF", "a\r\nX-Injected: 1"],
    ["NUL", "a\0b"],
  ])("rejects %s in a header value at /input/<name>", (_, value) => {
    const errors = buildErrors({ inputMapping: { trace: { in: "header", name: "X-Trace-Id" } } }, { trace: value });
    expect(errors).toEqual([
      {
        path: "/input/trace",
        message: "A header value must be printable ASCII or Latin-1 text, without CR, LF or NUL.",
      },
    ]);
  });

  it("adds Accept: application/json by default", () => {
    expect(build({}, {}).headers.get("accept")).toBe("application/json");
  });

  it.each(["Accept", "accept", "ACCEPT"])("keeps a static %s header", (name) => {
    const request = build({ headers: { [name]: "text/csv" } }, {});
    expect(request.headers.get("accept")).toBe("text/csv");
    expect([...request.headers.keys()].filter((k) => k === "accept")).toHaveLength(1);
  });
});

describe("buildUpstreamRequest: body", () => {
  it.each<HttpMethod>(["POST", "PUT", "PATCH"])("sends unmapped properties of a %s tool as a JSON body", (method) => {
    const request = build(
      { method },
      { name: "Ada", age: 36, tags: ["a", "b"], address: { city: "London" }, active: true, note: null },
    );
    expect(request.method).toBe(method);
    expect(request.url.href).toBe("https://api.example.com/v1/items");
    expect(request.body).toBe(
      '{"name":"Ada","age":36,"tags":["a","b"],"address":{"city":"London"},"active":true,"note":null}',
    );
    expect(headerEntries(request.headers)).toEqual([
      ["accept", "application/json"],
      ["content-type", "application/json"],
    ]);
  });

  it("splits a POST input between path, query, header and body", () => {
    const request = build(
      {
        method: "POST",
        endpointUrl: "https://api.example.com/orgs/{org}/items?v=2",
        inputMapping: {
          dryRun: { in: "query", name: "dry_run" },
          trace: { in: "header", name: "X-Trace-Id" },
          title: { in: "body", name: "item_title" },
        },
      },
      { org: "a b", dryRun: true, trace: "t-1", title: "Hello", count: 2 },
    );
    expect(request.url.href).toBe("https://api.example.com/orgs/a%20b/items?v=2&dry_run=true");
    expect(request.headers.get("x-trace-id")).toBe("t-1");
    expect(JSON.parse(request.body!)).toEqual({ item_title: "Hello", count: 2 });
  });

  it.each(["Content-Type", "content-type"])(
    "keeps the content-type of the static headers (%s) for a JSON body",
    (name) => {
      const request = build({ method: "POST", headers: { [name]: "application/vnd.api+json" } }, { a: 1 });
      expect(request.headers.get("content-type")).toBe("application/vnd.api+json");
      expect(request.body).toBe('{"a":1}');
    },
  );

  it("encodes a form body with arrays repeated", () => {
    const request = build(
      { method: "POST", bodyFormat: "form" },
      { name: "Ada Lovelace", tags: ["x", "y&z"], n: 1, ok: true, meta: { a: 1 } },
    );
    expect(request.body).toBe("name=Ada+Lovelace&tags=x&tags=y%26z&n=1&ok=true&meta=%7B%22a%22%3A1%7D");
    expect(request.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(request.headers.get("accept")).toBe("application/json");
  });

  it("keeps a static content-type for a form body", () => {
    const request = build(
      {
        method: "POST",
        bodyFormat: "form",
        headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" },
      },
      { a: "b" },
    );
    expect(request.headers.get("content-type")).toBe("application/x-www-form-urlencoded; charset=utf-8");
    expect(request.body).toBe("a=b");
  });

  it("encodes a multipart body of text fields, as curl -F lays one out", () => {
    const request = build(
      { method: "POST", bodyFormat: "multipart" },
      { from: "Ada <ada@example.com>", to: ["a@example.com", "b@example.com"], n: 2, ok: true, 'na"me': "é\r\n" },
    );
    const type = request.headers.get("content-type") ?? "";
    const boundary = /^multipart\/form-data; boundary=(toolgate-[0-9a-f]{32})$/.exec(type)?.[1];
    expect(boundary, type).toBeDefined();
    const part = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    expect(request.body).toBe(
      part("from", "Ada <ada@example.com>") +
        part("to", "a@example.com") +
        part("to", "b@example.com") +
        part("n", "2") +
        part("ok", "true") +
        part("na%22me", "é\r\n") +
        `--${boundary}--\r\n`,
    );
  });

  it("never uses a boundary that a multipart value contains", () => {
    const candidates = ["taken", "free"];
    const { boundary, body } = encodeMultipart({ note: "a line with taken in it" }, () => candidates.shift() as string);
    expect(boundary).toBe("free");
    expect(body).toBe(
      '--free\r\nContent-Disposition: form-data; name="note"\r\n\r\na line with taken in it\r\n--free--\r\n',
    );
  });

  it("gives each multipart body its own boundary, and replaces a static content-type", async () => {
    const overrides: Partial<RequestTemplate> = {
      method: "POST",
      bodyFormat: "multipart",
      headers: { "Content-Type": "multipart/form-data" },
    };
    const first = build(overrides, { a: "x" });
    const second = build(overrides, { a: "x" });
    expect(first.headers.get("content-type")).not.toBe(second.headers.get("content-type"));
    // What a server reads back: the boundary in the header is the one in the body.
    const form = await new Response(first.body, { headers: first.headers }).formData();
    expect([...form]).toEqual([["a", "x"]]);
  });

  it.each<[string, Partial<RequestTemplate>, Record<string, unknown>]>([
    ["an empty input", { method: "POST" }, {}],
    ["only undefined values", { method: "PUT" }, { a: undefined }],
    [
      "only path, query and header properties",
      {
        method: "PATCH",
        endpointUrl: "https://api.example.com/items/{id}",
        inputMapping: { q: { in: "query" }, h: { in: "header", name: "X-H" } },
      },
      { id: 1, q: "x", h: "y" },
    ],
    ["a form tool with no input", { method: "POST", bodyFormat: "form" }, {}],
    ["a multipart tool with no input", { method: "POST", bodyFormat: "multipart" }, {}],
  ])("sends no body and no content-type for %s", (_, overrides, input) => {
    const request = build(overrides, input);
    expect(request.body).toBeUndefined();
    expect(request.headers.get("content-type")).toBeNull();
  });

  it("sends an empty JSON object when a body property exists but is empty", () => {
    const request = build({ method: "POST" }, { payload: {} });
    expect(request.body).toBe('{"payload":{}}');
  });

  it("does not mutate the template's headers", () => {
    const t = template({
      method: "POST",
      headers: { "X-Static": "1" },
      inputMapping: { trace: { in: "header", name: "X-Trace" } },
    });
    const result = buildUpstreamRequest(t, { trace: "t", a: 1 });
    expect(result.ok).toBe(true);
    expect(t.headers).toEqual({ "X-Static": "1" });
  });
});

describe("buildUpstreamRequest: values that would change the target", () => {
  it("refuses an empty path value, which would address the collection instead of the item", () => {
    expect(buildErrors({ endpointUrl: "https://api.example.com/v1/items/{id}" }, { id: "" })).toEqual([
      { path: "/input/id", message: "A path parameter cannot be empty." },
    ]);
  });

  it("refuses values that adjacent placeholders would join into a dot segment", () => {
    expect(buildErrors({ endpointUrl: "https://api.example.com/v1/items/{a}{b}/x" }, { a: ".", b: "." })).toEqual([
      { path: "/input/a", message: 'A path parameter cannot be ".".' },
      { path: "/input/b", message: 'A path parameter cannot be ".".' },
    ]);
    expect(buildErrors({ endpointUrl: "https://api.example.com/v1/items/{a}{b}/x" }, { a: "..", b: "x" })).toEqual([
      { path: "/input/a", message: 'A path parameter cannot be "..".' },
    ]);
  });

  it("refuses a path value that is not valid Unicode (a lone surrogate)", () => {
    expect(buildErrors({ endpointUrl: "https://api.example.com/v1/items/{id}" }, { id: "a\ud800b" })).toEqual([
      { path: "/input/id", message: "A path parameter must be valid Unicode text." },
    ]);
  });

  it("refuses a header value outside Latin-1, which HTTP cannot carry", () => {
    expect(buildErrors({ inputMapping: { trace: { in: "header", name: "X-Trace" } } }, { trace: "日本" })).toEqual([
      {
        path: "/input/trace",
        message: "A header value must be printable ASCII or Latin-1 text, without CR, LF or NUL.",
      },
    ]);
  });
});

describe("appendQuery", () => {
  it("leaves the URL's own query byte for byte", () => {
    const url = new URL("https://api.example.com/x?filter=a%20b&path=/x:y&t=~z&flag");
    appendQuery(url, [["k", "v w"]]);
    expect(url.search).toBe("?filter=a%20b&path=/x:y&t=~z&flag&k=v+w");
  });

  it("with replace, drops existing parameters of the same name (however they are encoded)", () => {
    const url = new URL("https://api.example.com/x?api%5Fkey=old&keep=1&api_key=older");
    appendQuery(url, [["api_key", "new"]], { replace: true });
    expect(url.search).toBe("?keep=1&api_key=new");
  });
});

describe("buildUpstreamRequest: what OpenAPI imports map to", () => {
  it.each<[string, Record<string, unknown>, unknown, string]>([
    ["form, explode false (a list)", { style: "form", explode: false }, ["a", "b c"], "?ids=a,b+c"],
    ["form, explode false (an object)", { style: "form", explode: false }, { r: 1, g: 2 }, "?ids=r,1,g,2"],
    ["form, explode true (an object)", { style: "form", explode: true }, { r: 1, g: 2 }, "?r=1&g=2"],
    ["spaceDelimited", { style: "spaceDelimited", explode: false }, ["a", "b"], "?ids=a%20b"],
    ["pipeDelimited", { style: "pipeDelimited", explode: false }, ["a", "b|c"], "?ids=a|b%7Cc"],
    [
      "deepObject",
      { style: "deepObject", explode: true },
      { status: "open", tags: ["x", "y"], range: { gt: 1 } },
      "?ids%5Bstatus%5D=open&ids%5Btags%5D%5B0%5D=x&ids%5Btags%5D%5B1%5D=y&ids%5Brange%5D%5Bgt%5D=1",
    ],
  ])("query style %s", (_label, styling, value, search) => {
    const request = build({ inputMapping: { ids: { in: "query", ...styling } } }, { ids: value });
    expect(request.url.search).toBe(search);
  });

  it("keeps the query an endpoint URL fixes as written, and adds inputs after it", () => {
    const request = build(
      { endpointUrl: "https://sqs.example.com/?Action=ListQueues&Version=2012-11-05" },
      { QueueNamePrefix: "a b" },
    );
    expect(request.url.href).toBe("https://sqs.example.com/?Action=ListQueues&Version=2012-11-05&QueueNamePrefix=a+b");
  });

  it("sends cookie inputs in one Cookie header, values percent-encoded", () => {
    const request = build(
      { inputMapping: { lang: { in: "cookie" }, theme: { in: "cookie", name: "ui-theme" } } },
      { lang: "en; x=1", theme: "dark" },
    );
    expect(request.headers.get("cookie")).toBe("lang=en%3B%20x%3D1; ui-theme=dark");
  });

  it.each<[unknown, string]>([
    [["a", 1], '["a",1]'],
    ["plain", '"plain"'],
    [{ k: 1 }, '{"k":1}'],
  ])("a whole_body input %j is the JSON body", (value, body) => {
    const request = build({ method: "POST", inputMapping: { body: { in: "whole_body" } } }, { body: value });
    expect(request.body).toBe(body);
    expect(request.headers.get("content-type")).toBe("application/json");
  });

  it("a text body is the whole_body string as it is, text/plain unless a static header says otherwise", () => {
    const text = build(
      { method: "POST", bodyFormat: "text", inputMapping: { body: { in: "whole_body" } } },
      { body: "line 1\n{not json}" },
    );
    expect(text.body).toBe("line 1\n{not json}");
    expect(text.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const xml = build(
      {
        method: "POST",
        bodyFormat: "text",
        headers: { "Content-Type": "application/xml" },
        inputMapping: { body: { in: "whole_body" } },
      },
      { body: "<a/>" },
    );
    expect(xml.headers.get("content-type")).toBe("application/xml");
    expect(
      buildErrors(
        { method: "POST", bodyFormat: "text", inputMapping: { body: { in: "whole_body" } } },
        { body: { not: "text" } },
      ),
    ).toEqual([{ path: "/input/body", message: "A text body must be a string." }]);
  });
});
