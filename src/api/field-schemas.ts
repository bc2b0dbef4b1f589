/**
 * Field shapes that tools and connections share, so that both follow one rule:
 * names, and write-only secret values.
 */
import { z } from "@hono/zod-openapi";

/** Tool and connection names. */
export const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Secrets shorter than this are refused: every occurrence of a secret is
 * scrubbed from outputs and logs, and a very short one would match ordinary text.
 */
export const MIN_SECRET_LENGTH = 8;

/** A write-only secret field: tools' and connections' secrets follow this one rule. */
export const SecretString = (description: string) =>
  z
    .string()
    .min(MIN_SECRET_LENGTH, `Secrets must be at least ${MIN_SECRET_LENGTH} characters long.`)
    .max(8192)
    .optional()
    .openapi({ description: `${description} Write-only: never returned.`, writeOnly: true });
