/**
 * PUBLIC_BASE_URL: the public origin of this deployment, as clients reach it
 * (https://toolgate.example.com). Whatever must name the service by an
 * absolute URL reads it here: the OpenAPI document's `servers` now, and
 * OAuth's issuer and redirect URIs later. Unset, callers fall back to what a
 * relative URL can do.
 */
import type { Env } from "./env";
import { AppError } from "./problem";

/** The configured origin without a trailing slash, or null when unset; a value that is not an origin fails closed. */
export function publicBaseUrl(env: Pick<Env, "PUBLIC_BASE_URL">): string | null {
  const value = env.PUBLIC_BASE_URL?.trim() ?? "";
  if (value === "") return null;
  const problem = originProblem(value);
  if (problem)
    throw new AppError(
      500,
      "public_base_url_invalid",
      `PUBLIC_BASE_URL ${problem}; set it to the public origin of this deployment, such as https://toolgate.example.com.`,
    );
  return new URL(value).origin;
}

/** Why `value` is not an http(s) origin, or null when it is one. */
function originProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not an absolute URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "is not an http or https URL";
  if (url.username !== "" || url.password !== "") return "has credentials in it";
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") return "has a path, query or fragment";
  return null;
}
