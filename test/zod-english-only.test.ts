/**
 * The bundle gets zod through src/zod/english-only.ts (wrangler.toml [alias];
 * vitest.config.ts applies the same alias here). It keeps only the members of
 * `z` that toolgate uses (test/node/zod-members.node.ts) and English as the only
 * locale, and must change nothing else: these tests pin zod's English messages
 * as a client sees them, and the namespace @hono/zod-openapi extends.
 */
import { z } from "@hono/zod-openapi";
import * as zodV4 from "zod/v4";
import { describe, expect, it } from "vitest";
import { api } from "./helpers";

describe("zod with only its English locale", () => {
  it("answers a bad query parameter with zod's English messages", async () => {
    const cases: [string, string][] = [
      ["abc", "Invalid input: expected number, received NaN"],
      ["0", "Too small: expected number to be >=1"],
      ["1000", "Too big: expected number to be <=100"],
    ];
    for (const [limit, message] of cases) {
      const res = await api(`/tools?limit=${limit}`);
      expect(res.status, limit).toBe(422);
      const body = await res.json<{ code: string; errors: unknown }>();
      expect(body.code).toBe("invalid_request");
      expect(body.errors, limit).toEqual([{ path: "/query/limit", message }]);
    }
  });

  it("keeps zod's own bindings, and English as its only locale", () => {
    expect(Object.keys(z.locales)).toEqual(["en"]);
    expect(Object.keys(z.core.locales)).toEqual(["en"]);
    expect(z.locales.en).toBe(zodV4.locales.en);
    expect(z.string).toBe(zodV4.string);
    expect(z.ZodType).toBe(zodV4.ZodType);
    expect(z.core.$ZodType).toBe(zodV4.core.$ZodType);
    expect(z.string().safeParse(1).error?.issues[0]?.message).toBe("Invalid input: expected string, received number");
    expect(typeof z.string().openapi).toBe("function");
  });
});
