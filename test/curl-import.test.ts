/**
 * Unit tests of turning a cURL command into a tool draft, src/imports/curl.ts:
 * commands as Chrome and Firefox copy them (bash and cmd), then one feature
 * at a time. Each asserts the exact draft and warnings.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ToolInput } from "../src/api/schemas";
import { STRICT_OUTBOUND } from "../src/engine/outbound/policy";
import { curlToToolDraft, type ToolDraft } from "../src/imports/curl";
import { looksLikeCredential, MORE_API_KEY_HEADERS } from "../src/imports/curl-credentials";
import type { DraftNeed } from "../src/imports/curl-placeholders";
import { isCredentialHeaderName } from "../src/registry/credential-headers";
import { normalizeDefinition } from "../src/registry/definition";
import { DRAFT_07 } from "../src/registry/infer-schema";
import {
  CHROME_CMD_GET,
  CHROME_CMD_GET_KEY,
  CHROME_CMD_POST,
  CHROME_CMD_POST_KEY,
  CHROME_GET,
  CHROME_GET_TOKEN,
  CHROME_POST,
  FIREFOX_FORM,
  FIREFOX_FORM_TOKEN,
  FIREFOX_PATCH,
  FIREFOX_PATCH_TOKEN,
} from "./curl-fixtures";

type DraftSpec = Omit<Partial<ToolDraft>, "input_schema" | "input_mapping"> &
  Pick<ToolDraft, "name" | "method" | "endpoint_url"> & {
    properties?: ToolDraft["input_schema"]["properties"];
    required?: string[];
    mapping?: ToolDraft["input_mapping"];
  };

/** The exact draft: what every draft has, and what this one adds. */
function draft({ properties = {}, required, mapping = {}, ...fields }: DraftSpec): ToolDraft {
  return {
    description: `Imported from a cURL command: ${fields.method} ${fields.endpoint_url}`,
    execution_type: "http_request",
    headers: {},
    auth_config: { type: "none" },
    input_schema: { $schema: DRAFT_07, type: "object", properties, ...(required ? { required } : {}) },
    input_mapping: mapping,
    ...fields,
  };
}

function imported(command: string): { draft: ToolDraft; warnings: string[]; needs: DraftNeed[] } {
  const result = curlToToolDraft(command);
  if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
  return { draft: result.draft, warnings: result.warnings, needs: result.needs };
}

/** Everything in the result but auth_config, as text: where a secret must never be. */
function outsideAuth(result: { draft: ToolDraft; warnings: string[] }): string {
  const { auth_config: _auth, ...rest } = result.draft;
  return JSON.stringify([rest, result.warnings]);
}

const str = (value: string) => ({ type: "string", default: value });
const COOKIES =
  "Left out the cookies (-b or a Cookie header): they are a browser session's credentials, and a credential may only go in auth_config. If the API needs a session cookie, use an API key or token instead.";
const browser = (names: string) => `Left out headers that describe the browser rather than the API call: ${names}.`;
const runtime = (names: string) => `Left out headers the runtime sets itself: ${names}.`;

