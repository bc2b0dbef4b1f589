/**
 * Stands in for `zod` in the bundle (wrangler.toml `[alias]`), with only the
 * English locale. @hono/zod-openapi calls `extendZodWithOpenApi(z)`, which
 * uses the `z` namespace as a value, so esbuild keeps every export of it,
 * including `z.locales` and `z.core.locales`: all 50-odd locales, some 260 KiB.
 * toolgate only ever speaks English, and zod configures `en` itself when it
 * loads (zod/v4/classic/schemas.js), so error messages are unchanged. Every
 * other export is zod's own binding, re-exported as is.
 */
import en from "zod/v4/locales/en.js";
import * as z from "./english-only.js";

export * from "zod/v4";
// Local exports shadow the ones `export *` would bring in from zod.
export * as core from "./core-english-only.js";
export const locales = { en };
export { z, z as default };
