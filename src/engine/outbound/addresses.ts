/**
 * What kind of address an IP is: public, or one of the special-purpose blocks
 * (IANA IPv4/IPv6 special-purpose registries) that a server on the public
 * internet has no business calling. IPv6 forms that carry an IPv4 address
 * (mapped, compatible, NAT64, 6to4) are judged by that IPv4 address.
 */
import { cidrContains, parseCidr, type Cidr, type IpAddress } from "./ip";

export type AddressClass =
  "public" | "loopback" | "private" | "link_local" | "cgnat" | "multicast" | "unspecified" | "metadata" | "reserved";

function table(entries: [string, AddressClass][]): [Cidr, AddressClass][] {
  return entries.map(([text, kind]) => {
    const cidr = parseCidr(text);
    if (!cidr) throw new Error(`bad built-in CIDR ${text}`);
    return [cidr, kind];
  });
}

/** First match wins: cloud metadata endpoints before the blocks that contain them. */
const IPV4: [Cidr, AddressClass][] = table([
  ["169.254.169.254/32", "metadata"], // AWS, GCP, Azure, OpenStack, Oracle ...
  ["169.254.170.2/32", "metadata"], // AWS ECS task metadata
  ["100.100.100.200/32", "metadata"], // Alibaba Cloud
  ["0.0.0.0/8", "unspecified"], // "this network"; 0.0.0.0 reaches the local host on many systems
  ["10.0.0.0/8", "private"],
  ["100.64.0.0/10", "cgnat"],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link_local"],
  ["172.16.0.0/12", "private"],
  ["192.0.0.0/24", "reserved"], // IETF protocol assignments
  ["192.0.2.0/24", "reserved"], // documentation
  ["192.88.99.0/24", "reserved"], // 6to4 relay anycast (deprecated)
  ["192.168.0.0/16", "private"],
  ["198.18.0.0/15", "reserved"], // benchmarking
  ["198.51.100.0/24", "reserved"], // documentation
  ["203.0.113.0/24", "reserved"], // documentation
  ["224.0.0.0/4", "multicast"],
  ["240.0.0.0/4", "reserved"], // future use, and 255.255.255.255 broadcast
]);

const IPV6: [Cidr, AddressClass][] = table([
  ["::/128", "unspecified"],
  ["::1/128", "loopback"],
  ["fd00:ec2::254/128", "metadata"], // AWS IMDS over IPv6
  ["64:ff9b:1::/48", "private"], // local-use NAT64
  ["100::/64", "reserved"], // discard-only
  ["2001::/23", "reserved"], // IETF protocol assignments, Teredo included
  ["2001:db8::/32", "reserved"], // documentation
  ["fc00::/7", "private"], // unique local (ULA)
  ["fe80::/10", "link_local"],
  ["fec0::/10", "private"], // site-local (deprecated)
  ["ff00::/8", "multicast"],
]);

/** Only 2000::/3 is allocated as global unicast; everything else that is left is reserved. */
const GLOBAL_UNICAST = parseCidr("2000::/3") as Cidr;

/** IPv6 blocks whose last (or, for 6to4, second and third) 32 bits are an IPv4 address. */
const EMBEDDING_IPV4: [Cidr, number][] = [
  [parseCidr("::ffff:0:0/96") as Cidr, 12], // IPv4-mapped
  [parseCidr("::/96") as Cidr, 12], // IPv4-compatible (deprecated); :: and ::1 are matched first
  [parseCidr("64:ff9b::/96") as Cidr, 12], // NAT64
  [parseCidr("2002::/16") as Cidr, 2], // 6to4
];

/** The IPv4 address an IPv6 address carries, if it is of a form that carries one. */
export function embeddedIpv4(ip: IpAddress): IpAddress | null {
  if (ip.version !== 6) return null;
  // :: and ::1 sit inside ::/96 but are IPv6 addresses in their own right.
  if (ip.bytes.slice(0, 15).every((b) => b === 0) && (ip.bytes[15] as number) <= 1) return null;
  for (const [cidr, offset] of EMBEDDING_IPV4)
    if (cidrContains(cidr, ip)) return { version: 4, bytes: ip.bytes.slice(offset, offset + 4) };
  return null;
}

export function classifyAddress(ip: IpAddress): AddressClass {
  const v4 = embeddedIpv4(ip);
  if (v4) return classifyAddress(v4);
  for (const [cidr, kind] of ip.version === 4 ? IPV4 : IPV6) if (cidrContains(cidr, ip)) return kind;
  if (ip.version === 6 && !cidrContains(GLOBAL_UNICAST, ip)) return "reserved";
  return "public";
}
