// Records what real curl sends for each provider command in
// test/fixtures/curl-providers/*.sh, for test/curl-providers.test.ts, which
// compares it with what the imported tool sends. Run it once after adding or
// changing a fixture, and commit the JSON it writes:
//
//   node scripts/record-curl-fixtures.mjs [folder of .sh files]
//
// Each fixture runs through bash with `curl` replaced by a function that adds
// --connect-to (every host goes to a local TLS echo server), -k (its
// certificate is self-signed), -s and -o /dev/null: none of them changes the
// request. The `# env NAME=value` lines of a fixture are exported first, so a
// command written with $VARIABLES sends those values. The server keeps the
// method, the request target, the header lines in order and the body bytes.
// Needs bash, curl and openssl; the tests never run curl.
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.join(import.meta.dirname, "..");
const dir = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, "test/fixtures/curl-providers");
const out = path.join(dir, "recorded.json");

const certDir = mkdtempSync(path.join(tmpdir(), "curl-echo-"));
const keyFile = path.join(certDir, "key.pem");
const certFile = path.join(certDir, "cert.pem");
execFileSync(
  "openssl",
  [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-days",
    "1",
    "-keyout",
    keyFile,
    "-out",
    certFile,
  ],
  { stdio: "ignore" },
);

/** @type {{ method: string; target: string; headers: [string, string][]; body: string; bodyBase64?: string }[]} */
let received = [];
const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (req, res) => {
  /** @type {Buffer[]} */
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const bytes = Buffer.concat(chunks);
    const text = bytes.toString("utf8");
    /** @type {[string, string][]} */
    const headers = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
    received.push({
      method: req.method ?? "",
      target: req.url ?? "",
      headers,
      body: text,
      // Bytes that are not UTF-8 text are kept exactly, as base64.
      ...(Buffer.from(text, "utf8").equals(bytes) ? {} : { bodyBase64: bytes.toString("base64") }),
    });
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
const address = server.address();
const port = typeof address === "object" && address ? address.port : 0;

const version = execFileSync("curl", ["--version"], { encoding: "utf8" }).split("\n")[0];
/** @type {Record<string, unknown>} */
const recordings = {};
const files = readdirSync(dir)
  .filter((name) => name.endsWith(".sh"))
  .sort();
for (const file of files) {
  const text = readFileSync(path.join(dir, file), "utf8");
  /** @type {Record<string, string>} */
  const env = {};
  for (const match of text.matchAll(/^# env ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm)) env[match[1]] = match[2];
  const script = `curl() { command curl --connect-to "::127.0.0.1:${port}" -k -s -o /dev/null "$@"; }\nsource "$1"\n`;
  received = [];
  // Asynchronous: the echo server answers from this same process.
  await promisify(execFile)("bash", ["-c", script, "record", path.join(dir, file)], {
    env: { PATH: process.env.PATH, HOME: certDir, ...env },
  });
  if (received.length !== 1) throw new Error(`${file}: curl sent ${received.length} requests, not 1`);
  const [request] = received;
  const host = request.headers.find(([name]) => name.toLowerCase() === "host")?.[1];
  const { method, target, ...rest } = request;
  recordings[file.replace(/\.sh$/, "")] = { method, url: `https://${host}${target}`, ...rest };
  console.log(`${file}: ${request.method} ${host}${request.target}`);
}
server.close();
rmSync(certDir, { recursive: true, force: true });

writeFileSync(out, `${JSON.stringify({ curl: version, requests: recordings }, null, 2)}\n`);
// Formatted as the repository formats JSON, so that recording again changes only what curl sent.
execFileSync(path.join(root, "node_modules/.bin/prettier"), ["--write", out], { stdio: "ignore" });
console.log(`Wrote ${path.relative(root, out)} (${files.length} commands, ${version}).`);
