// The benchmark's loopback upstream, run as its own process so that it never
// competes with the load generator for the benchmark process's event loop.
// Prints {"port": N} on stdout once listening on 127.0.0.1.
//
//   POST|GET /fixed          {"ok":true,...} at once
//   POST|GET /slow           the same after 20 ms
//   GET      /large          about 200 KB of JSON (see largeBody)
//   GET      /keyed          needs header x-api-key: bench-api-key-0001
//   POST     /oauth/token    client credentials (bench-client / bench-secret-0001), counted
//   GET      /protected      needs a bearer token issued by /oauth/token
//   GET      /__stats        {"token_requests": N}
import { createServer } from "node:http";

export const API_KEY = "bench-api-key-0001";
export const CLIENT_ID = "bench-client";
export const CLIENT_SECRET = "bench-secret-0001";

/** About 200 KB: 1000 items of a fixed shape. */
export function largeBody() {
  const items = [];
  for (let i = 0; i < 1000; i++) {
    items.push({
      id: i,
      name: `item-${String(i).padStart(5, "0")}`,
      email: `user${i}@example.com`,
      active: i % 2 === 0,
      score: i * 1.5,
      tags: ["alpha", "beta", "gamma"],
      note: "x".repeat(90),
    });
  }
  return { count: items.length, items };
}

const fixed = JSON.stringify({ ok: true, id: 42, name: "fixed", values: [1, 2, 3] });

function main() {
  const large = JSON.stringify(largeBody());
  const issued = new Set();
  let tokenRequests = 0;
  /** @type {(res: import("node:http").ServerResponse, status: number, body: string) => void} */
  const send = (res, status, body) => {
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
  const server = createServer((req, res) => {
    let data = "";
    req.on("data", (chunk) => (data += chunk));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/fixed") return send(res, 200, fixed);
      if (path === "/slow") return void setTimeout(() => send(res, 200, fixed), 20);
      if (path === "/large") return send(res, 200, large);
      if (path === "/keyed") {
        if (req.headers["x-api-key"] !== API_KEY) return send(res, 401, '{"error":"bad key"}');
        return send(res, 200, fixed);
      }
      if (path === "/oauth/token" && req.method === "POST") {
        tokenRequests++;
        const form = new URLSearchParams(data);
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "");
        const [id, secret] = basic
          ? Buffer.from(basic[1], "base64").toString().split(":").map(decodeURIComponent)
          : [form.get("client_id"), form.get("client_secret")];
        if (form.get("grant_type") !== "client_credentials" || id !== CLIENT_ID || secret !== CLIENT_SECRET) {
          return send(res, 401, '{"error":"invalid_client"}');
        }
        const token = `tok-${tokenRequests}-${Math.random().toString(36).slice(2)}`;
        issued.add(token);
        return send(res, 200, JSON.stringify({ access_token: token, token_type: "Bearer", expires_in: 3600 }));
      }
      if (path === "/protected") {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
        if (!token || !issued.has(token)) return send(res, 401, '{"error":"invalid_token"}');
        return send(res, 200, fixed);
      }
      if (path === "/__stats") return send(res, 200, JSON.stringify({ token_requests: tokenRequests }));
      send(res, 404, '{"error":"not found"}');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(
      JSON.stringify({ port: /** @type {import("node:net").AddressInfo} */ (server.address()).port }) + "\n",
    );
  });
  process.on("SIGTERM", () => process.exit(0));
}

if (import.meta.url === `file://${process.argv[1]}`) main();
