// A small mock of third-party APIs for trying toolgate locally (the README's
// curl walkthrough). Listens on http://127.0.0.1:8788 (PORT overrides).
//
//   POST /webhook                 accepts any JSON, answers {"ok":true,"received":...}
//   GET  /weather?q=...&appid=... needs appid=demo-weather-key
//   POST /oauth/token             client credentials; client demo-client / demo-secret (Basic or post)
//   GET  /crm/contacts            needs the bearer token issued by /oauth/token
//   GET  /prices/{sku}            answers a price whose "price" is a string (to fail an output schema)
//   GET  /users/{id}              answers a user
//   GET  /redirect?to=...         answers 302 with Location: to (to try the redirect rules)
//   /oauth/authorize, /oauth/token (authorization code, refresh) and /notes: an OAuth2 provider with a
//                                 consent page and an API behind it, for connections (scripts/mock-oauth.mjs)
//
// Listening on 127.0.0.1, it is also http://localhost:8788: the README's connection uses that name, so the
// provider's redirect back to toolgate (http://127.0.0.1:8787) is cross-site, as in production.
import { createServer } from "node:http";
import { handleOAuth } from "./mock-oauth.mjs";

const port = Number(process.env.PORT ?? 8788);
const issued = new Set();

/** @param {import("node:http").ServerResponse} res @param {number} status @param {unknown} body */
function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** @param {import("node:http").IncomingMessage} req @returns {Promise<string>} */
function readBody(req) {
  return new Promise((resolve) => {
    let data = "";
    req.on("data", (/** @type {Buffer} */ chunk) => (data += chunk));
    req.on("end", () => resolve(data));
  });
}

/** @param {import("node:http").IncomingMessage} req @param {URLSearchParams} form */
function clientFrom(req, form) {
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "");
  if (basic) {
    const [id = "", secret = ""] = Buffer.from(basic[1] ?? "", "base64")
      .toString()
      .split(":");
    return { id: decodeURIComponent(id.replaceAll("+", " ")), secret: decodeURIComponent(secret.replaceAll("+", " ")) };
  }
  return { id: form.get("client_id"), secret: form.get("client_secret") };
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
  const body = await readBody(req);
  console.log(`${req.method} ${url.pathname}${url.search}`);

  if (req.method === "POST" && url.pathname === "/webhook") {
    return send(res, 200, { ok: true, received: body ? JSON.parse(body) : null });
  }
  if (req.method === "GET" && url.pathname === "/weather") {
    if (url.searchParams.get("appid") !== "demo-weather-key") return send(res, 401, { message: "Invalid API key" });
    const city = url.searchParams.get("q") ?? "Paris";
    return send(res, 200, { city, temperature_c: 18.5, conditions: "light rain" });
  }
  if (handleOAuth(req, res, url, body, send, clientFrom)) return;
  if (req.method === "POST" && url.pathname === "/oauth/token") {
    const form = new URLSearchParams(body);
    const client = clientFrom(req, form);
    if (form.get("grant_type") !== "client_credentials") return send(res, 400, { error: "unsupported_grant_type" });
    if (client.id !== "demo-client" || client.secret !== "demo-secret")
      return send(res, 401, { error: "invalid_client" });
    const token = `demo-token-${Math.random().toString(36).slice(2)}`;
    issued.add(token);
    return send(res, 200, { access_token: token, token_type: "Bearer", expires_in: 3600 });
  }
  if (req.method === "GET" && url.pathname === "/crm/contacts") {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!token || !issued.has(token)) return send(res, 401, { error: "invalid_token" });
    return send(res, 200, [{ id: 1, name: "Ada Lovelace", email: "ada@example.com" }]);
  }
  const price = /^\/prices\/([^/]+)$/.exec(url.pathname);
  if (req.method === "GET" && price)
    return send(res, 200, { sku: decodeURIComponent(price[1] ?? ""), price: "12.50 EUR" });
  if (req.method === "GET" && url.pathname === "/redirect") {
    res.writeHead(302, { location: url.searchParams.get("to") ?? "/" });
    return res.end();
  }
  const user = /^\/users\/(\d+)$/.exec(url.pathname);
  if (req.method === "GET" && user) return send(res, 200, { id: Number(user[1]), name: "Grace Hopper", active: true });
  send(res, 404, { error: "not_found" });
});

server.listen(port, "127.0.0.1", () => console.log(`mock upstream listening on http://127.0.0.1:${port}`));
