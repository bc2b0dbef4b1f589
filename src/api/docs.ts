/**
 * Interactive API docs (Swagger UI). Its assets are served by the Worker
 * itself from public/docs/ (copied from swagger-ui-dist by
 * scripts/vendor-assets.mjs), so /docs works without internet access.
 */
import { html } from "hono/html";

export function docsPage(specUrl: string) {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>toolgate API</title>
        <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
      </head>
      <body>
        <div id="swagger-ui"></div>
        <script src="/docs/assets/swagger-ui-bundle.js"></script>
        <script src="/docs/assets/init.js" data-spec-url="${specUrl}"></script>
      </body>
    </html>`;
}
