/**
 * Field shapes that tools and connections share, so that both follow one rule:
 * names, and write-only secret values.
 */
import { z } from "@hono/zod-openapi";

/** Tool and connection names. */
export const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A secret of any length is taken: a short one is redacted as a whole value
 * only (src/engine/redact.ts), so that it cannot mangle ordinary text. An
 * empty one is no secret at all.
 */
export const EMPTY_SECRET_MESSAGE = "A secret cannot be empty: leave the field out instead.";

/** A write-only secret field: tools' and connections' secrets follow this one rule. */
export const SecretString = (description: string) =>
  z
    .string()
    .min(1, EMPTY_SECRET_MESSAGE)
    .max(8192)
    .optional()
    .openapi({ description: `${description} Write-only: never returned.`, writeOnly: true });
