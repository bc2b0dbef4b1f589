/**
 * The outbound policy as pure functions: IP parsing in every spelling, the
 * address classes, the URL verdicts, and the settings parser. The same
 * tables run through the Worker in ssrf.test.ts.
 */
import { describe, expect, it } from "vitest";
import { classifyAddress } from "../src/engine/outbound/addresses";
import { formatIp, parseCidr, parseHostAddress, parseIpv4, parseIpv6 } from "../src/engine/outbound/ip";
import {
  checkOutboundUrl,
  classifyHost,
  hostClassCacheSize,
  STRICT_OUTBOUND,
  type BlockReason,
  type OutboundSettings,
} from "../src/engine/outbound/policy";
import { parseAllowlistEntry, readOutboundSettings } from "../src/engine/outbound/settings";

const v4 = (text: string) => {
  const bytes = parseIpv4(text);
  return bytes ? Array.from(bytes).join(".") : null;
};

describe("IPv4 literals, WHATWG style", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["2130706433", "127.0.0.1"],
    ["0x7f000001", "127.0.0.1"],
    ["0X7F000001", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["0177.0000.0000.0001", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["127.0.1", "127.0.0.1"],
    ["0x7f.1", "127.0.0.1"],
    ["0x7f.0x0.0x0.0x1", "127.0.0.1"],
    ["127.0.0.0x1", "127.0.0.1"],
    ["127.000.000.001", "127.0.0.1"],
    ["127.0.0.1.", "127.0.0.1"],
    ["0", "0.0.0.0"],
    ["0x", "0.0.0.0"],
    ["0251.0376.0251.0376", "169.254.169.254"],
    ["2852039166", "169.254.169.254"],
    ["0xa9fea9fe", "169.254.169.254"],
    ["3232235777", "192.168.1.1"],
    ["10.1", "10.0.0.1"],
    ["4294967295", "255.255.255.255"],
  ])("%s is %s", (text, expected) => {
    expect(v4(text)).toBe(expected);
  });

  it.each([
    "4294967296",
    "0x100000000",
    "1.2.3.4.5",
    "09.0.0.1",
    "256.0.0.1",
    "1.256.0.1",
    "1.2.3.256",
    "0x7g.0.0.1",
    "",
  ])("%s is not an IPv4 address", (text) => {
    expect(v4(text)).toBeNull();
  });

  it("treats a host that ends in a number as an address even when it is an invalid one", () => {
    expect(parseHostAddress("1.2.3.4.5")).toBe("invalid");
    expect(parseHostAddress("example.09")).toBe("invalid");
    expect(parseHostAddress("example.0x1")).toBe("invalid");
    // workerd's URL parser agrees: such hosts do not parse at all.
    for (const host of ["1.2.3.4.5", "example.09", "example.0x1"]) expect(() => new URL(`https://${host}/`)).toThrow();
    expect(parseHostAddress("example.com")).toBeNull();
    expect(parseHostAddress("1example.com")).toBeNull();
  });
});

