/**
 * Stands in for `zod` in the bundle (wrangler.toml `[alias]`): the members of
 * `z` that toolgate uses, and English as the only locale. @hono/zod-openapi
 * re-exports this module's namespace as `z` and calls `extendZodWithOpenApi(z)`
 * with it, so esbuild keeps every export of it: with zod's own `export *`,
 * that was all of zod (its 50-odd locales alone some 260 KiB; z.fromJSONSchema,
 * z.compile, z.core's internals, the ISO, codec, template-literal and other
 * schema types about 90 KiB more) though toolgate calls a dozen of them.
 * Each member is zod's own binding, re-exported as is; zod configures `en`
 * itself when its first schema is made (zod/v4/classic/schemas.js), so error
 * messages are unchanged.
 *
 * A member missing here is `undefined` in the bundle and in the workerd tests
 * (vitest.config.ts applies the same alias), while tsc, which reads zod's own
 * types, sees no problem: test/node/zod-members.node.ts fails when src/ uses a
 * member of `z` that this list lacks.
 */
import en from "zod/v4/locales/en.js";
import * as z from "./english-only.js";

export {
  array,
  boolean,
  coerce,
  discriminatedUnion,
  enum,
  iso,
  literal,
  number,
  object,
  record,
  string,
  union,
  unknown,
  ZodType,
} from "zod/v4";
export * as core from "./core-english-only.js";
export const locales = { en };
export { z, z as default };
