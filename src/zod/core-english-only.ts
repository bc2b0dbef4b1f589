/**
 * zod's `core` namespace with `locales` cut down to English; see ./english-only.ts.
 */
import en from "zod/v4/locales/en.js";

export * from "zod/v4/core";
// A local export shadows the `locales` that `export *` would bring in.
export const locales = { en };