describe("IPv6 literals", () => {
  const v6 = (text: string) => {
    const bytes = parseIpv6(text);
    return bytes ? formatIp({ version: 6, bytes }) : null;
  };

  it.each([
    ["::1", "::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["::", "::"],
    ["::ffff:127.0.0.1", "::ffff:7f00:1"],
    ["::FFFF:7F00:1", "::ffff:7f00:1"],
    ["64:ff9b::10.0.0.1", "64:ff9b::a00:1"],
    ["fd00:ec2::254", "fd00:ec2::254"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["fe80::1", "fe80::1"],
  ])("%s is %s", (text, expected) => {
    expect(v6(text)).toBe(expected);
  });

  it.each([
    "",
    ":",
    ":::",
    "1:2:3:4:5:6:7:8:9",
    "1::2::3",
    "fe80::1%eth0",
    "::1.2.3",
    "::1.2.3.04",
    "1.2.3.4::",
    "12345::",
  ])("%s is not an IPv6 address", (text) => {
    expect(v6(text)).toBeNull();
  });
});

describe("address classes", () => {
  const cls = (host: string) => {
    const ip = parseHostAddress(host);
    if (!ip || ip === "invalid") throw new Error(`not an IP: ${host}`);
    return classifyAddress(ip);
  };

  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.0.1", "private"],
    ["100.64.0.1", "cgnat"],
    ["100.127.255.255", "cgnat"],
    ["169.254.1.1", "link_local"],
    ["169.254.169.254", "metadata"],
    ["169.254.170.2", "metadata"],
    ["100.100.100.200", "metadata"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["255.255.255.255", "reserved"],
    ["240.0.0.1", "reserved"],
    ["192.0.2.1", "reserved"],
    ["198.18.0.1", "reserved"],
    ["[::1]", "loopback"],
    ["[::]", "unspecified"],
    ["[::ffff:127.0.0.1]", "loopback"],
    ["[::ffff:a9fe:a9fe]", "metadata"],
    ["[::127.0.0.1]", "loopback"],
    ["[64:ff9b::10.0.0.1]", "private"],
    ["[2002:c0a8:101::1]", "private"],
    ["[fc00::1]", "private"],
    ["[fd00:ec2::254]", "metadata"],
    ["[fe80::1]", "link_local"],
    ["[febf::1]", "link_local"],
    ["[fec0::1]", "private"],
    ["[ff02::1]", "multicast"],
    ["[2001:db8::1]", "reserved"],
    ["[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "reserved"], // Teredo
    ["[100::1]", "reserved"],
    ["[4000::1]", "reserved"], // outside 2000::/3
    // Public, for contrast.
    ["8.8.8.8", "public"],
    ["172.32.0.1", "public"],
    ["100.128.0.1", "public"],
    ["[2606:4700:4700::1111]", "public"],
    ["[::ffff:8.8.8.8]", "public"],
    ["[64:ff9b::8.8.8.8]", "public"],
  ])("%s is %s", (host, expected) => {
    expect(cls(host)).toBe(expected);
  });
});

describe("host names", () => {
  it.each([
    ["localhost", "loopback"],
    ["LOCALHOST", "loopback"],
    ["localhost.", "loopback"],
    ["api.localhost", "loopback"],
    ["a.b.localhost..", "loopback"],
    ["metadata.google.internal", "metadata"],
    ["metadata.google.internal.", "metadata"],
    ["metadata", "metadata"],
    ["printer.local", "local_name"],
    ["db.internal", "local_name"],
    ["router.home.arpa", "local_name"],
    ["intranet", "local_name"],
    ["api.example.com", "public"],
    ["localhost.example.com", "public"],
    ["local.example.com", "public"],
  ])("%s is %s", (host, expected) => {
    expect(classifyHost(host).kind).toBe(expected);
  });

  // What the URL parser hands us is normalised, but the policy does not rely on it:
  // these are hostnames as they would arrive from a parser that did nothing.
  it.each([
    ["2130706433", "loopback"],
    ["0x7f000001", "loopback"],
    ["0177.0.0.1", "loopback"],
    ["127.1", "loopback"],
    ["0x7f.1", "loopback"],
    ["127.0.0.1.", "loopback"],
    ["0251.0376.0251.0376", "metadata"],
    ["0xc0a80101", "private"],
    ["[0:0:0:0:0:0:0:1]", "loopback"],
    ["[::ffff:7f00:1]", "loopback"],
    ["1.2.3.4.5", "invalid"],
    ["[fe80::1%25eth0]", "invalid"],
  ])("unnormalised %s is %s", (host, expected) => {
    expect(classifyHost(host).kind).toBe(expected);
  });
});

describe("the per-isolate host cache", () => {
  it("answers a host seen before from the cache, and holds at most 1,000 hosts", () => {
    const first = classifyHost("10.1.2.3");
    expect(classifyHost("10.1.2.3")).toBe(first);
    expect(first.kind).toBe("private");
    for (let i = 0; i < 1500; i++) classifyHost(`host-${i}.example.com`);
    expect(hostClassCacheSize()).toBe(1000);
    // Evicted and classified again: the same answer.
    expect(classifyHost("10.1.2.3")).toEqual(first);
    expect(classifyHost("127.0.0.1").kind).toBe("loopback");
  });
});

describe("URL verdicts", () => {
  const verdict = (url: string, settings: OutboundSettings = STRICT_OUTBOUND) => {
    const v = checkOutboundUrl(url, settings);
    return v.ok ? "ok" : v.reason;
  };

  it("workerd's URL parser normalises IPv4 spellings, and the verdict is the same either way", () => {
    const spellings: [string, string][] = [
      ["https://2130706433/", "127.0.0.1"],
      ["https://0x7f000001/", "127.0.0.1"],
      ["https://0177.0.0.1/", "127.0.0.1"],
      ["https://127.1/", "127.0.0.1"],
      ["https://127.0.0.1./", "127.0.0.1"],
      ["https://①②⑦.0.0.1/", "127.0.0.1"],
      ["https://０x7f.0.0.1/", "127.0.0.1"],
      ["https://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]"],
      ["https://[0:0:0:0:0:0:0:1]/", "[::1]"],
      ["https://%6c%6fcalhost/", "localhost"],
      ["https://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/", "localhost"],
      ["https://LOCALHOST./", "localhost."],
    ];
    for (const [raw, hostname] of spellings) {
      expect(new URL(raw).hostname, raw).toBe(hostname);
      expect(verdict(raw), raw).toBe("loopback");
    }
  });

  it.each<[string, BlockReason | "ok"]>([
    ["https://api.example.com/v1", "ok"],
    ["https://8.8.8.8/", "ok"],
    ["https://[2606:4700:4700::1111]/", "ok"],
    ["http://api.example.com/", "plain_http"],
    ["ftp://api.example.com/", "scheme"],
    ["file:///etc/passwd", "scheme"],
    ["gopher://127.0.0.1:25/", "scheme"],
    ["javascript:alert(1)", "scheme"],
    ["https://user:pass@api.example.com/", "userinfo"],
    ["https://user@api.example.com/", "userinfo"],
    ["https://api.example.com@127.0.0.1/", "userinfo"],
    ["not a url", "invalid_url"],
    ["https://4294967296/", "invalid_url"],
    ["https://169.254.169.254/latest/meta-data/", "metadata"],
    ["https://[fd00:ec2::254]/", "metadata"],
    ["https://metadata.google.internal/computeMetadata/v1/", "metadata"],
    ["https://10.0.0.1/", "private"],
    ["https://100.64.0.1/", "cgnat"],
    ["https://[fe80::1]/", "link_local"],
    ["https://224.0.0.1/", "multicast"],
    ["https://0.0.0.0/", "unspecified"],
    ["https://240.0.0.1/", "reserved"],
    ["https://intranet/", "local_name"],
    ["https://api.localhost/", "loopback"],
  ])("%s: %s", (url, expected) => {
    expect(verdict(url)).toBe(expected);
  });

  it("ALLOW_HTTP permits plain http, nothing else", () => {
    const settings = { ...STRICT_OUTBOUND, allowHttp: true };
    expect(verdict("http://api.example.com/", settings)).toBe("ok");
    expect(verdict("http://127.0.0.1/", settings)).toBe("loopback");
    expect(verdict("ftp://api.example.com/", settings)).toBe("scheme");
  });

  it("ALLOW_PRIVATE_NETWORKS permits private hosts and local names, never metadata, multicast or reserved", () => {
    const settings = { ...STRICT_OUTBOUND, allowPrivateNetworks: true };
    for (const url of [
      "https://127.0.0.1/",
      "https://localhost:8788/",
      "https://10.1.2.3/",
      "https://192.168.1.1/",
      "https://100.64.0.1/",
      "https://169.254.1.1/",
      "https://[fd12::1]/",
      "https://[::1]/",
      "https://printer.local/",
      "https://intranet/",
    ])
      expect(verdict(url, settings), url).toBe("ok");
    expect(verdict("https://169.254.169.254/", settings)).toBe("metadata");
    expect(verdict("https://metadata.google.internal/", settings)).toBe("metadata");
    expect(verdict("https://[::ffff:169.254.169.254]/", settings)).toBe("metadata");
    expect(verdict("https://224.0.0.1/", settings)).toBe("multicast");
    expect(verdict("https://0.0.0.0/", settings)).toBe("unspecified");
    expect(verdict("https://240.0.0.1/", settings)).toBe("reserved");
    expect(verdict("http://127.0.0.1/", settings)).toBe("plain_http");
  });

  it("the allowlist permits exactly its hosts, subdomains and blocks", () => {
    const read = readOutboundSettings({
      OUTBOUND_ALLOWLIST: "10.0.0.5, db.internal,192.168.1.0/24 *.corp.internal fd12::/16",
    });
    if (!read.ok) throw new Error(read.problems.join(" "));
    const settings = read.settings;
    expect(verdict("https://10.0.0.5/", settings)).toBe("ok");
    expect(verdict("https://167772165/", settings)).toBe("ok"); // 10.0.0.5 in decimal
    expect(verdict("https://[::ffff:10.0.0.5]/", settings)).toBe("ok");
    expect(verdict("https://10.0.0.6/", settings)).toBe("private");
    expect(verdict("https://192.168.1.200/", settings)).toBe("ok");
    expect(verdict("https://192.168.2.1/", settings)).toBe("private");
    expect(verdict("https://db.internal./", settings)).toBe("ok");
    expect(verdict("https://DB.internal/", settings)).toBe("ok");
    expect(verdict("https://other.internal/", settings)).toBe("local_name");
    expect(verdict("https://a.corp.internal/", settings)).toBe("ok");
    expect(verdict("https://corp.internal/", settings)).toBe("local_name");
    expect(verdict("https://[fd12:1::5]/", settings)).toBe("ok");
    expect(verdict("https://[fd13::5]/", settings)).toBe("private");
    expect(verdict("http://10.0.0.5/", settings)).toBe("plain_http");
  });

  it("the messages name the host and the setting that could permit it", () => {
    const refused = checkOutboundUrl("https://2130706433/x", STRICT_OUTBOUND);
    expect(refused).toEqual({
      ok: false,
      reason: "loopback",
      message:
        "127.0.0.1 is a loopback address; toolgate only calls public hosts (ALLOW_PRIVATE_NETWORKS or OUTBOUND_ALLOWLIST can permit it).",
    });
    const metadata = checkOutboundUrl("https://169.254.169.254/", STRICT_OUTBOUND);
    expect(metadata.ok ? "" : metadata.message).toContain("only OUTBOUND_ALLOWLIST can permit it");
  });
});

describe("settings", () => {
  it("defaults to the strict policy", () => {
    expect(readOutboundSettings({})).toEqual({ ok: true, settings: STRICT_OUTBOUND });
    expect(readOutboundSettings({ ALLOW_HTTP: "", ALLOW_PRIVATE_NETWORKS: "false", OUTBOUND_ALLOWLIST: "" })).toEqual({
      ok: true,
      settings: STRICT_OUTBOUND,
    });
  });

  it.each([
    ["true", true],
    ["TRUE", true],
    ["1", true],
    ["yes", true],
    ["on", true],
    ["false", false],
    ["0", false],
    ["off", false],
  ])("reads the switch %s as %s", (text, expected) => {
    expect(readOutboundSettings({ ALLOW_HTTP: text })).toMatchObject({ ok: true, settings: { allowHttp: expected } });
    expect(readOutboundSettings({ ALLOW_PRIVATE_NETWORKS: text })).toMatchObject({
      ok: true,
      settings: { allowPrivateNetworks: expected },
    });
  });

  it("refuses what it cannot read, naming every problem", () => {
    const read = readOutboundSettings({
      ALLOW_HTTP: "maybe",
      OUTBOUND_ALLOWLIST: "10.0.0.0/33,ok.example.com,192.168.1.5/24,https://x.example.com,*.10.0.0.1",
    });
    expect(read).toEqual({
      ok: false,
      problems: [
        'ALLOW_HTTP must be "true" or "false".',
        'OUTBOUND_ALLOWLIST entry "10.0.0.0/33" is not a host name, *.domain, IP address or CIDR block.',
        'OUTBOUND_ALLOWLIST entry "192.168.1.5/24" is not a host name, *.domain, IP address or CIDR block.',
        'OUTBOUND_ALLOWLIST entry "https://x.example.com" is not a host name, *.domain, IP address or CIDR block.',
        'OUTBOUND_ALLOWLIST entry "*.10.0.0.1" is not a host name, *.domain, IP address or CIDR block.',
      ],
    });
  });

  it.each([
    ["10.0.0.5", { kind: "cidr", cidr: parseCidr("10.0.0.5/32") }],
    ["[fd12::1]", { kind: "cidr", cidr: parseCidr("fd12::1/128") }],
    ["fd12::/16", { kind: "cidr", cidr: parseCidr("fd12::/16") }],
    ["Internal.Example.com.", { kind: "host", host: "internal.example.com" }],
    ["*.corp.example.com", { kind: "subdomains", suffix: "corp.example.com" }],
    ["bücher.example", { kind: "host", host: "xn--bcher-kva.example" }],
    ["2130706433", { kind: "cidr", cidr: parseCidr("127.0.0.1/32") }],
  ])("reads the allowlist entry %s", (text, expected) => {
    expect(parseAllowlistEntry(text)).toEqual(expected);
  });
});
