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

// When what a stored secret is bound to changes (where and how it is sent: the auth type, the
// endpoint's origin, the token URL, the API key's place and name, the OAuth2 client, scope and
// audience), say that it must be entered again. The server decides (src/registry/secrets.ts) and
// sends the stored facts; this mirrors toolDestination in src/engine/auth/binding.ts to compare.
const auth = document.getElementById("authentication");
if (auth && auth.dataset.storedDestination) {
  const stored = JSON.parse(auth.dataset.storedDestination);
  const words = JSON.parse(auth.dataset.destinationWords ?? "{}");
  const valueOf = (id) => document.getElementById(id)?.value ?? "";
  const text = (value) => (value === "" ? null : value);
  const parsed = (value) => {
    try {
      return new URL(value.replace(/\{[A-Za-z0-9_.~-]+\}/g, "x"));
    } catch {
      return null;
    }
  };
  const formDestination = () => {
    const type = valueOf("auth-type");
    const apiKey = type === "api_key";
    const oauth2 = type === "oauth2";
    const location = apiKey ? text(valueOf("api_key_location")) : null;
    const name = apiKey ? text(valueOf("api_key_name")) : null;
    const tokenUrl = text(valueOf("token_url"));
    return {
      auth_type: type,
      endpoint_origin: parsed(valueOf("endpoint_url"))?.origin ?? null,
      token_url: oauth2 && tokenUrl !== null ? (parsed(tokenUrl)?.href ?? tokenUrl) : null,
      api_key_location: location,
      api_key_name: name !== null && location === "header" ? name.toLowerCase() : name,
      client_id: oauth2 ? text(valueOf("client_id")) : null,
      client_auth_method: oauth2 ? text(valueOf("client_auth_method")) : null,
      scope: oauth2 ? text(valueOf("oauth_scope")) : null,
      audience: oauth2 ? text(valueOf("audience")) : null,
    };
  };
  const update = () => {
    const form = formDestination();
    const named = Object.keys(stored)
      .filter((fact) => stored[fact] !== form[fact])
      .map((fact) => words[fact] ?? fact);
    const changes = named.length <= 1 ? named.join("") : `${named.slice(0, -1).join(", ")} and ${named.at(-1)}`;
    for (const notice of document.querySelectorAll("[data-reenter-notice]")) {
      notice.hidden = named.length === 0;
      const slot = notice.querySelector("[data-reenter-changes]");
      if (slot && named.length > 0) slot.textContent = `${changes} changed`;
    }
  };
  auth.addEventListener("input", update);
  auth.addEventListener("change", update);
  document.getElementById("endpoint_url")?.addEventListener("input", update);
}
