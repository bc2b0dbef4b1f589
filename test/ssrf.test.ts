/**
 * SSRF, through the Worker: every URL in the table is refused when a tool is
 * saved with it (422) and when a stored tool points at it (403, nothing
 * sent, logged). Redirect chains into private space stop at the refused hop.
 * The upstream double records every request that leaves and fails the test
 * on any it did not expect.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { loadKeyring } from "../src/crypto/keyring";
import { sealSecret } from "../src/crypto/seal";
import { toolDestination, toolSecretBinding } from "../src/engine/auth/binding";
import type { BlockReason } from "../src/engine/outbound/policy";
import { api, callWorker, createTool, execute, httpTool, json, uniqueName, useUpstream, waitForLog } from "./helpers";

const upstream = useUpstream();

/**
 * Seals a tool's secrets again for its row as it now stands in D1. A row
 * changed in D1 alone no longer opens its secrets (binding_mismatch), which
 * would stop the execution before the outbound policy is reached.
 */
async function resealFor(toolId: string, plaintexts: Record<string, string>): Promise<void> {
  const row = await env.DB.prepare("SELECT auth_params, endpoint_url FROM tools WHERE id = ?")
    .bind(toolId)
    .first<{ auth_params: string; endpoint_url: string | null }>();
  const destination = toolDestination({ authParams: JSON.parse(row!.auth_params), endpointUrl: row!.endpoint_url });
  const keyring = await loadKeyring(env);
  const sealed: Record<string, string> = {};
  for (const [field, plaintext] of Object.entries(plaintexts))
    sealed[field] = await sealSecret(keyring, plaintext, toolSecretBinding(toolId, field, destination));
  await env.DB.prepare("UPDATE tools SET auth_secrets = ? WHERE id = ?").bind(JSON.stringify(sealed), toolId).run();
}

/** URL → why it is refused. Spellings of the same address are listed on purpose. */
const SSRF_TABLE: [string, BlockReason][] = [
  // IPv4 loopback, every spelling
  ["https://127.0.0.1/", "loopback"],
  ["https://127.0.0.1:8443/admin", "loopback"],
  ["https://2130706433/", "loopback"],
  ["https://0x7f000001/", "loopback"],
  ["https://0177.0.0.1/", "loopback"],
  ["https://0177.0000.0000.0001/", "loopback"],
  ["https://127.1/", "loopback"],
  ["https://0x7f.1/", "loopback"],
  ["https://0x7f.0x0.0x0.0x1/", "loopback"],
  ["https://127.000.000.001/", "loopback"],
  ["https://127.0.0.1./", "loopback"],
  ["https://①②⑦.0.0.1/", "loopback"],
  ["https://127.255.255.254/", "loopback"],
  // localhost names
  ["https://localhost/", "loopback"],
  ["https://LOCALHOST./", "loopback"],
  ["https://api.localhost/", "loopback"],
  ["https://a.b.localhost./x", "loopback"],
  ["https://%6c%6f%63%61%6c%68%6f%73%74/", "loopback"],
  ["https://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/", "loopback"],
  // IPv6 loopback, unspecified, and IPv4 carried inside IPv6
  ["https://[::1]/", "loopback"],
  ["https://[0:0:0:0:0:0:0:1]/", "loopback"],
  ["https://[::]/", "unspecified"],
  ["https://[::ffff:127.0.0.1]/", "loopback"],
  ["https://[::ffff:7f00:1]/", "loopback"],
  ["https://[::127.0.0.1]/", "loopback"],
  ["https://[2002:7f00:1::]/", "loopback"],
  ["https://[64:ff9b::10.0.0.1]/", "private"],
  ["https://[::ffff:a9fe:a9fe]/latest/meta-data/", "metadata"],
  // private networks
  ["https://10.0.0.1/", "private"],
  ["https://10.255.255.255/", "private"],
  ["https://172.16.0.1/", "private"],
  ["https://172.31.255.255/", "private"],
  ["https://192.168.1.1/", "private"],
  ["https://3232235777/", "private"],
  ["https://0xc0a80101/", "private"],
  ["https://[fc00::1]/", "private"],
  ["https://[fd12:3456::1]/", "private"],
  // CGNAT
  ["https://100.64.0.1/", "cgnat"],
  ["https://100.127.255.254/", "cgnat"],
  // link-local and cloud metadata
  ["https://169.254.1.1/", "link_local"],
  ["https://[fe80::1]/", "link_local"],
  ["https://[febf::1]/", "link_local"],
  ["https://169.254.169.254/latest/meta-data/iam/security-credentials/", "metadata"],
  ["https://0251.0376.0251.0376/", "metadata"],
  ["https://0xa9fea9fe/", "metadata"],
  ["https://2852039166/", "metadata"],
  ["https://169.254.170.2/v2/credentials", "metadata"],
  ["https://100.100.100.200/latest/meta-data/", "metadata"],
  ["https://[fd00:ec2::254]/latest/meta-data/", "metadata"],
  ["https://metadata.google.internal/computeMetadata/v1/", "metadata"],
  ["https://metadata.google.internal./computeMetadata/v1/", "metadata"],
  // multicast, unspecified, reserved
  ["https://224.0.0.1/", "multicast"],
  ["https://239.255.255.250/", "multicast"],
  ["https://[ff02::1]/", "multicast"],
  ["https://0.0.0.0/", "unspecified"],
  ["https://0/", "unspecified"],
  ["https://255.255.255.255/", "reserved"],
  ["https://240.0.0.1/", "reserved"],
  ["https://192.0.2.1/", "reserved"],
  ["https://[2001:db8::1]/", "reserved"],
  // names that only resolve on a local network
  ["https://printer.local/", "local_name"],
  ["https://db.internal/", "local_name"],
  ["https://router.home.arpa/", "local_name"],
  ["https://intranet/", "local_name"],
  // schemes and userinfo
  ["http://api.example.com/", "plain_http"],
  ["ftp://api.example.com/", "scheme"],
  ["file:///etc/passwd", "scheme"],
  ["gopher://127.0.0.1:25/", "scheme"],
  ["https://user:pass@api.example.com/", "userinfo"],
  ["https://api.example.com@127.0.0.1/", "userinfo"],
];

