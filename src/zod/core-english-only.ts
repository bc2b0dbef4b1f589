/**
 * zod's `core` namespace as `z.core` in the bundle, cut down like `z` (see
 * ./english-only.ts): toolgate uses z.core only for types, which come from
 * zod itself, so at run time it keeps the base class and English.
 */
import en from "zod/v4/locales/en.js";

export { $ZodType } from "zod/v4/core";
export const locales = { en };
