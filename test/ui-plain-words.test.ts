/**
 * The UI's words for validator and API messages (src/ui/plain-words.ts): each
 * of issue 12's raw messages, and the rules that keep what must stay exact.
 */
import { describe, expect, it } from "vitest";
import { ToolInput } from "../src/api/schemas";
import {
  apiMessageInWords,
  failureInWords,
  importMessageInWords,
  jsonSyntaxInWords,
  nameProblemInWords,
  schemaErrorInWords,
  zodIssueInWords,
} from "../src/ui/plain-words";

/** The first zod issue of a ToolInput, as the editor gets it. */
function issueOf(input: Record<string, unknown>) {
  const parsed = ToolInput.safeParse(input);
  if (parsed.success) throw new Error("expected the input to fail");
  const issue = parsed.error.issues[0];
  if (!issue) throw new Error("no issue");
  return issue;
}

const base = { name: "t", execution_type: "http_request", method: "GET", endpoint_url: "https://a.example.com/" };

describe("plain words", () => {
  it("says zod's bounds and empties as a person would", () => {
    expect(zodIssueInWords(issueOf({ ...base, timeout: 999 }), "timeout", 999)).toBe(
      "The timeout can be at most 300 seconds.",
    );
    expect(apiMessageInWords("endpoint_url is required for http_request tools.", "endpoint_url")).toBe(
      "Fill in the endpoint URL.",
    );
  });

  it("names each character a tool name cannot have", () => {
    expect(nameProblemInWords("get.weather!")).toBe(
      "A name can have only letters, digits, _ and -. Not allowed: “.” (dot) and “!”. Use _ instead.",
    );
    expect(nameProblemInWords("get_weather")).toBeNull();
  });

  it("rewrites the API's field names, but never inside a JSON Pointer", () => {
    expect(apiMessageInWords("send auth_config.value", "api_key_value")).toBe("Send the API key value");
    expect(apiMessageInWords("loops: /input_schema/definitions/a", "input_schema")).toBe(
      "Loops: /input_schema/definitions/a",
    );
  });

  it("says a JSON Schema error of an input or an output without the validator's words", () => {
    const required = {
      path: "/output",
      keyword: "required",
      message: 'Instance does not have required property "text".',
    };
    expect(schemaErrorInWords(required, "output")).toBe(
      "The response: It is missing, and the output schema requires it.",
    );
    const type = {
      path: "/output/price",
      keyword: "type",
      message: 'Instance type "string" is invalid. Expected "number".',
    };
    expect(schemaErrorInWords(type, "output")).toBe("At price: A number was expected, but the API sent text.");
    expect(schemaErrorInWords(type, "input")).toBe("Enter a number.");
  });

  it("places a JSON mistake by line and column, never quoting the input", () => {
    const text = '[1, 2\n  "secret-looking"';
    let error: unknown;
    try {
      JSON.parse(text);
    } catch (err) {
      error = err;
    }
    const words = jsonSyntaxInWords(text, error);
    expect(words).toMatch(/^This is not valid JSON: there is a mistake at line 2, column \d+\./);
    expect(words).not.toContain("secret-looking");
  });

  it("heads a failed run with what happened, on whose side, and what to try", () => {
    expect(failureInWords({ kind: "upstream_status", upstreamStatus: 401, body: null })).toBe(
      "The API refused the credentials (HTTP 401). Check the key or token under Authentication.",
    );
    expect(failureInWords({ kind: "network_error", phase: "upstream" })).toBe(
      "The API could not be reached. Check the endpoint URL's host name, and that the API is up.",
    );
    expect(failureInWords({ kind: "token_error", tokenStatus: 401, oauthError: "invalid_client", detail: "" })).toBe(
      "The token URL refused the client ID or client secret. Check them under Authentication.",
    );
  });

  it("says an import's missing secret by the Import page's labels", () => {
    expect(importMessageInWords('Its security scheme "key" needs an API key: send auth_config.value.')).toBe(
      'Its security scheme "key" needs the API key value: enter it under Secrets, then preview again.',
    );
  });
});
