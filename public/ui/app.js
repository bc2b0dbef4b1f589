// toolgate web UI: the little behaviour that needs a script. Every page works without it.
"use strict";

// Live feedback on a tool name: the same rule the API enforces (1-64 of A-Z, a-z, 0-9, _ and -), in
// the words of the server's message (src/ui/plain-words.ts, nameProblemInWords). A name the server
// refused (taken) gets no "can be used" until it is changed: the form rule cannot see other tools.
const CHARACTER_NAMES = { " ": "space", "\t": "tab", ".": "“.” (dot)", ",": "“,” (comma)" };
const listInWords = (items) =>
  items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
for (const input of document.querySelectorAll("[data-name-feedback]")) {
  const output = document.getElementById(input.dataset.nameFeedback);
  const refused = document.getElementById(`${input.id}-error`) ? input.value : null;
  const update = () => {
    if (!output) return;
    const bad = [...new Set(input.value.replace(/[A-Za-z0-9_-]/g, ""))].map((ch) => CHARACTER_NAMES[ch] ?? `“${ch}”`);
    if (input.value === "" || input.value === refused) {
      output.textContent = "";
      output.removeAttribute("data-state");
    } else if (bad.length === 0 && input.value.length <= 64) {
      output.textContent = "✓ This name can be used.";
      output.dataset.state = "ok";
    } else {
      output.textContent =
        bad.length > 0 ? `Not allowed: ${listInWords(bad)}. Use _ instead.` : "Too long: at most 64 characters.";
      output.dataset.state = "bad";
    }
  };
  input.addEventListener("input", update);
  update();
}

// A secret shorter than 8 characters is accepted (the user story's own examples are "abc123" and
// "xxxxx"), but unusual: say so, so that a truncated paste is noticed. The length is counted in
// code points, as the server's redaction rule counts it (src/engine/redact.ts).
const SHORT_SECRET = 8;
for (const input of document.querySelectorAll("[data-short-secret-warning]")) {
  const output = document.getElementById(input.dataset.shortSecretWarning);
  const update = () => {
    if (!output) return;
    const length = [...input.value].length;
    output.textContent =
      length > 0 && length < SHORT_SECRET
        ? `This secret has only ${length} character${length === 1 ? "" : "s"}, which is unusual: check that it is complete. It will be accepted as it is.`
        : "";
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
    // The stored secret cannot stay: take back "leave empty to keep", which would contradict the notice.
    for (const notice of document.querySelectorAll("[data-keep-notice]")) notice.hidden = named.length > 0;
    for (const input of document.querySelectorAll("[data-keep-placeholder]"))
      input.placeholder = named.length > 0 ? "" : input.dataset.keepPlaceholder;
  };
  auth.addEventListener("input", update);
  auth.addEventListener("change", update);
  document.getElementById("endpoint_url")?.addEventListener("input", update);
}

// Copy buttons: `data-copy` names the element (or read-only input) whose text to copy. Hidden until this script shows them,
// so a page without scripts offers only what works (selecting the text).
for (const button of document.querySelectorAll("button[data-copy]")) {
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) continue;
  const label = button.textContent;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(
        source instanceof HTMLInputElement ? source.value : (source.textContent ?? ""),
      );
      button.textContent = "Copied";
    } catch {
      button.textContent = "Copy failed: select the text and copy it";
    }
    setTimeout(() => (button.textContent = label), 3000);
  });
}

// A {placeholder} in the endpoint URL is a parameter sent in the path. Typing one adds its row
// (from the server's template, sent in the path and required); a row added so is taken away again
// while untouched if its placeholder goes. A row whose name is a placeholder's, by typing either, is sent
// in the path.
const rowTemplate = document.getElementById("param-row-template");
const rowList = document.querySelector("#params ol.row-list");
const endpoint = document.getElementById("endpoint_url");
if (rowTemplate && rowList && endpoint) {
  const placeholders = () => [...endpoint.value.matchAll(/\{([A-Za-z0-9_.~-]+)\}/g)].map((m) => m[1]);
  const nameInput = (row) => row.querySelector('input[name^="param."][name$=".name"]');
  const rows = () => [...rowList.querySelectorAll("li.param-row")];
  const sendInPath = (row) => {
    const location = row.querySelector('select[name$=".location"]');
    const required = row.querySelector('input[type="checkbox"][name$=".required"]');
    if (location) location.value = "path";
    if (required) required.checked = true;
  };
  const addRow = (name) => {
    const used = rows().map((row) => Number(/^param\.(\d+)\./.exec(nameInput(row)?.name ?? "")?.[1] ?? -1));
    const index = String(Math.max(-1, ...used) + 1);
    const html = rowTemplate.innerHTML
      .replaceAll("param.-1.", `param.${index}.`)
      .replaceAll("param--1-", `param-${index}-`);
    rowList.insertAdjacentHTML("beforeend", html);
    const row = rowList.lastElementChild;
    row.dataset.fromUrl = name;
    nameInput(row).value = name;
    row.querySelector('button[value^="remove_param."]')?.setAttribute("aria-label", `Remove parameter ${name}`);
    document.getElementById("no-params")?.setAttribute("hidden", "");
  };
  let before = placeholders();
  const sync = () => {
    const wanted = placeholders();
    // A placeholder just typed for a row that already has its name: that row goes in the path.
    for (const row of rows())
      if (wanted.includes(nameInput(row)?.value.trim()) && !before.includes(nameInput(row)?.value.trim()))
        sendInPath(row);
    before = wanted;
    for (const row of rows())
      if (row.dataset.fromUrl && nameInput(row)?.value === row.dataset.fromUrl && !wanted.includes(row.dataset.fromUrl))
        row.remove();
    const names = rows().map((row) => nameInput(row)?.value.trim());
    for (const name of wanted) if (!names.includes(name)) addRow(name);
  };
  endpoint.addEventListener("input", sync);
  rowList.addEventListener("input", (event) => {
    const input = event.target;
    if (!input.matches?.('input[name^="param."][name$=".name"]')) return;
    const row = input.closest("li.param-row");
    if (row) delete row.dataset.fromUrl;
    if (row && placeholders().includes(input.value.trim())) sendInPath(row);
  });
}