describe("commands copied from browsers", () => {
  it("Chrome (bash), GET: bearer token, cookies as -b, client hints, a query of inputs", () => {
    const result = imported(CHROME_GET);
    expect(result.draft).toEqual(
      draft({
        name: "get_api_acme-crm_example_v3_contacts",
        method: "GET",
        endpoint_url: "https://api.acme-crm.example/v3/contacts",
        headers: {
          accept: "application/json, text/plain, */*",
          "accept-language": "en-US,en;q=0.9,fr;q=0.8",
          "x-request-id": "3f6c1a9e-2b7d-4c1e-9f0a-5d4e3c2b1a09",
        },
        auth_config: { type: "bearer_token", token: CHROME_GET_TOKEN },
        properties: { page: str("2"), per_page: str("25"), sort: str("-created_at"), filter_status: str("active") },
        mapping: {
          page: { in: "query" },
          per_page: { in: "query" },
          sort: { in: "query" },
          filter_status: { in: "query", name: "filter[status]" },
        },
      }),
    );
    expect(Object.keys(result.draft.input_schema.properties)).toEqual(["page", "per_page", "sort", "filter_status"]);
    expect(result.warnings).toEqual([
      browser(
        "if-none-match, origin, priority, referer, sec-ch-ua, sec-ch-ua-mobile, sec-ch-ua-platform, sec-fetch-dest, sec-fetch-mode, sec-fetch-site, user-agent",
      ),
      COOKIES,
    ]);
  });

  it("Chrome (bash), POST: a JSON body in $'…', typed inputs, a numeric path segment", () => {
    const result = imported(CHROME_POST);
    expect(result.draft).toEqual(
      draft({
        name: "post_api_acme-crm_example_v3_contacts_notes",
        method: "POST",
        endpoint_url: "https://api.acme-crm.example/v3/contacts/{contacts_id}/notes",
        headers: {
          accept: "application/json",
          "accept-language": "en-US,en;q=0.9",
          "content-type": "application/json",
        },
        auth_config: { type: "bearer_token", token: CHROME_GET_TOKEN },
        properties: {
          contacts_id: str("81723"),
          title: str("Call with Ada"),
          body: str('She said: "let\'s ship it!"\nNext: Monday'),
          pinned: { type: "boolean", default: true },
          priority: { type: "integer", default: 2 },
          tags: { type: "array", default: ["sales", "q3"] },
          due: { default: null },
        },
        mapping: {
          contacts_id: { in: "path" },
          title: { in: "body" },
          body: { in: "body" },
          pinned: { in: "body" },
          priority: { in: "body" },
          tags: { in: "body" },
          due: { in: "body" },
        },
        body_format: "json",
      }),
    );
    expect(result.warnings).toEqual([
      browser(
        "origin, priority, referer, sec-ch-ua, sec-ch-ua-mobile, sec-ch-ua-platform, sec-fetch-dest, sec-fetch-mode, sec-fetch-site, user-agent",
      ),
      COOKIES,
    ]);
  });

  it("Firefox (bash), POST: -X POST, capitalised headers, a Cookie header, a form body with a repeated field", () => {
    const result = imported(FIREFOX_FORM);
    expect(result.draft).toEqual(
      draft({
        name: "post_api_example-shop_com_newsletter_subscribe",
        method: "POST",
        endpoint_url: "https://api.example-shop.com/newsletter/subscribe",
        headers: {
          Accept: "application/json, text/javascript, */*; q=0.01",
          "Accept-Language": "en-US,en;q=0.5",
          "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
          "X-Requested-With": "XMLHttpRequest",
        },
        auth_config: { type: "bearer_token", token: FIREFOX_FORM_TOKEN },
        properties: {
          email: str("ada@example.com"),
          name: str("Ada Lovelace"),
          lists: { type: "array", default: ["weekly", "offers"] },
          consent: str("1"),
        },
        mapping: {
          email: { in: "body" },
          name: { in: "body" },
          lists: { in: "body", name: "lists[]" },
          consent: { in: "body" },
        },
        body_format: "form",
      }),
    );
    expect(result.warnings).toEqual([
      runtime("Accept-Encoding, Connection, TE"),
      browser("User-Agent, Origin, Referer, Sec-Fetch-Dest, Sec-Fetch-Mode, Sec-Fetch-Site, Priority"),
      COOKIES,
    ]);
  });

  it("Firefox (bash), PATCH: a non-Bearer Authorization scheme becomes an API key in that header", () => {
    const result = imported(FIREFOX_PATCH);
    expect(result.draft).toEqual(
      draft({
        name: "patch_api_example-git_dev_repos_acme_widgets_issues",
        method: "PATCH",
        endpoint_url: "https://api.example-git.dev/repos/acme/widgets/issues/{issues_id}",
        headers: {
          Accept: "application/vnd.github+json",
          "Accept-Language": "en-US,en;q=0.5",
          "Content-Type": "application/json",
          "X-GitHub-Api-Version": "2022-11-28",
        },
        auth_config: { type: "api_key", location: "header", key_name: "Authorization", value: FIREFOX_PATCH_TOKEN },
        properties: {
          issues_id: str("1347"),
          title: str("Widgets crash on load"),
          state: str("closed"),
          labels: { type: "array", default: ["bug", "p1"] },
          milestone: { type: "integer", default: 4 },
          body: str("Fixed in #1350 — it's deployed!"),
        },
        mapping: {
          issues_id: { in: "path" },
          title: { in: "body" },
          state: { in: "body" },
          labels: { in: "body" },
          milestone: { in: "body" },
          body: { in: "body" },
        },
        body_format: "json",
      }),
    );
    expect(result.warnings).toEqual([
      runtime("Accept-Encoding, Connection"),
      browser("User-Agent, Origin, Sec-Fetch-Dest, Sec-Fetch-Mode, Sec-Fetch-Site, Sec-GPC"),
    ]);
  });

  it("Chrome (cmd), GET: carets, ^% escapes, and the API key in the query", () => {
    const result = imported(CHROME_CMD_GET);
    expect(result.draft).toEqual(
      draft({
        name: "get_api_openweather_example_data_2_5_weather",
        method: "GET",
        endpoint_url: "https://api.openweather.example/data/2.5/weather",
        headers: { accept: "*/*", "accept-language": "pt-BR,pt;q=0.9" },
        auth_config: { type: "api_key", location: "query", key_name: "appid", value: CHROME_CMD_GET_KEY },
        properties: { q: str("São Paulo"), units: str("metric") },
        mapping: { q: { in: "query" }, units: { in: "query" } },
      }),
    );
    expect(result.warnings).toEqual([
      browser(
        "origin, priority, referer, sec-ch-ua, sec-ch-ua-mobile, sec-ch-ua-platform, sec-fetch-dest, sec-fetch-mode, sec-fetch-site, user-agent",
      ),
    ]);
  });

  it('Chrome (cmd), POST: a JSON body written with ^\\^" quotes, an API-key header', () => {
    const result = imported(CHROME_CMD_POST);
    expect(result.draft).toEqual(
      draft({
        name: "post_api_example-pay_com_v1_invoices",
        method: "POST",
        endpoint_url: "https://api.example-pay.com/v1/invoices",
        headers: { accept: "application/json", "content-type": "application/json" },
        auth_config: { type: "api_key", location: "header", key_name: "x-api-key", value: CHROME_CMD_POST_KEY },
        properties: {
          customer: str("cus_9s6XKzkNRiz8i3"),
          amount: { type: "integer", default: 1999 },
          currency: str("eur"),
          memo: str("50% off & free shipping!"),
        },
        mapping: { customer: { in: "body" }, amount: { in: "body" }, currency: { in: "body" }, memo: { in: "body" } },
        body_format: "json",
      }),
    );
    expect(result.warnings).toEqual([]);
  });

  it.each([
    ["Chrome GET", CHROME_GET, [CHROME_GET_TOKEN]],
    ["Chrome POST", CHROME_POST, [CHROME_GET_TOKEN]],
    ["Firefox form", FIREFOX_FORM, [FIREFOX_FORM_TOKEN]],
    ["Firefox PATCH", FIREFOX_PATCH, [FIREFOX_PATCH_TOKEN, "ghp_16C7e42F292c6912E7710c838347Ae178B4a"]],
    ["Chrome cmd GET", CHROME_CMD_GET, [CHROME_CMD_GET_KEY]],
    ["Chrome cmd POST", CHROME_CMD_POST, [CHROME_CMD_POST_KEY]],
  ])("%s: the credential is in auth_config and nowhere else", (_, command, secrets) => {
    const text = outsideAuth(imported(command));
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});

const BASIC_NOTE = (source: string) =>
  `The ${source} credentials became an API key in the Authorization header ("Basic …"), which is what curl sends; toolgate has no separate Basic auth type.`;

describe("one feature at a time", () => {
  const CASES: [string, string, DraftSpec, string[], DraftNeed[]?][] = [
    [
      "a bare GET",
      "curl https://api.example.com/v1/status",
      { name: "get_api_example_com_v1_status", method: "GET", endpoint_url: "https://api.example.com/v1/status" },
      [],
    ],
    [
      "a shell prompt, --url, -X in lower case, a fragment",
      "$ curl -X delete --url 'https://www.example.com/v1/items/7?force=true#top'",
      {
        name: "delete_example_com_v1_items",
        method: "DELETE",
        endpoint_url: "https://www.example.com/v1/items/{items_id}",
        properties: { items_id: str("7"), force: str("true") },
        mapping: { items_id: { in: "path" }, force: { in: "query" } },
      },
      [],
    ],
    [
      "no scheme: https is assumed",
      "curl api.example.com/v1/ping",
      { name: "get_api_example_com_v1_ping", method: "GET", endpoint_url: "https://api.example.com/v1/ping" },
      ["The URL has no scheme; https:// was assumed (curl itself would use http://)."],
    ],
    [
      "-u becomes Basic credentials in the Authorization header",
      "curl -u 'ada:s3cr3t-passw0rd' https://api.example.com/v1/me",
      {
        name: "get_api_example_com_v1_me",
        method: "GET",
        endpoint_url: "https://api.example.com/v1/me",
        auth_config: {
          type: "api_key",
          location: "header",
          key_name: "Authorization",
          value: `Basic ${btoa("ada:s3cr3t-passw0rd")}`,
        },
      },
      [BASIC_NOTE("-u")],
    ],
    [
      "user:password in the URL likewise, and out of the URL",
      "curl https://ada:pa%24%24word99@api.example.com/v1/me",
      {
        name: "get_api_example_com_v1_me",
        method: "GET",
        endpoint_url: "https://api.example.com/v1/me",
        auth_config: {
          type: "api_key",
          location: "header",
          key_name: "Authorization",
          value: `Basic ${btoa("ada:pa$$word99")}`,
        },
      },
      [BASIC_NOTE("the URL's user:password")],
    ],
    [
      "-u without a password is left out",
      "curl -u ada https://api.example.com/v1/me",
      { name: "get_api_example_com_v1_me", method: "GET", endpoint_url: "https://api.example.com/v1/me" },
      ["-u gives no password (curl would prompt for one), so it was left out. Add the credential to auth_config."],
    ],
    [
      "--oauth2-bearer",
      "curl --oauth2-bearer tok_0123456789 https://api.example.com/v1/me",
      {
        name: "get_api_example_com_v1_me",
        method: "GET",
        endpoint_url: "https://api.example.com/v1/me",
        auth_config: { type: "bearer_token", token: "tok_0123456789" },
      },
      [],
    ],
    [
      "an Authorization header wins over -u, as in curl",
      "curl -u ada:password1 -H 'Authorization: Bearer tok_0123456789' https://api.example.com/v1/me",
      {
        name: "get_api_example_com_v1_me",
        method: "GET",
        endpoint_url: "https://api.example.com/v1/me",
        auth_config: { type: "bearer_token", token: "tok_0123456789" },
      },
      ["Left out -u: the Authorization header replaces it, as in curl."],
    ],
    [
      "one credential per tool: the first wins, by kind",
      "curl 'https://api.example.com/v1/me?api_key=qk_0123456789' -H 'X-Api-Key: hk_0123456789' -H 'authorization: Bearer tok_0123456789'",
      {
        name: "get_api_example_com_v1_me",
        method: "GET",
        endpoint_url: "https://api.example.com/v1/me",
        auth_config: { type: "bearer_token", token: "tok_0123456789" },
      },
      [
        "Left out the X-Api-Key header, a second credential: a tool holds one, and the authorization header was used. The tool does not send the X-Api-Key header, so calls fail if the API needs both.",
        'Left out the query parameter "api_key", a second credential: a tool holds one, and the authorization header was used. The tool does not send the query parameter "api_key", so calls fail if the API needs both.',
      ],
    ],
    [
      "-G puts the data in the query, --data-urlencode encoded",
      "curl -G https://api.example.com/search --data-urlencode 'q=tea & cake' -d limit=5",
      {
        name: "get_api_example_com_search",
        method: "GET",
        endpoint_url: "https://api.example.com/search",
        properties: { q: str("tea & cake"), limit: str("5") },
        mapping: { q: { in: "query" }, limit: { in: "query" } },
      },
      [],
    ],
    [
      "--data-urlencode: =content and content are sent encoded, without a name",
      "curl -G https://api.example.com/lookup --data-urlencode '=tea & cake' --data-urlencode 'x=1'",
      {
        name: "get_api_example_com_lookup",
        method: "GET",
        endpoint_url: "https://api.example.com/lookup?tea+%26+cake",
        properties: { x: str("1") },
        mapping: { x: { in: "query" } },
      },
      [],
    ],
    [
      "--json",
      `curl --json '{"name":"Ada","age":36,"score":9.5}' https://api.example.com/v1/users`,
      {
        name: "post_api_example_com_v1_users",
        method: "POST",
        endpoint_url: "https://api.example.com/v1/users",
        properties: {
          name: str("Ada"),
          age: { type: "integer", default: 36 },
          score: { type: "number", default: 9.5 },
        },
        mapping: { name: { in: "body" }, age: { in: "body" }, score: { in: "body" } },
        body_format: "json",
      },
      [],
    ],
    [
      "a JSON object sent with -d and no Content-Type is JSON",
      `curl -d '{"a":{"b":[1,2]}}' https://api.example.com/v1/things`,
      {
        name: "post_api_example_com_v1_things",
        method: "POST",
        endpoint_url: "https://api.example.com/v1/things",
        properties: { a: { type: "object", default: { b: [1, 2] } } },
        mapping: { a: { in: "body" } },
        body_format: "json",
      },
      [
        "The data has no Content-Type; it is a JSON object, so the tool sends it as application/json (curl would have labelled it a form).",
      ],
    ],
    [
      "several -d join with & into a form; --data-binary too",
      "curl https://api.example.com/v1/login -d user=ada --data-binary 'remember=yes' --data-ascii x=a%2Bb",
      {
        name: "post_api_example_com_v1_login",
        method: "POST",
        endpoint_url: "https://api.example.com/v1/login",
        properties: { user: str("ada"), remember: str("yes"), x: str("a+b") },
        mapping: { user: { in: "body" }, remember: { in: "body" }, x: { in: "body" } },
        body_format: "form",
      },
      [],
    ],
    [
      "a JSON body under text/plain stays JSON, and the Content-Type stays",
      `curl https://api.example.com/collect -H 'content-type: text/plain;charset=UTF-8' --data-raw '{"event":"view"}'`,
      {
        name: "post_api_example_com_collect",
        method: "POST",
        endpoint_url: "https://api.example.com/collect",
        headers: { "content-type": "text/plain;charset=UTF-8" },
        properties: { event: str("view") },
        mapping: { event: { in: "body" } },
        body_format: "json",
      },
      [],
    ],
    [
      "data with GET and no -G is left out, with its Content-Type",
      "curl -X GET https://api.example.com/v1/items -H 'Content-Type: application/json' -d '{\"a\":1}'",
      { name: "get_api_example_com_v1_items", method: "GET", endpoint_url: "https://api.example.com/v1/items" },
      ["toolgate sends no body with GET, so the data was left out (curl's -G sends it in the query instead)."],
    ],
    [
      "an XML body is left out",
      "curl -H 'Content-Type: application/xml' -d '<a>1</a>' https://api.example.com/v1/xml",
      { name: "post_api_example_com_v1_xml", method: "POST", endpoint_url: "https://api.example.com/v1/xml" },
      [
        "The body is application/xml data; toolgate builds bodies from named inputs, as JSON or a form, so it was left out.",
      ],
    ],
    [
      "a JSON array body is left out",
      "curl -H 'Content-Type: application/json' -d '[1,2]' https://api.example.com/v1/batch",
      { name: "post_api_example_com_v1_batch", method: "POST", endpoint_url: "https://api.example.com/v1/batch" },
      ["The JSON body is not an object; toolgate builds JSON bodies from named inputs, so it was left out."],
    ],
    [
      "invalid JSON under a JSON Content-Type is left out",
      "curl -H 'Content-Type: application/json' -d '{oops' https://api.example.com/v1/batch",
      { name: "post_api_example_com_v1_batch", method: "POST", endpoint_url: "https://api.example.com/v1/batch" },
      ["The data is not valid JSON, so it was left out."],
    ],
    [
      "an empty JSON object has no fields to send",
      "curl -H 'Content-Type: application/json' -d '{}' https://api.example.com/v1/ping",
      { name: "post_api_example_com_v1_ping", method: "POST", endpoint_url: "https://api.example.com/v1/ping" },
      ["The body has no fields, so the tool sends none."],
    ],
    [
      "data from a file and file fields cannot be read",
      "curl -d @body.json -F 'file=@photo.jpg' -F 'notes=<notes.txt' -F 'parts=(;type=multipart/mixed' -F 'no-equals' https://api.example.com/v1/upload",
      { name: "post_api_example_com_v1_upload", method: "POST", endpoint_url: "https://api.example.com/v1/upload" },
      [
        "-d reads a file, which toolgate cannot do; that data was left out.",
        'Left out the file field "file" (-F file=@… or <…): a stored tool has no files to send, only text fields.',
        'Left out the file field "notes" (-F notes=@… or <…): a stored tool has no files to send, only text fields.',
        'Left out the file field "parts" (-F parts=@… or <…): a stored tool has no files to send, only text fields.',
        "Ignored a -F value that is not name=value (curl refuses it too).",
        "The multipart body has no text fields, so the tool sends none.",
      ],
    ],
    [
      "-F text fields become a multipart body; a repeated name is a list; a file field is left out",
      "curl -s --user 'api:key-3ax6xnjp29jd6fds4gc373sgvjxteol0' https://api.mailgun.net/v3/mg.example.com/messages -F from='Excited User <postmaster@mg.example.com>' -F to=a@example.com -F to=b@example.com -F subject='Hello there!' -F attachment=@files/cartman.jpg",
      {
        name: "post_api_mailgun_net_v3_mg_example_com_messages",
        method: "POST",
        endpoint_url: "https://api.mailgun.net/v3/mg.example.com/messages",
        auth_config: {
          type: "api_key",
          location: "header",
          key_name: "Authorization",
          value: `Basic ${btoa("api:key-3ax6xnjp29jd6fds4gc373sgvjxteol0")}`,
        },
        properties: {
          from: str("Excited User <postmaster@mg.example.com>"),
          to: { type: "array", default: ["a@example.com", "b@example.com"] },
          subject: str("Hello there!"),
        },
        mapping: { from: { in: "body" }, to: { in: "body" }, subject: { in: "body" } },
        body_format: "multipart",
      },
      [
        'Left out the file field "attachment" (-F attachment=@… or <…): a stored tool has no files to send, only text fields.',
        BASIC_NOTE("-u"),
      ],
    ],
    [
      "-F as curl 7.88 reads it: quotes keep ;, spaces around a bare value go, part options are not sent; --form-string is literal",
      String.raw`curl https://api.example.com/v1/notes -F 'a= hello ' -F 'b="x;y \"z\""' -F 'c=plain;type=text/markdown;filename=c.md' -F 'd=x;unknown' --form-string 'e=@not-a-file;type=x' -H 'Content-Type: multipart/form-data'`,
      {
        name: "post_api_example_com_v1_notes",
        method: "POST",
        endpoint_url: "https://api.example.com/v1/notes",
        properties: { a: str("hello"), b: str('x;y "z"'), c: str("plain"), d: str("x"), e: str("@not-a-file;type=x") },
        mapping: { a: { in: "body" }, b: { in: "body" }, c: { in: "body" }, d: { in: "body" }, e: { in: "body" } },
        body_format: "multipart",
      },
      [
        'The -F field "c" is sent as a plain text field, without its ;type= ;filename=: a tool\'s multipart parts carry a name and a value only.',
      ],
    ],
    [
      "-F with another Content-Type, and with -d: the fields win, as the only body curl could send",
      "curl https://api.example.com/v1/notes -H 'Content-Type: application/json' -F 'a=1' -d 'b=2'",
      {
        name: "post_api_example_com_v1_notes",
        method: "POST",
        endpoint_url: "https://api.example.com/v1/notes",
        properties: { a: str("1") },
        mapping: { a: { in: "body" } },
        body_format: "multipart",
      },
      [
        "Left out the -d data: curl refuses a command with both -d and -F; the -F fields were used.",
        "Left out the Content-Type header: -F sends multipart/form-data, and the tool sets that Content-Type itself.",
      ],
    ],
    [
      "-T means PUT",
      "curl -T report.csv https://api.example.com/v1/reports/latest",
      {
        name: "put_api_example_com_v1_reports_latest",
        method: "PUT",
        endpoint_url: "https://api.example.com/v1/reports/latest",
      },
      ["Uploading a file (-T) is not supported; it was left out."],
    ],
    [
      "quiet flags, ignored options, unknown options, -k and -m",
      "curl -sSL -v --compressed -k -m 2.5 --retry 3 -o out.json --frobnicate -Z https://api.example.com/v1/slow",
      {
        name: "get_api_example_com_v1_slow",
        method: "GET",
        endpoint_url: "https://api.example.com/v1/slow",
        timeout: 3,
      },
      [
        "--insecure has no effect: toolgate always verifies the server's TLS certificate.",
        "--retry does not apply to a toolgate tool and was ignored.",
        "--output does not apply to a toolgate tool and was ignored.",
        "Ignored options toolgate does not know: --frobnicate, -Z.",
        "--max-time became a timeout of 3 s (whole seconds, 1 to 300).",
      ],
    ],
    [
      "combined short options with values: -XPOST -HAccept:…",
      "curl -sXPOST -H'Accept: application/json' -dname=ada https://api.example.com/v1/users",
      {
        name: "post_api_example_com_v1_users",
        method: "POST",
        endpoint_url: "https://api.example.com/v1/users",
        headers: { Accept: "application/json" },
        properties: { name: str("ada") },
        mapping: { name: { in: "body" } },
        body_format: "form",
      },
      [],
    ],
    [
      "headers: a custom User-Agent and Cache-Control stay, a reload's go; X-Empty; is an empty header; Accept: removes",
      "curl https://api.example.com/v1/x -A 'inventory-bot/2.1' -H 'Cache-Control: max-age=60' -H 'cache-control: no-cache' -H 'X-Empty;' -H 'Accept:' -H 'Pragma: no-cache' -H 'X-Trace: a' -H 'x-trace: b'",
      {
        name: "get_api_example_com_v1_x",
        method: "GET",
        endpoint_url: "https://api.example.com/v1/x",
        headers: { "User-Agent": "inventory-bot/2.1", "Cache-Control": "max-age=60", "X-Empty": "", "X-Trace": "a, b" },
      },
      [
        'Ignored "Accept:" with no value (curl uses it to remove a header it would send).',
        "Left out headers that describe the browser rather than the API call: cache-control, Pragma.",
      ],
    ],
    [
      "a header whose name suggests a credential, but that the registry's rule does not refuse, stays with a warning",
      "curl https://api.example.com/v1/x -H 'X-Session-Id: 4b1d9c0e' -H 'X-Max-Tokens: 100'",
      {
        name: "get_api_example_com_v1_x",
        method: "GET",
        endpoint_url: "https://api.example.com/v1/x",
        headers: { "X-Session-Id": "4b1d9c0e", "X-Max-Tokens": "100" },
      },
      [
        "Kept the X-Session-Id header, but its name suggests a credential: static headers are stored in plaintext and shown to anyone who can read the tool. Move it to auth_config if it is one.",
      ],
    ],
    [
      "a -H that is not a header is ignored without repeating it",
      "curl https://api.example.com/v1/x -H 'Bearer abc123456789'",
      { name: "get_api_example_com_v1_x", method: "GET", endpoint_url: "https://api.example.com/v1/x" },
      ["Ignored a -H value that is not a header (Name: value)."],
    ],
    [
      "Proxy-Authorization is left out",
      "curl https://api.example.com/v1/x -H 'Proxy-Authorization: Basic cHJveHk6cHJveHk='",
      { name: "get_api_example_com_v1_x", method: "GET", endpoint_url: "https://api.example.com/v1/x" },
      ["Left out the Proxy-Authorization header: it is a credential for a proxy, which tools do not use."],
    ],
    [
      "query: repeated names become a list, a part without = stays in the URL, escaped glob characters",
      String.raw`curl 'https://api.example.com/v1/search?tag=a&tag=b&flag&range=\[1,5\]&q=%7Bx%7D'`,
      {
        name: "get_api_example_com_v1_search",
        method: "GET",
        endpoint_url: "https://api.example.com/v1/search?flag",
        properties: { tag: { type: "array", default: ["a", "b"] }, range: str("[1,5]"), q: str("{x}") },
        mapping: { tag: { in: "query" }, range: { in: "query" }, q: { in: "query" } },
      },
      [],
    ],
    [
      "names that collide get a suffix; a UUID segment; a segment after a number is {id}",
      "curl -X PUT 'https://api.example.com/orgs/0d2c9a3e-6f1b-4e8a-9c7d-2b5e8f1a4c6d/7/items_id?items_id=1' -H 'content-type: application/json' -d '{\"items_id\":2,\"__proto__\":{\"x\":1}}'",
      {
        name: "put_api_example_com_orgs_items_id",
        method: "PUT",
        endpoint_url: "https://api.example.com/orgs/{orgs_id}/{id}/items_id",
        headers: { "content-type": "application/json" },
        // JSON.parse, so "__proto__" is a property here too.
        properties: JSON.parse(
          '{"orgs_id":{"type":"string","default":"0d2c9a3e-6f1b-4e8a-9c7d-2b5e8f1a4c6d"},"id":{"type":"string","default":"7"},"items_id":{"type":"string","default":"1"},"items_id_2":{"type":"integer","default":2},"__proto__":{"type":"object","default":{"x":1}}}',
        ),
        mapping: JSON.parse(
          '{"orgs_id":{"in":"path"},"id":{"in":"path"},"items_id":{"in":"query"},"items_id_2":{"in":"body","name":"items_id"},"__proto__":{"in":"body"}}',
        ),
        body_format: "json",
      },
      [],
    ],
    [
      "the name is cut at 64 characters",
      "curl https://api.example.com/a-very-long-path-segment/another-rather-long-segment/and-one-more",
      {
        name: "get_api_example_com_a-very-long-path-segment_another-rather-long",
        method: "GET",
        endpoint_url: "https://api.example.com/a-very-long-path-segment/another-rather-long-segment/and-one-more",
      },
      [],
    ],
    [
      "shell expansions that are not a whole value stay as written, with a warning",
      'curl -H "X-Trace: $(uuidgen)" -H "X-Team: team-$TEAM" "https://api.example.com/v1/me"',
      {
        name: "get_api_example_com_v1_me",
        method: "GET",
        endpoint_url: "https://api.example.com/v1/me",
        headers: { "X-Trace": "$(uuidgen)", "X-Team": "team-$TEAM" },
      },
      ["Shell expansions were not run and stay as written: $(…), $TEAM. Replace them with their values."],
    ],
    [
      "a credential and a query value written as shell variables are asked for, not kept",
      'curl -H "X-API-Key: $API_KEY" "https://api.example.com/v1/me?team=${TEAM}&limit=5"',
      {
        name: "get_api_example_com_v1_me",
        method: "GET",
        endpoint_url: "https://api.example.com/v1/me",
        auth_config: { type: "api_key", location: "header", key_name: "X-API-Key" },
        properties: {
          team: { type: "string", description: "Your value for ${TEAM}, which the command has here." },
          limit: str("5"),
        },
        required: ["team"],
        mapping: { team: { in: "query" }, limit: { in: "query" } },
      },
      [
        "The credential in the command is a placeholder ($API_KEY), so auth_config is left without it. Enter the value of the X-API-Key header: the command has $API_KEY there.",
      ],
      [
        {
          field: "/auth_config/value",
          placeholders: ["$API_KEY"],
          detail: "Enter the value of the X-API-Key header: the command has $API_KEY there.",
        },
        {
          field: "/input_schema/properties/team/default",
          placeholders: ["${TEAM}"],
          detail:
            "Enter your value for ${TEAM} as the default of the input team, or give team on each call: the command has ${TEAM} there.",
        },
      ],
    ],
    [
      "a bearer token written as a shell variable (OpenAI's docs)",
      'curl https://api.openai.com/v1/models -H "Authorization: Bearer $OPENAI_API_KEY"',
      {
        name: "get_api_openai_com_v1_models",
        method: "GET",
        endpoint_url: "https://api.openai.com/v1/models",
        auth_config: { type: "bearer_token" },
      },
      [
        "The credential in the command is a placeholder ($OPENAI_API_KEY), so auth_config is left without it. Enter the bearer token: the command has $OPENAI_API_KEY where it goes.",
      ],
      [
        {
          field: "/auth_config/token",
          placeholders: ["$OPENAI_API_KEY"],
          detail: "Enter the bearer token: the command has $OPENAI_API_KEY where it goes.",
        },
      ],
    ],
    [
      "<YOUR-TOKEN> and {access_token} are placeholders too; a scheme before one is kept in the words",
      "curl https://discord.com/api/v10/users/@me -H 'Authorization: Bot <YOUR-BOT-TOKEN>' -H 'X-Shopify-Access-Token: {access_token}'",
      {
        name: "get_discord_com_api_v10_users_me",
        method: "GET",
        endpoint_url: "https://discord.com/api/v10/users/@me",
        auth_config: { type: "api_key", location: "header", key_name: "Authorization" },
      },
      [
        "Left out the X-Shopify-Access-Token header, a second credential: a tool holds one, and the Authorization header was used. The tool does not send the X-Shopify-Access-Token header, so calls fail if the API needs both.",
        'The credential in the command is a placeholder (<YOUR-BOT-TOKEN>), so auth_config is left without it. Enter the Authorization header\'s value: "Bot " followed by your value in place of <YOUR-BOT-TOKEN>.',
      ],
      [
        {
          field: "/auth_config/value",
          placeholders: ["<YOUR-BOT-TOKEN>"],
          detail:
            'Enter the Authorization header\'s value: "Bot " followed by your value in place of <YOUR-BOT-TOKEN>.',
        },
      ],
    ],
    [
      "Basic credentials and a path segment written as shell variables (Twilio's docs)",
      'curl -X POST "https://api.twilio.com/2010-04-01/Accounts/$TWILIO_ACCOUNT_SID/Messages.json" --data-urlencode "Body=Hi there" -u $TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN',
      {
        name: "post_api_twilio_com_2010-04-01_Accounts_Messages_json",
        method: "POST",
        endpoint_url: "https://api.twilio.com/2010-04-01/Accounts/{twilio_account_sid}/Messages.json",
        auth_config: { type: "api_key", location: "header", key_name: "Authorization" },
        properties: {
          twilio_account_sid: {
            type: "string",
            description: "Your value for $TWILIO_ACCOUNT_SID, which the command has here.",
          },
          Body: str("Hi there"),
        },
        required: ["twilio_account_sid"],
        mapping: { twilio_account_sid: { in: "path" }, Body: { in: "body" } },
        body_format: "form",
      },
      [
        BASIC_NOTE("-u"),
        'The credential in the command is a placeholder ($TWILIO_ACCOUNT_SID, $TWILIO_AUTH_TOKEN), so auth_config is left without it. Enter the Authorization header\'s value: "Basic ", then the base64 encoding of "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN" with your values in place of $TWILIO_ACCOUNT_SID and $TWILIO_AUTH_TOKEN. (toolgate has no Basic auth type; that value is what curl sends.)',
      ],
      [
        {
          field: "/auth_config/value",
          placeholders: ["$TWILIO_ACCOUNT_SID", "$TWILIO_AUTH_TOKEN"],
          detail:
            'Enter the Authorization header\'s value: "Basic ", then the base64 encoding of "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN" with your values in place of $TWILIO_ACCOUNT_SID and $TWILIO_AUTH_TOKEN. (toolgate has no Basic auth type; that value is what curl sends.)',
        },
        {
          field: "/input_schema/properties/twilio_account_sid/default",
          placeholders: ["$TWILIO_ACCOUNT_SID"],
          detail:
            "Enter your value for $TWILIO_ACCOUNT_SID as the default of the input twilio_account_sid, or give twilio_account_sid on each call: the command has $TWILIO_ACCOUNT_SID there.",
        },
      ],
    ],
    [
      "a ${VAR} inside a path segment; one that looks like a credential is said to be logged",
      'curl "https://api.telegram.org/bot${TELEGRAM_BOT_TOKEN}/sendMessage" -d chat_id=$CHAT_ID -d text=hi',
      {
        name: "post_api_telegram_org_sendMessage",
        method: "POST",
        endpoint_url: "https://api.telegram.org/bot{telegram_bot_token}/sendMessage",
        properties: {
          telegram_bot_token: {
            type: "string",
            description: "Your value for ${TELEGRAM_BOT_TOKEN}, which the command has here.",
          },
          chat_id: { type: "string", description: "Your value for $CHAT_ID, which the command has here." },
          text: str("hi"),
        },
        required: ["telegram_bot_token", "chat_id"],
        mapping: { telegram_bot_token: { in: "path" }, chat_id: { in: "body" }, text: { in: "body" } },
        body_format: "form",
      },
      [
        "The URL path has ${TELEGRAM_BOT_TOKEN}, which looks like a credential; it became the input telegram_bot_token. A tool cannot keep a credential in its path: inputs are stored in plaintext in the execution log.",
      ],
      [
        {
          field: "/input_schema/properties/telegram_bot_token/default",
          placeholders: ["${TELEGRAM_BOT_TOKEN}"],
          detail:
            "Enter your value for ${TELEGRAM_BOT_TOKEN} as the default of the input telegram_bot_token, or give telegram_bot_token on each call: the command has ${TELEGRAM_BOT_TOKEN} there.",
        },
        {
          field: "/input_schema/properties/chat_id/default",
          placeholders: ["$CHAT_ID"],
          detail:
            "Enter your value for $CHAT_ID as the default of the input chat_id, or give chat_id on each call: the command has $CHAT_ID there.",
        },
      ],
    ],
    [
      "a header whose whole value is a shell variable becomes a header input (Algolia's docs)",
      `curl -X POST -H "X-Algolia-API-Key: \${API_KEY}" -H "X-Algolia-Application-Id: \${APPLICATION_ID}" --data-binary '{"params": "query=george"}' "https://latency-dsn.algolia.net/1/indexes/contacts/query"`,
      {
        name: "post_latency-dsn_algolia_net_1_indexes_contacts_query",
        method: "POST",
        endpoint_url: "https://latency-dsn.algolia.net/1/indexes/contacts/query",
        auth_config: { type: "api_key", location: "header", key_name: "X-Algolia-API-Key" },
        properties: {
          params: str("query=george"),
          "X-Algolia-Application-Id": {
            type: "string",
            description: "Your value for ${APPLICATION_ID}, which the command has here.",
          },
        },
        required: ["X-Algolia-Application-Id"],
        mapping: { params: { in: "body" }, "X-Algolia-Application-Id": { in: "header" } },
        body_format: "json",
      },
      [
        "The credential in the command is a placeholder (${API_KEY}), so auth_config is left without it. Enter the value of the X-Algolia-API-Key header: the command has ${API_KEY} there.",
        "The data has no Content-Type; it is a JSON object, so the tool sends it as application/json (curl would have labelled it a form).",
      ],
      [
        {
          field: "/auth_config/value",
          placeholders: ["${API_KEY}"],
          detail: "Enter the value of the X-Algolia-API-Key header: the command has ${API_KEY} there.",
        },
        {
          field: "/input_schema/properties/X-Algolia-Application-Id/default",
          placeholders: ["${APPLICATION_ID}"],
          detail:
            "Enter your value for ${APPLICATION_ID} as the default of the input X-Algolia-Application-Id, or give X-Algolia-Application-Id on each call: the command has ${APPLICATION_ID} there.",
        },
      ],
    ],
    [
      "a real password with $ in it is a password, not a placeholder",
      "curl -u 'ada:pa$word99' https://api.example.com/v1/me",
      {
        name: "get_api_example_com_v1_me",
        method: "GET",
        endpoint_url: "https://api.example.com/v1/me",
        auth_config: {
          type: "api_key",
          location: "header",
          key_name: "Authorization",
          value: `Basic ${btoa("ada:pa$word99")}`,
        },
      },
      [BASIC_NOTE("-u")],
    ],
    [
      "a short credential is kept, with a warning that it is unusual",
      "curl -H 'x-api-key: abc' https://api.example.com/v1/me",
      {
        name: "get_api_example_com_v1_me",
        method: "GET",
        endpoint_url: "https://api.example.com/v1/me",
        auth_config: { type: "api_key", location: "header", key_name: "x-api-key", value: "abc" },
      },
      [
        "The credential is shorter than 8 characters, which is unusual for a real one: check that it is complete. It is hidden in outputs and logs only where it appears as a whole value.",
      ],
    ],
    [
      "only the curl command is read",
      "curl https://api.example.com/v1/me | jq .name",
      { name: "get_api_example_com_v1_me", method: "GET", endpoint_url: "https://api.example.com/v1/me" },
      ["Only the curl command was read; what follows it (after ; & | < > or a line break) was ignored."],
    ],
    [
      "query parameters and body fields that look like credentials are kept, with a warning",
      "curl 'https://api.example.com/v1/login?session_id=s1' -d 'user=ada&password=hunter22'",
      {
        name: "post_api_example_com_v1_login",
        method: "POST",
        endpoint_url: "https://api.example.com/v1/login",
        properties: { session_id: str("s1"), user: str("ada"), password: str("hunter22") },
        mapping: { session_id: { in: "query" }, user: { in: "body" }, password: { in: "body" } },
        body_format: "form",
      },
      [
        'The query parameter "session_id" looks like a credential; it became an input whose default is stored in plaintext and shown to anyone who can read the tool.',
        'The body field "password" looks like a credential; it became an input whose default is stored in plaintext and shown to anyone who can read the tool.',
      ],
    ],
  ];

  it.each(CASES)("%s", (_, command, spec, warnings, needs = []) => {
    const result = imported(command);
    expect(result.draft).toEqual(draft(spec));
    expect(Object.keys(result.draft.input_schema.properties)).toEqual(Object.keys(spec.properties ?? {}));
    expect(result.warnings).toEqual(warnings);
    expect(result.needs).toEqual(needs);
  });
});

describe("credential headers become auth_config", () => {
  const value = "hdr_5f0c2b7e9a41d3c8";
  it.each([
    "X-Shopify-Access-Token",
    "X-Api-Key",
    "Api-Key",
    "apikey",
    "X-Auth-Token",
    "X-Access-Token",
    "Private-Token",
    "X-Goog-Api-Key",
    "X-Algolia-API-Key",
    "X-Client-Secret",
    "X-Webhook-Secret",
    "X-Password",
    "X-CSRF-Token",
    "X-RapidAPI-Key",
    "Ocp-Apim-Subscription-Key",
    "X-Auth-Key",
  ])("%s: the registry's rule (or the import's three more API-key names) says credential", (name) => {
    expect(isCredentialHeaderName(name) || MORE_API_KEY_HEADERS.has(name.toLowerCase())).toBe(true);
    const result = imported(`curl https://api.example.com/v1/x -H 'Accept: application/json' -H '${name}: ${value}'`);
    expect(result.draft.auth_config).toEqual({ type: "api_key", location: "header", key_name: name, value });
    expect(result.draft.headers).toEqual({ Accept: "application/json" });
    expect(outsideAuth(result)).not.toContain(value);
  });

  it.each(["X-Request-Id", "Idempotency-Key", "X-Page-Token", "X-Next-Page-Token", "X-Tokens-Left", "X-Key-Id"])(
    "%s stays a header, as the registry lets it",
    (name) => {
      expect(isCredentialHeaderName(name)).toBe(false);
      const result = imported(`curl https://api.example.com/v1/x -H '${name}: ${value}'`);
      expect(result.draft.auth_config).toEqual({ type: "none" });
      expect(result.draft.headers).toEqual({ [name]: value });
      expect(result.warnings).toEqual([]);
    },
  );

  it("of two credential headers, the first is used and the other named as left out", () => {
    const result = imported(
      "curl https://x.myshopify.com/admin/api/2024-07/shop.json -H 'X-Shopify-Access-Token: shpat_0123456789abcdef' -H 'X-Client-Secret: cs_0123456789abcdef'",
    );
    expect(result.draft.auth_config).toMatchObject({ key_name: "X-Shopify-Access-Token" });
    expect(result.warnings).toEqual([
      "Left out the X-Client-Secret header, a second credential: a tool holds one, and the X-Shopify-Access-Token header was used. The tool does not send the X-Client-Secret header, so calls fail if the API needs both.",
    ]);
    expect(outsideAuth(result)).not.toContain("cs_0123456789abcdef");
  });
});

describe("looksLikeCredential: names that suggest a credential, word by word", () => {
  it.each([
    "api_key",
    "apiKey",
    "X-Api-Key",
    "access_token",
    "accessToken",
    "refresh_token",
    "id_token",
    "auth_token",
    "authtoken",
    "token",
    "client_secret",
    "clientSecret",
    "secret",
    "webhook_secret",
    "password",
    "passwd",
    "user_password",
    "passphrase",
    "session_id",
    "sessionToken",
    "private_key",
    "secret_key",
    "access_key",
    "signature",
    "X-Signature",
    "sig",
    "csrf_token",
    "X-CSRF-Token",
    "auth",
    "X-Auth",
    "X-Auth-Key",
    "authorization",
    "credentials",
    "jwt",
  ])("%s does", (name) => {
    expect(looksLikeCredential(name)).toBe(true);
  });

  it.each([
    "max_tokens",
    "max_completion_tokens",
    "maxTokens",
    "X-Max-Tokens",
    "max_token",
    "token_count",
    "total_tokens",
    "tokens",
    "tokenizer",
    "token_type",
    "token_url",
    // Paging cursors an API hands out, as the registry's header rule also decides (X-Page-Token).
    "page_token",
    "pageToken",
    "next_page_token",
    "nextPageToken",
    "continuation_token",
    "sync_token",
    "auth_mode",
    "auth_type",
    "author",
    "authority",
    "author_id",
    "idempotency_key",
    "Idempotency-Key",
    "key_id",
    "sort_key",
    "keywords",
    "passage",
    "bypass",
    "secretary",
    "model",
    "temperature",
    "cursor",
  ])("%s does not", (name) => {
    expect(looksLikeCredential(name)).toBe(false);
  });

  it("max_tokens in a JSON body is an ordinary input, with no warning (Anthropic's and OpenAI's docs)", () => {
    const result = imported(
      `curl https://api.anthropic.com/v1/messages -H 'content-type: application/json' -d '{"model":"claude-sonnet-4-5","max_tokens":1024}'`,
    );
    expect(result.draft.input_schema.properties.max_tokens).toEqual({ type: "integer", default: 1024 });
    expect(result.warnings).toEqual([]);
  });
});

describe("commands that cannot be imported", () => {
  it.each([
    ["not curl", "wget https://api.example.com/", "not_curl", "This is not a curl command: it must start with curl."],
    ["empty", "   ", "not_curl", "This is not a curl command: it must start with curl."],
    ["no URL", "curl -H 'Accept: application/json'", "no_url", "The command has no URL."],
    [
      "a quote left open",
      "curl 'https://api.example.com/",
      "unterminated_quote",
      "The command has an unterminated ' quote.",
    ],
    [
      "HEAD",
      "curl -I https://api.example.com/",
      "unsupported_method",
      "toolgate tools use GET, POST, PUT, PATCH or DELETE; this command sends HEAD.",
    ],
    [
      "OPTIONS",
      "curl -X OPTIONS https://api.example.com/",
      "unsupported_method",
      "toolgate tools use GET, POST, PUT, PATCH or DELETE; this command sends OPTIONS.",
    ],
    ["ftp", "curl ftp://files.example.com/a.txt", "invalid_url", "toolgate tools call http or https URLs, not ftp."],
    ["not a URL", "curl 'https://exa mple.com/'", "invalid_url", "The URL is not a valid absolute URL."],
    [
      "the credential in the path too",
      "curl -H 'x-api-key: k_0123456789' https://api.example.com/keys/k_0123456789/usage",
      "credential_in_url",
      "The URL's path contains the credential, and a tool's URL is not secret. Remove it from the path, import again, and put it in auth_config.",
    ],
    [
      "a host written as a shell variable (Mailchimp's docs)",
      'curl -sS "https://${dc}.api.mailchimp.com/3.0/ping" --user "anystring:${apikey}"',
      "invalid_url",
      "The URL's host has ${dc}, a placeholder; a tool's host is fixed. Put your value in the command and import it again.",
    ],
    [
      "a host written as a placeholder in braces (Zendesk's docs)",
      "curl https://{subdomain}.zendesk.com/api/v2/tickets.json -u {email_address}/token:{api_token}",
      "invalid_url",
      "The URL's host has {subdomain}, a placeholder; a tool's host is fixed. Put your value in the command and import it again.",
    ],
    [
      "the credential in the host",
      "curl -H 'x-api-key: k0123456789' https://k0123456789.api.example.com/v1/usage",
      "credential_in_url",
      "The credential also appears in the URL where it cannot be taken out. Remove it from there, import again, and put it in auth_config.",
    ],
  ])("%s", (_, command, reason, detail) => {
    expect(curlToToolDraft(command)).toEqual({ ok: false, reason, detail });
  });
});

describe("the credential never leaves auth_config", () => {
  it("takes out every header, query parameter and body field that repeats it, in any encoding", () => {
    const token = "tok_a/b+c d=0123";
    const result = imported(
      [
        "curl 'https://api.example.com/v1/me",
        `?token_copy=${encodeURIComponent(token)}&sig${encodeURIComponent(token)}&page=1'`,
        ` -H 'Authorization: Bearer ${token}' -H 'X-Echo: prefix-${token}' -H 'X-Other: fine'`,
        ` -H 'content-type: application/json' -d '${JSON.stringify({ note: `is ${token}`, n: 1, [token]: 2 })}'`,
      ].join(""),
    );
    expect(result.draft).toEqual(
      draft({
        name: "post_api_example_com_v1_me",
        method: "POST",
        endpoint_url: "https://api.example.com/v1/me",
        headers: { "X-Other": "fine", "content-type": "application/json" },
        auth_config: { type: "bearer_token", token },
        properties: { page: str("1"), n: { type: "integer", default: 1 } },
        mapping: { page: { in: "query" }, n: { in: "body" } },
        body_format: "json",
      }),
    );
    expect(result.warnings).toEqual([
      "Left out a query parameter that contains the credential.",
      "Left out a body parameter that contains the credential.",
      "Left out a body parameter that contains the credential.",
      "Left out the X-Echo header: it contains the credential.",
      "Left out a query parameter that contains the credential.",
    ]);
    expect(outsideAuth(result)).not.toContain("tok_a");
  });

  it("nor the user of Basic credentials without a password, which is then the secret (Stripe's -u sk_test_…:)", () => {
    const result = imported(
      "curl -u 'sk_test_4eC39HqLyjWDarjtT1zdp7dc:' 'https://api.stripe.com/v1/x?copy=sk_test_4eC39HqLyjWDarjtT1zdp7dc'",
    );
    expect(outsideAuth(result)).not.toContain("sk_test_4eC39HqLyjWDarjtT1zdp7dc");
    expect(result.warnings).toContain("Left out a query parameter that contains the credential.");
  });

  it("nor the password of Basic credentials", () => {
    const result = imported("curl -u ada:correct-horse https://api.example.com/v1/me?hint=correct-horse");
    expect(outsideAuth(result)).not.toContain("correct-horse");
    expect(result.warnings).toContain("Left out a query parameter that contains the credential.");
  });

  it("holds for any token placed anywhere (property-based)", () => {
    const token = fc.stringMatching(/^[A-Za-z0-9._~+/=-]{8,40}$/);
    const place = fc.constantFrom("header", "query", "body", "json", "other-header", "cookie");
    fc.assert(
      fc.property(token, fc.array(place, { maxLength: 4 }), (secret, places) => {
        const parts = [
          `curl 'https://api.example.com/v1/x?a=1${places.includes("query") ? `&copy=${encodeURIComponent(secret)}` : ""}'`,
        ];
        parts.push(`-H 'Authorization: Bearer ${secret}'`);
        if (places.includes("other-header")) parts.push(`-H 'X-Copy: ${secret}'`);
        if (places.includes("cookie")) parts.push(`-b 'sid=${secret}'`);
        if (places.includes("json"))
          parts.push(`-H 'content-type: application/json' -d '${JSON.stringify({ v: secret })}'`);
        else if (places.includes("body")) parts.push(`-d 'v=${encodeURIComponent(secret)}'`);
        const result = curlToToolDraft(parts.join(" "));
        if (!result.ok) return false;
        const { auth_config, ...rest } = result.draft;
        const text = JSON.stringify([rest, result.warnings]);
        return (
          auth_config.type === "bearer_token" &&
          auth_config.token === secret &&
          !text.includes(secret) &&
          !text.includes(encodeURIComponent(secret))
        );
      }),
      { seed: 5150, numRuns: 300 },
    );
  });
});

/** A word quoted as bash reads it back: '…', $'…', "…" or bare when it is plain. */
function bashQuote(word: string, style: number): string {
  if (style === 0 && /^[A-Za-z0-9_./:=@%+-]+$/.test(word)) return word;
  if (style === 1)
    return `$'${word.replace(/[\\']/g, "\\$&").replace(/[\x00-\x1f\x7f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`)}'`;
  if (style === 2 && !/[\x00-\x1f]/.test(word)) return `"${word.replace(/[\\"$`]/g, "\\$&")}"`;
  return `'${word.replaceAll("'", "'\\''")}'`;
}

