// toolgate web UI: the little behaviour that needs a script. Every page works without it.
"use strict";

// Live feedback on a tool name: the same rule the API enforces (1-64 of A-Z, a-z, 0-9, _ and -).
for (const input of document.querySelectorAll("[data-name-feedback]")) {
  const output = document.getElementById(input.dataset.nameFeedback);
  const update = () => {
    if (!output) return;
    if (input.value === "") {
      output.textContent = "";
      output.removeAttribute("data-state");
    } else if (/^[A-Za-z0-9_-]{1,64}$/.test(input.value)) {
      output.textContent = "✓ This name can be used.";
      output.dataset.state = "ok";
    } else {
      const bad = [...new Set(input.value.replace(/[A-Za-z0-9_-]/g, ""))].join(" ");
      output.textContent = bad ? `Not allowed: ${bad.replace(" ", "space")}` : "Too long: at most 64 characters.";
      output.dataset.state = "bad";
    }
  };
  input.addEventListener("input", update);
  update();
}

// When the endpoint or token host, or the auth type, changes from what is stored, say that the
// stored secret must be entered again (the server enforces it: src/registry/secrets.ts).
const auth = document.getElementById("authentication");
if (auth && auth.dataset.storedAuthType) {
  const originOf = (value) => {
    try {
      return new URL(value).origin;
    } catch {
      return null;
    }
  };
  const endpoint = document.getElementById("endpoint_url");
  const tokenUrl = document.getElementById("token_url");
  const type = document.getElementById("auth-type");
  const update = () => {
    const changed =
      type.value !== auth.dataset.storedAuthType ||
      originOf(endpoint.value) !== (auth.dataset.storedEndpointOrigin ?? null) ||
      (type.value === "oauth2" && originOf(tokenUrl.value) !== (auth.dataset.storedTokenOrigin ?? null));
    for (const notice of document.querySelectorAll("[data-reenter-notice]")) notice.hidden = !changed;
  };
  for (const el of [endpoint, tokenUrl, type]) el?.addEventListener("input", update);
  type?.addEventListener("change", update);
}
