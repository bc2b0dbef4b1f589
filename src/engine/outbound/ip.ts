/**
 * IP literals and CIDR blocks, parsed without trusting anyone else's
 * normalisation. IPv4 follows the WHATWG URL host parser exactly (decimal,
 * hex `0x7f`, octal `0177`, and the short forms `127.1` and `2130706433`), so
 * a host that a URL parser would treat as an address is always seen as one
 * here, even if it reaches us unnormalised.
 */

export type IpAddress = { version: 4; bytes: Uint8Array } | { version: 6; bytes: Uint8Array };

export interface Cidr {
  version: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

/**
 * WHATWG "ends in a number": a host whose last label is digits or a `0x` hex
 * number is an IPv4 address or invalid, never a domain name.
 */
export function endsInNumber(host: string): boolean {
  const parts = host.split(".");
  if (parts.at(-1) === "") {
    if (parts.length === 1) return false;
    parts.pop();
  }
  const last = parts.at(-1) ?? "";
  if (/^[0-9]+$/.test(last)) return true;
  return parseIpv4Number(last) !== null;
}

/** One IPv4 part: decimal, `0x` hex, or `0`-prefixed octal. */
function parseIpv4Number(text: string): number | null {
  if (text === "") return null;
  let digits = text;
  let radix = 10;
  if (/^0[xX]/.test(digits)) {
    digits = digits.slice(2);
    radix = 16;
  } else if (digits.length > 1 && digits.startsWith("0")) {
    digits = digits.slice(1);
    radix = 8;
  }
  if (digits === "") return 0;
  const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!valid.test(digits)) return null;
  // Past 2^32 the exact value no longer matters: the address is invalid either way.
  const value = radix === 10 ? Number(digits) : parseInt(digits, radix);
  return Number.isFinite(value) ? value : null;
}

/** The WHATWG IPv4 parser: 1 to 4 parts, the last filling the remaining bytes. */
export function parseIpv4(host: string): Uint8Array | null {
  const parts = host.split(".");
  if (parts.at(-1) === "" && parts.length > 1) parts.pop();
  if (parts.length > 4 || parts.length === 0) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const n = parseIpv4Number(part);
    if (n === null) return null;
    numbers.push(n);
  }
  const last = numbers.pop() as number;
  if (numbers.some((n) => n > 255)) return null;
  if (last >= 256 ** (4 - numbers.length)) return null;
  let value = last;
  numbers.forEach((n, i) => (value += n * 256 ** (3 - i)));
  return new Uint8Array([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);
}

/** An IPv6 address without brackets: hex groups, one `::`, an optional dotted IPv4 tail. No zone ids. */
export function parseIpv6(text: string): Uint8Array | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (part: string): number[] | null => {
    if (part === "") return [];
    const pieces = part.split(":");
    const groups: number[] = [];
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseDottedQuad(piece);
        if (!v4) return null;
        groups.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) groups.push(parseInt(piece, 16));
      else return null;
    }
    return groups;
  };
  const head = groupsOf(halves[0] as string);
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : [];
  if (!head || !tail) return null;
  // A dotted tail is only allowed at the very end.
  if (halves.length === 2 && (halves[0] as string).includes(".")) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 255;
  });
  return bytes;
}

/** Strict dotted-quad decimal, as allowed inside IPv6 and in CIDR notation. */
function parseDottedQuad(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (const [i, part] of parts.entries()) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return null;
    bytes[i] = Number(part);
  }
  return bytes;
}

/**
 * The address a URL host names, or null for a domain name. `[...]` is IPv6;
 * anything that ends in a number is IPv4 (invalid ones return "invalid").
 */
export function parseHostAddress(host: string): IpAddress | "invalid" | null {
  if (host.startsWith("[")) {
    if (!host.endsWith("]")) return "invalid";
    const bytes = parseIpv6(host.slice(1, -1));
    return bytes ? { version: 6, bytes } : "invalid";
  }
  if (host.includes(":")) {
    const bytes = parseIpv6(host);
    return bytes ? { version: 6, bytes } : "invalid";
  }
  if (!endsInNumber(host)) return null;
  const bytes = parseIpv4(host);
  return bytes ? { version: 4, bytes } : "invalid";
}

/** A CIDR block (`10.0.0.0/8`, `fc00::/7`) or a single address. Host bits past the prefix are refused. */
export function parseCidr(text: string): Cidr | null {
  const [address = "", prefixText, extra] = text.split("/");
  if (extra !== undefined) return null;
  const v4 = parseDottedQuad(address);
  const bytes = v4 ?? parseIpv6(address);
  if (!bytes) return null;
  const version = v4 ? 4 : 6;
  const bits = bytes.length * 8;
  if (prefixText !== undefined && !/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return null;
  const cidr: Cidr = { version, bytes, prefix };
  const masked = maskBytes(bytes, prefix);
  return masked.every((b, i) => b === bytes[i]) ? cidr : null;
}

function maskBytes(bytes: Uint8Array, prefix: number): Uint8Array {
  return bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
}

export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  if (cidr.version !== ip.version) return false;
  const masked = maskBytes(ip.bytes, cidr.prefix);
  return masked.every((b, i) => b === cidr.bytes[i]);
}

/** Dotted quad for IPv4, RFC 5952 text (lowercase, longest zero run as `::`) for IPv6. */
export function formatIp(ip: IpAddress): string {
  if (ip.version === 4) return Array.from(ip.bytes).join(".");
  const groups = Array.from(
    { length: 8 },
    (_, i) => ((ip.bytes[2 * i] as number) << 8) | (ip.bytes[2 * i + 1] as number),
  );
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(":");
  return `${hex.slice(0, best.start).join(":")}::${hex.slice(best.start + best.length).join(":")}`;
}
