// Copies the Swagger UI files that /docs needs from node_modules into
// public/docs/assets, which the Worker serves as static assets. Runs on
// `npm install` (postinstall) and before `npm run dev`; idempotent.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const source = path.dirname(require.resolve("swagger-ui-dist/package.json"));
const target = path.join(import.meta.dirname, "..", "public", "docs", "assets");
mkdirSync(target, { recursive: true });
for (const file of ["swagger-ui.css", "swagger-ui-bundle.js", "LICENSE", "NOTICE"]) {
  try {
    copyFileSync(path.join(source, file), path.join(target, file));
  } catch (err) {
    if (file === "swagger-ui.css" || file === "swagger-ui-bundle.js") throw err;
  }
}
// Inline scripts would need a looser CSP later; keep the bootstrap as a file.
writeFileSync(
  path.join(target, "init.js"),
  `var specUrl = (document.currentScript && document.currentScript.dataset.specUrl) || "/openapi.json";
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: specUrl, dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: false });
});
`,
);