/** Stores a tool as if it had been saved before the policy existed (or under other settings). */
async function storedTool(endpointUrl: string, auth?: Record<string, unknown>): Promise<Record<string, any>> {
  const tool = await createTool({ name: uniqueName("ssrf"), auth_config: auth });
  await env.DB.prepare("UPDATE tools SET endpoint_url = ? WHERE id = ?").bind(endpointUrl, tool.id).run();
  return tool;
}

async function expectBlocked(
  run: { status: number; body: Record<string, any> },
  reason: BlockReason,
  target: "endpoint_url" | "token_url" | "redirect",
): Promise<Record<string, any>> {
  expect(run.status, JSON.stringify(run.body)).toBe(403);
  expect(run.body).toMatchObject({
    type: "https://toolgate.dev/problems/outbound-blocked",
    title: "Forbidden",
    status: 403,
    code: "outbound_blocked",
    reason,
    target,
    execution_id: expect.any(String),
  });
  const log = await waitForLog(run.body.execution_id);
  expect(log).toMatchObject({ outcome: "outbound_blocked", upstream_status: null, error_message: run.body.detail });
  return log;
}

describe(`SSRF: ${SSRF_TABLE.length} URLs refused when saved and when executed`, () => {
  it.each(SSRF_TABLE)("%s (%s)", async (url, reason) => {
    const saved = await api("/tools", { method: "POST", json: httpTool({ endpoint_url: url }) });
    const problem = await saved.json<Record<string, any>>();
    expect(saved.status, JSON.stringify(problem)).toBe(422);
    expect(problem.code).toBe("invalid_tool");
    expect(problem.errors).toEqual([{ path: "/endpoint_url", message: expect.any(String) }]);

    const tool = await storedTool(url);
    const run = await execute(tool.id);
    const log = await expectBlocked(run, reason, "endpoint_url");
    expect(run.body.detail).toContain(problem.errors[0].message);
    expect(log.attempts).toEqual([]);
    expect(upstream.calls).toEqual([]);
  });

  it("refuses the same URLs as OAuth2 token URLs, before any request", async () => {
    for (const [url, reason] of SSRF_TABLE.filter((_, i) => i % 5 === 0)) {
      const auth = { type: "oauth2", token_url: url, client_id: "ssrf-client", client_secret: "ssrf-client-secret" };
      const saved = await api("/tools", { method: "POST", json: httpTool({ auth_config: auth }) });
      const problem = await saved.json<Record<string, any>>();
      expect(saved.status, url).toBe(422);
      expect(problem.errors).toEqual([{ path: "/auth_config/token_url", message: expect.any(String) }]);

      const tool = await createTool({
        name: uniqueName("ssrf_token"),
        auth_config: { ...auth, token_url: "https://auth.example.com/token" },
      });
      await env.DB.prepare("UPDATE tools SET auth_params = json_set(auth_params, '$.token_url', ?) WHERE id = ?")
        .bind(url, tool.id)
        .run();
      // Sealed for that token URL, as if saved under settings that allowed it: the policy must still stop it.
      await resealFor(tool.id, { client_secret: auth.client_secret });
      await expectBlocked(await execute(tool.id), reason, "token_url");
    }
    expect(upstream.calls).toEqual([]);
  });
});

