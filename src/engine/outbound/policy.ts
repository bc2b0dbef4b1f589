/**
 * The outbound policy: may toolgate send a request to this URL? One function,
 * pure, applied to every outbound request (tool endpoints, OAuth2 token URLs,
 * every redirect hop) and to the URLs a tool is saved with.
 *
 * - Only https, and http when `allowHttp` is set.
 * - No userinfo (`user:pass@`).
 * - Hosts must be public: IP literals in special-purpose blocks (loopback,
 *   private, link-local, CGNAT, multicast, unspecified, reserved, cloud
 *   metadata) are refused in every spelling, and so are names that only mean
 *   something on a local network (`localhost`, `*.local`, single labels...).
 * - `allowPrivateNetworks` permits loopback, private, link-local, CGNAT and
 *   local names (for local development), never metadata, multicast,
 *   unspecified or reserved addresses.
 * - The allowlist permits its hosts and CIDR blocks whatever their class.
 *
 * Workers' fetch does not expose the IP a name resolves to, so a public name
 * that resolves to a private address cannot be caught here; on Cloudflare,
 * fetch() cannot reach private addresses anyway (see README, Outbound policy).
 */
import { classifyAddress, embeddedIpv4, type AddressClass } from "./addresses";
import { cidrContains, formatIp, parseHostAddress, type Cidr, type IpAddress } from "./ip";

export type AllowlistEntry =
  { kind: "cidr"; cidr: Cidr } | { kind: "host"; host: string } | { kind: "subdomains"; suffix: string };

export interface OutboundSettings {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
  allowlist: AllowlistEntry[];
}

/** What the policy refuses when nothing is configured: the production default. */
export const STRICT_OUTBOUND: OutboundSettings = { allowHttp: false, allowPrivateNetworks: false, allowlist: [] };

export type HostClass = AddressClass | "local_name";

export type BlockReason =
  | "invalid_url"
  | "scheme"
  | "plain_http"
  | "userinfo"
  | Exclude<HostClass, "public">
  /** Set by the redirect follower, not here: a Location to another origin that carries a secret. */
  | "credential_in_redirect"
  /** Set by the http executor, not here: the endpoint is not one of its connection's allowed origins. */
  | "origin_not_allowed";

export type OutboundVerdict = { ok: true; url: URL } | { ok: false; reason: BlockReason; message: string };

/** Names of cloud metadata services, refused like their addresses. */
const METADATA_NAMES = new Set(["metadata.google.internal", "metadata.goog", "metadata", "instance-data"]);

/** Suffixes that only mean something on a local network: RFC 6762, RFC 8375, ICANN's .internal, and .localdomain. */
const LOCAL_SUFFIXES = [".local", ".internal", ".home.arpa", ".localdomain"];

/** Classes that ALLOW_PRIVATE_NETWORKS permits. */
const PRIVATE_CLASSES = new Set<HostClass>(["loopback", "private", "link_local", "cgnat", "local_name"]);

const DESCRIPTIONS: Record<Exclude<HostClass, "public">, string> = {
  loopback: "a loopback address",
  private: "a private network address",
  link_local: "a link-local address",
  cgnat: "a carrier-grade NAT (shared) address",
  multicast: "a multicast address",
  unspecified: "an unspecified address",
  metadata: "a cloud metadata endpoint",
  reserved: "a reserved, non-public address",
  local_name: "a name that only resolves on a local network",
};

/** The host of a URL without trailing dots, lowercased: how names are compared. */
export function normalizeHostName(host: string): string {
  return host.toLowerCase().replace(/\.+$/, "");
}

type HostClassification = { kind: HostClass | "invalid"; ip: IpAddress | null };

/**
 * Per-isolate cache of classifyHost by hostname: every execute checks its URL
 * twice (before credentials, and where fetch is called), and a tool calls the
 * same few hosts, so parsing the address each time was most of the check's
 * cost. The answer depends on the hostname alone. Bounded; the oldest entry
 * goes first. Callers must not change the cached `ip`.
 */
const hostClassCache = new Map<string, HostClassification>();
const HOST_CLASS_CACHE_ENTRIES = 1000;

/** What kind of host this is. `hostname` is a URL's hostname (IPv6 in brackets). */
export function classifyHost(hostname: string): HostClassification {
  const cached = hostClassCache.get(hostname);
  if (cached) return cached;
  const classified = classifyUncached(hostname);
  if (hostClassCache.size >= HOST_CLASS_CACHE_ENTRIES) hostClassCache.delete(hostClassCache.keys().next().value!);
  hostClassCache.set(hostname, classified);
  return classified;
}

/** How many hostnames the cache holds. */
export function hostClassCacheSize(): number {
  return hostClassCache.size;
}

function classifyUncached(hostname: string): HostClassification {
  const address = parseHostAddress(hostname);
  if (address === "invalid") return { kind: "invalid", ip: null };
  if (address) return { kind: classifyAddress(address), ip: address };
  const name = normalizeHostName(hostname);
  if (name === "") return { kind: "invalid", ip: null };
  if (METADATA_NAMES.has(name)) return { kind: "metadata", ip: null };
  if (name === "localhost" || name.endsWith(".localhost")) return { kind: "loopback", ip: null };
  if (!name.includes(".") || LOCAL_SUFFIXES.some((suffix) => name.endsWith(suffix)))
    return { kind: "local_name", ip: null };
  return { kind: "public", ip: null };
}

function allowlisted(hostname: string, ip: IpAddress | null, allowlist: AllowlistEntry[]): boolean {
  const name = normalizeHostName(hostname);
  const v4 = ip ? embeddedIpv4(ip) : null;
  return allowlist.some((entry) => {
    switch (entry.kind) {
      case "cidr":
        return ip !== null && (cidrContains(entry.cidr, ip) || (v4 !== null && cidrContains(entry.cidr, v4)));
      case "host":
        return ip === null && name === entry.host;
      case "subdomains":
        return ip === null && name.endsWith(`.${entry.suffix}`);
    }
  });
}

export function checkOutboundUrl(target: string | URL, settings: OutboundSettings): OutboundVerdict {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { ok: false, reason: "invalid_url", message: "The URL is not a valid absolute URL." };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return { ok: false, reason: "scheme", message: `Only https and http URLs are allowed, not ${url.protocol}.` };
  if (url.protocol === "http:" && !settings.allowHttp)
    return {
      ok: false,
      reason: "plain_http",
      message: "Plain http is not allowed; use https (ALLOW_HTTP permits http).",
    };
  if (url.username || url.password)
    return {
      ok: false,
      reason: "userinfo",
      message: "URLs with credentials (user:password@) are not allowed; use auth_config.",
    };

  const host = classifyHost(url.hostname);
  if (host.kind === "invalid")
    return { ok: false, reason: "invalid_url", message: `"${url.hostname}" is not a valid host.` };
  if (host.kind === "public") return { ok: true, url };
  if (allowlisted(url.hostname, host.ip, settings.allowlist)) return { ok: true, url };
  if (settings.allowPrivateNetworks && PRIVATE_CLASSES.has(host.kind)) return { ok: true, url };

  const shown = host.ip ? formatIp(host.ip) : normalizeHostName(url.hostname);
  const hint = PRIVATE_CLASSES.has(host.kind)
    ? " (ALLOW_PRIVATE_NETWORKS or OUTBOUND_ALLOWLIST can permit it)"
    : " (only OUTBOUND_ALLOWLIST can permit it)";
  return {
    ok: false,
    reason: host.kind,
    message: `${shown} is ${DESCRIPTIONS[host.kind]}; toolgate only calls public hosts${hint}.`,
  };
}