describe("any command", () => {
  const headerName = fc.constantFrom(
    "Accept",
    "authorization",
    "X-Api-Key",
    "Cookie",
    "content-type",
    "sec-fetch-mode",
    "User-Agent",
    "X-Trace",
    "Host",
    "X-Session-Token",
  );
  const text = fc.string({ unit: "grapheme", maxLength: 24 });
  const option = fc.oneof(
    fc.tuple(
      fc.constant("-H"),
      fc.tuple(headerName, text).map(([n, v]) => `${n}: ${v}`),
    ),
    fc.tuple(
      fc.constantFrom("-d", "--data-raw", "--data-binary", "--data-urlencode", "--json"),
      fc.oneof(
        text,
        fc.jsonValue().map((v) => JSON.stringify(v)),
      ),
    ),
    fc.tuple(fc.constantFrom("-X"), fc.constantFrom("GET", "POST", "put", "PATCH", "DELETE", "HEAD")),
    fc.tuple(fc.constantFrom("-u", "-b", "-A", "-m", "--oauth2-bearer"), text),
    fc.tuple(fc.constantFrom("-G", "-k", "-sSL", "--compressed", "--frob"), fc.constant(null)),
  );
  const url = fc
    .tuple(
      fc.constantFrom("https://api.example.com", "api.example.com", "https://user:pw@api.example.com:8443"),
      fc.array(fc.oneof(fc.constantFrom("v1", "items", "42", "0d2c9a3e-6f1b-4e8a-9c7d-2b5e8f1a4c6d"), text), {
        maxLength: 3,
      }),
      fc.array(fc.tuple(fc.oneof(fc.constantFrom("key", "api_key", "q", "page"), text), text), { maxLength: 3 }),
    )
    .map(
      ([origin, segments, query]) =>
        `${origin}/${segments.map(encodeURIComponent).join("/")}${query.length ? "?" : ""}${query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")}`,
    );
  const command = fc
    .tuple(
      url,
      fc.array(option, { maxLength: 6 }),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 16, maxLength: 16 }),
    )
    .map(([target, options, styles]) => {
      const words = [target, ...options.flatMap(([flag, value]) => (value === null ? [flag] : [flag, value]))];
      return `curl ${words.map((word, i) => bashQuote(word, styles[i % styles.length] as number)).join(" \\\n  ")}`;
    });

  it("never throws; a draft keeps its credential in auth_config and is a ToolInput the registry accepts, unless a warning says why not", () => {
    fc.assert(
      fc.property(command, (cmd) => {
        const result = curlToToolDraft(cmd);
        if (!result.ok) return ["unsupported_method", "credential_in_url", "invalid_url"].includes(result.reason);
        const { auth_config: auth, ...rest } = result.draft;
        const secret = (auth.type === "bearer_token" ? auth.token : auth.type === "api_key" ? auth.value : "") ?? "";
        // Expansions are named as typed ($API_KEY), even when that is the "credential".
        const warnings = result.warnings.filter((w) => !w.startsWith("Shell expansions"));
        if (secret.length >= 8 && JSON.stringify([rest, warnings]).includes(JSON.stringify(secret).slice(1, -1)))
          return false;
        const parsed = ToolInput.safeParse(result.draft);
        const secretWarning = result.warnings.some((w) => w.startsWith("The credential "));
        if (!parsed.success) return secretWarning;
        try {
          normalizeDefinition(parsed.data, STRICT_OUTBOUND);
          return true;
        } catch (err) {
          if (secretWarning) return true;
          throw new Error(`${cmd}\n${JSON.stringify((err as { extensions?: unknown }).extensions)}`);
        }
      }),
      { seed: 8080, numRuns: 500 },
    );
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (tail) => {
        for (const prefix of ["curl ", "curl '", 'curl ^"', "curl $'", "curl https://x.test/ -"])
          curlToToolDraft(prefix + tail);
      }),
      { seed: 8081, numRuns: 300 },
    );
  });
});
