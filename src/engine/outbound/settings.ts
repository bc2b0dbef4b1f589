/**
 * The outbound policy's settings, read from Worker vars. A value that cannot
 * be understood is an error, never a silent default: a typo in an allowlist
 * must not quietly permit or refuse something other than what was meant.
 */
import type { Env } from "../../env";
import { AppError } from "../../problem";
import { parseCidr, parseHostAddress } from "./ip";
import { normalizeHostName, type AllowlistEntry, type OutboundSettings } from "./policy";

export type OutboundVars = Pick<Env, "ALLOW_HTTP" | "ALLOW_PRIVATE_NETWORKS" | "OUTBOUND_ALLOWLIST">;

export type SettingsResult = { ok: true; settings: OutboundSettings } | { ok: false; problems: string[] };

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["", "false", "0", "no", "off"]);

/** A switch's value: true, false, or null when it is not one of the spellings above. Unset reads as false. */
export function parseSwitch(value: string | undefined): boolean | null {
  const text = (value ?? "").trim().toLowerCase();
  return TRUE.has(text) ? true : FALSE.has(text) ? false : null;
}

/** Per-isolate cache: the vars rarely change, and executes read them on every call. */
const settingsCache = new Map<string, SettingsResult>();

export function readOutboundSettings(vars: OutboundVars): SettingsResult {
  const cacheKey = JSON.stringify([vars.ALLOW_HTTP, vars.ALLOW_PRIVATE_NETWORKS, vars.OUTBOUND_ALLOWLIST]);
  let result = settingsCache.get(cacheKey);
  if (!result) {
    result = parseOutboundSettings(vars);
    if (settingsCache.size >= 16) settingsCache.clear();
    settingsCache.set(cacheKey, result);
  }
  return result;
}

function parseOutboundSettings(vars: OutboundVars): SettingsResult {
  const problems: string[] = [];
  const flag = (name: keyof OutboundVars, value: string | undefined): boolean => {
    const parsed = parseSwitch(value);
    if (parsed === null) problems.push(`${name} must be "true" or "false".`);
    return parsed === true;
  };
  const allowHttp = flag("ALLOW_HTTP", vars.ALLOW_HTTP);
  const allowPrivateNetworks = flag("ALLOW_PRIVATE_NETWORKS", vars.ALLOW_PRIVATE_NETWORKS);
  const allowlist: AllowlistEntry[] = [];
  for (const text of (vars.OUTBOUND_ALLOWLIST ?? "").split(/[\s,]+/).filter(Boolean)) {
    const entry = parseAllowlistEntry(text);
    if (entry) allowlist.push(entry);
    else
      problems.push(
        `OUTBOUND_ALLOWLIST entry "${text.slice(0, 100)}" is not a host name, *.domain, IP address or CIDR block.`,
      );
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, settings: { allowHttp, allowPrivateNetworks, allowlist } };
}

/** The settings, or a 500 outbound_config_invalid for the caller to answer with. */
export function requireOutboundSettings(vars: OutboundVars): OutboundSettings {
  const read = readOutboundSettings(vars);
  if (read.ok) return read.settings;
  throw new AppError(
    500,
    "outbound_config_invalid",
    `The outbound policy settings are not valid, so no URL can be checked: ${read.problems.join(" ")}`,
  );
}

/** `10.0.0.5`, `192.168.1.0/24`, `fd12::/16`, `[fd12::1]`, `internal.example.com`, `*.corp.example.com`. */
export function parseAllowlistEntry(text: string): AllowlistEntry | null {
  if (text.includes("/")) {
    const cidr = parseCidr(text);
    return cidr ? { kind: "cidr", cidr } : null;
  }
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const single = parseCidr(bare);
  if (single) return { kind: "cidr", cidr: single };

  const wildcard = text.startsWith("*.");
  const name = wildcard ? text.slice(2) : text;
  if (name === "" || /[/?#@:\\*[\]\s%]/.test(name)) return null;
  let hostname: string;
  try {
    // The URL parser applies the same normalisation (case, IDNA, IPv4 spellings) as to request URLs.
    hostname = new URL(`https://${name}/`).hostname;
  } catch {
    return null;
  }
  const address = parseHostAddress(hostname);
  if (address === "invalid") return null;
  if (address) {
    if (wildcard) return null;
    return { kind: "cidr", cidr: { ...address, prefix: address.bytes.length * 8 } };
  }
  const host = normalizeHostName(hostname);
  if (host === "") return null;
  return wildcard ? { kind: "subdomains", suffix: host } : { kind: "host", host };
}