describe("SSRF through redirects", () => {
  const START = "https://hop.example.com/start";

  /** Redirect targets, absolute or relative to the start URL. */
  const TARGETS: [string, BlockReason][] = [
    ["https://127.0.0.1/admin", "loopback"],
    ["https://2130706433/", "loopback"],
    ["https://0x7f.1/", "loopback"],
    ["//localhost/steal", "loopback"],
    ["https://[::1]/", "loopback"],
    ["https://[::ffff:127.0.0.1]/", "loopback"],
    ["https://10.0.0.1/", "private"],
    ["https://192.168.0.1/router", "private"],
    ["https://[fd00::1]/", "private"],
    ["https://100.64.0.1/", "cgnat"],
    ["https://169.254.169.254/latest/meta-data/", "metadata"],
    ["https://0251.0376.0251.0376/", "metadata"],
    ["https://metadata.google.internal/computeMetadata/v1/", "metadata"],
    ["https://[fd00:ec2::254]/", "metadata"],
    ["https://[fe80::1]/", "link_local"],
    ["https://0.0.0.0/", "unspecified"],
    ["http://hop.example.com/downgraded", "plain_http"],
    ["file:///etc/passwd", "scheme"],
    ["https://user:pw@hop.example.com/", "userinfo"],
  ];

  it.each(TARGETS)("a 302 to %s is not followed (%s)", async (location, reason) => {
    const tool = await createTool({ endpoint_url: START });
    upstream.on("GET", START, () => new Response(null, { status: 302, headers: { location } }));
    const run = await execute(tool.id);
    const log = await expectBlocked(run, reason, "redirect");
    expect(run.body.redirect_hop).toBe(1);
    expect(upstream.calls.map((c) => c.url.href)).toEqual([START]);
    expect(log.attempts).toEqual([
      {
        attempt: 1,
        delay_ms: 0,
        duration_ms: expect.any(Number),
        status: null,
        error: "outbound_blocked",
        redirects: 1,
      },
    ]);
  });

  it("follows public hops and stops at the first private one, with every method and status", async () => {
    const tool = await createTool({ method: "POST", endpoint_url: START });
    upstream.on(
      "POST",
      START,
      () => new Response(null, { status: 307, headers: { location: "https://b.example.net/1" } }),
    );
    upstream.on(
      "POST",
      "https://b.example.net/1",
      () => new Response(null, { status: 308, headers: { location: "/2" } }),
    );
    upstream.on(
      "POST",
      "https://b.example.net/2",
      () => new Response(null, { status: 301, headers: { location: "https://c.example.org/3" } }),
    );
    upstream.on(
      "GET",
      "https://c.example.org/3",
      () => new Response(null, { status: 303, headers: { location: "https://169.254.169.254/latest/user-data" } }),
    );
    const run = await execute(tool.id);
    await expectBlocked(run, "metadata", "redirect");
    expect(run.body.redirect_hop).toBe(4);
    expect(upstream.calls.map((c) => `${c.method} ${c.url.href}`)).toEqual([
      `POST ${START}`,
      "POST https://b.example.net/1",
      "POST https://b.example.net/2",
      "GET https://c.example.org/3",
    ]);
  });

  it("refuses a metadata hop even where private networks are allowed", async () => {
    const tool = await createTool({ endpoint_url: START });
    upstream.on(
      "GET",
      START,
      () => new Response(null, { status: 302, headers: { location: "https://169.254.169.254/" } }),
    );
    const run = await execute(tool.id, {}, { ALLOW_PRIVATE_NETWORKS: "true", ALLOW_HTTP: "true" });
    await expectBlocked(run, "metadata", "redirect");
    expect(upstream.calls).toHaveLength(1);
  });

  it("follows a redirect to a public host (the control for the table above)", async () => {
    const tool = await createTool({ endpoint_url: START });
    upstream.on(
      "GET",
      START,
      () => new Response(null, { status: 302, headers: { location: "https://public.example.net/ok" } }),
    );
    upstream.on("GET", "https://public.example.net/ok", () => json({ landed: true }));
    const run = await execute(tool.id);
    expect(run.status).toBe(200);
    expect(run.body.output).toEqual({ landed: true });
  });
});

