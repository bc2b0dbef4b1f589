/** A JSON object: not null, not an array. The one definition (src/engine/schemas.ts re-exports it). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
