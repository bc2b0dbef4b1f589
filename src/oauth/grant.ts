/**
 * What a grant holds about who approved it and what it allows, and the checks
 * that keep a grant from outliving or outgrowing that person's access.
 *
 * A grant is approved by a signed-in principal: ADMIN_TOKEN or an API key.
 * Its props (encrypted by the library with a key only its tokens unwrap)
 * record that owner, in a form that is checked again on every use:
 * - an API key by its id and hash, looked up as any bearer key is (the same
 *   30-second cache, src/access/principal.ts): revoking the key ends its grants;
 * - ADMIN_TOKEN by SHA-256 of a random salt and the token: changing
 *   ADMIN_TOKEN ends the grants it approved, and the hash is useless without
 *   the salt, which is stored beside it only inside the encrypted props.
 * and the tools it was narrowed to (null: every tool offered over MCP).
 *
 * The grant's metadata (stored in clear, for the UI's list) repeats the
 * tools and names the client; only the props are trusted for access.
 */
import { drizzle } from "drizzle-orm/d1";
import {
  constantTimeEqual,
  resolvePrincipalByKeyHash,
  usableAdminToken,
  type CredentialPrincipal,
} from "../access/principal";
import { SCOPES, type Scope } from "../access/scopes";
import { findApiKeyById } from "../access/store";
import { bytesToBase64Url } from "../encoding";
import type { Env } from "../env";

export type GrantOwner =
  { kind: "api_key"; keyId: string; keyHash: string } | { kind: "admin_token"; salt: string; tokenHash: string };

/** The grant's encrypted props. */
export interface GrantProps {
  v: 1;
  owner: GrantOwner;
  toolIds: string[] | null;
}

/** The grant's metadata, in clear in KV: what the UI lists. Never trusted for access. */
export interface GrantMetadata {
  v: 1;
  clientName: string;
  redirectHost: string;
  toolIds: string[] | null;
}

type Defer = (work: Promise<unknown>) => void;

/**
 * The library's user id for a principal: grants are listed and revoked per
 * user. It must not contain ":" (the library's token format uses it).
 */
export function grantUserIdOf(principal: CredentialPrincipal): string {
  return principal.kind === "admin_token" ? "admin-token" : `api-key-${principal.keyId}`;
}

/** The owner record for a signed-in principal, or null if its credential is gone meanwhile. */
export async function grantOwnerOf(env: Env, principal: CredentialPrincipal): Promise<GrantOwner | null> {
  if (principal.kind === "api_key") {
    const row = await findApiKeyById(drizzle(env.DB), principal.keyId);
    return row && row.revokedAt === null ? { kind: "api_key", keyId: row.id, keyHash: row.keyHash } : null;
  }
  const adminToken = usableAdminToken(env);
  if (!adminToken) return null;
  const salt = bytesToBase64Url(crypto.getRandomValues(new Uint8Array(16)));
  return { kind: "admin_token", salt, tokenHash: await adminTokenHash(salt, adminToken) };
}

/** The principal behind a grant if its credential still works, otherwise null. */
export async function ownerPrincipal(env: Env, owner: GrantOwner, defer: Defer): Promise<CredentialPrincipal | null> {
  switch (owner.kind) {
    case "api_key": {
      const principal = await resolvePrincipalByKeyHash(env, owner.keyHash, defer);
      return principal?.kind === "api_key" && principal.keyId === owner.keyId ? principal : null;
    }
    case "admin_token": {
      // An ADMIN_TOKEN too short to be accepted (src/access/principal.ts) opens no grant either.
      const adminToken = usableAdminToken(env);
      if (!adminToken) return null;
      const matches = await constantTimeEqual(owner.tokenHash, await adminTokenHash(owner.salt, adminToken));
      return matches ? { kind: "admin_token", scopes: SCOPES } : null;
    }
  }
}

export async function ownerStillValid(env: Env, owner: GrantOwner, defer: Defer): Promise<boolean> {
  return (await ownerPrincipal(env, owner, defer)) !== null;
}

/** The scopes a token may use: those it carries that its owner still holds. */
export function effectiveScopes(tokenScopes: readonly string[], owner: CredentialPrincipal): Scope[] {
  return owner.scopes.filter((scope) => tokenScopes.includes(scope));
}

/** Props as decrypted, checked for shape: anything else (a grant from another program) is refused. */
export function readGrantProps(props: unknown): GrantProps | null {
  if (typeof props !== "object" || props === null) return null;
  const { v, owner, toolIds } = props as Record<string, unknown>;
  if (v !== 1 || !isOwner(owner)) return null;
  if (toolIds !== null && !(Array.isArray(toolIds) && toolIds.every((id) => typeof id === "string"))) return null;
  return { v, owner, toolIds: toolIds as string[] | null };
}

function isOwner(value: unknown): value is GrantOwner {
  if (typeof value !== "object" || value === null) return false;
  const owner = value as Record<string, unknown>;
  if (owner.kind === "api_key") return typeof owner.keyId === "string" && typeof owner.keyHash === "string";
  if (owner.kind === "admin_token") return typeof owner.salt === "string" && typeof owner.tokenHash === "string";
  return false;
}

async function adminTokenHash(salt: string, token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`oauth-grant:${salt}:${token}`));
  return bytesToBase64Url(new Uint8Array(digest));
}