describe("the settings that permit private destinations", () => {
  it("ALLOW_PRIVATE_NETWORKS and ALLOW_HTTP let a tool call a local mock, as in development", async () => {
    const dev = { ALLOW_PRIVATE_NETWORKS: "true", ALLOW_HTTP: "true" };
    const tool = await createTool({ endpoint_url: "http://127.0.0.1:8788/users/1" }, dev);
    upstream.on("GET", "http://127.0.0.1:8788/users/1", () => json({ id: 1 }));
    const run = await execute(tool.id, {}, dev);
    expect(run.status, JSON.stringify(run.body)).toBe(200);

    // Without them, the stored tool is refused at execution.
    await expectBlocked(await execute(tool.id), "plain_http", "endpoint_url");
    expect(upstream.calls).toHaveLength(1);
  });

  it("OUTBOUND_ALLOWLIST permits exactly its hosts and blocks", async () => {
    const allow = { OUTBOUND_ALLOWLIST: "10.0.0.5,db.internal,192.168.1.0/24" };
    for (const url of ["https://10.0.0.5/x", "https://db.internal/x", "https://192.168.1.77/x"]) {
      const tool = await createTool({ endpoint_url: url }, allow);
      upstream.on("GET", url, () => json({ ok: true }));
      expect((await execute(tool.id, {}, allow)).status, url).toBe(200);
    }
    for (const url of ["https://10.0.0.6/x", "https://other.internal/x", "https://192.168.2.1/x"]) {
      const res = await callWorker(allow, "/tools", { method: "POST", json: httpTool({ endpoint_url: url }) });
      expect(res.status, url).toBe(422);
      await res.arrayBuffer();
    }
    expect(upstream.calls).toHaveLength(3);
  });

  it("settings that cannot be read refuse saving (500) and executing (500, logged), and send nothing", async () => {
    const broken = { OUTBOUND_ALLOWLIST: "10.0.0.0/33" };
    const saved = await callWorker(broken, "/tools", { method: "POST", json: httpTool() });
    expect(saved.status).toBe(500);
    expect(await saved.json()).toMatchObject({
      code: "outbound_config_invalid",
      detail: expect.stringContaining('OUTBOUND_ALLOWLIST entry "10.0.0.0/33"'),
    });

    const tool = await createTool();
    const run = await execute(tool.id, {}, { ALLOW_HTTP: "sometimes" });
    expect(run.status).toBe(500);
    expect(run.body).toMatchObject({ code: "outbound_config_invalid", detail: expect.stringContaining("ALLOW_HTTP") });
    const log = await waitForLog(run.body.execution_id);
    expect(log.outcome).toBe("internal_error");
    expect(upstream.calls).toEqual([]);
  });
});
