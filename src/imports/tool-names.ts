/**
 * Tool names for imported operations: 1-64 of A-Z a-z 0-9 _ -, from the
 * operationId (or the method and path), unique among themselves and the
 * registry by a numeric suffix. Pure.
 */
const MAX_NAME = 64;

function clean(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, "_").replace(/^_+|_+$/g, "");
}

/** `get_users_id_orders` for GET /users/{id}/orders; `get_root` for GET /. */
export function methodPathName(method: string, path: string): string {
  return `${method.toLowerCase()}_${clean(path.replace(/[{}]/g, "")) || "root"}`;
}

/** The name an operation asks for, before de-duplication. `prefix` is already valid name characters. */
export function baseToolName(prefix: string, operationId: string | null, method: string, path: string): string {
  const own = (operationId && clean(operationId)) || methodPathName(method, path);
  return clean(`${prefix}${own}`).slice(0, MAX_NAME) || methodPathName(method, path).slice(0, MAX_NAME);
}

/** `base`, or `base_2`, `base_3`, ... (shortened to fit 64 characters), whichever `taken` lacks. */
export function uniqueToolName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `_${n}`;
    const name = `${base.slice(0, MAX_NAME - suffix.length)}${suffix}`;
    if (!taken.has(name)) return name;
  }
}

/** What a registry lookup must match to see every name `uniqueToolName(base, ...)` could collide with. */
export function lookupPrefix(base: string): string {
  return base.slice(0, MAX_NAME - 8);
}
