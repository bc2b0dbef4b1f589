import { describe, expect, it } from "vitest";
import { isCredentialHeaderName, NOT_CREDENTIAL_HEADERS } from "../src/registry/credential-headers";

describe("isCredentialHeaderName", () => {
  it.each([
    "Authorization",
    "proxy-authorization",
    "Cookie",
    "X-Shopify-Access-Token",
    "X-Auth-Token",
    "Private-Token",
    "Api-Key",
    "X-API-Key",
    "apikey",
    "X-Goog-Api-Key",
    "X-Client-Secret",
    "X-Webhook-Secret-Value",
    "X-Password",
    "Db-Password-Hint",
  ])("%s carries a credential", (name) => {
    expect(isCredentialHeaderName(name)).toBe(true);
  });

  it.each(["Idempotency-Key", "Accept", "X-Request-Id", "Content-Type", "X-Tokens-Left", "Token-Count", "X-Key-Id"])(
    "%s is an ordinary header",
    (name) => {
      expect(isCredentialHeaderName(name)).toBe(false);
    },
  );

  it("the exceptions match the patterns, and only the list keeps them ordinary", () => {
    for (const name of NOT_CREDENTIAL_HEADERS) {
      expect(name.endsWith("-token"), name).toBe(true);
      expect(isCredentialHeaderName(name.toUpperCase())).toBe(false);
    }
  });
});
