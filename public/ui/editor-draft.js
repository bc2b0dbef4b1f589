// The tool editor's form, kept through a session that ends under it (issue: "an expired session loses the
// form"). When the form is submitted, its fields go into this tab's sessionStorage, all but the secrets:
// a password field's value, a sealed draft secret, the cURL command (which may hold a credential) and
// the value of a header whose name looks like a credential are left out; for a secret typed, only its
// field's name is kept. Should the session have ended, the server sends the person to sign in and then
// back to the editor with ?restore_draft=1, where this posts the kept fields back (with the new session's
// CSRF token) for the server to fill the form in again and mark the secrets to type again
// (src/ui/editor-draft.ts). Otherwise the kept form is forgotten when the editor next opens.
"use strict";

const draftKey = (path) => `toolgate.editor-draft:${path}`;
const NOT_KEPT = new Set(["_csrf", "_action", "curl_command", "lost_secret"]);
const CREDENTIAL_HEADER = /authorization|cookie|token|secret|password|passwd|api[-_]?key|credential|session/i;

const editor = document.querySelector("form[data-editor-draft]");
if (editor) {
  const key = draftKey(location.pathname);
  const restoring = new URLSearchParams(location.search).get("restore_draft") === "1";
  const draft = readDraft(key);
  removeDraft(key);
  if (restoring && draft) postBack(draft);
  editor.addEventListener("submit", (event) => {
    const data = new FormData(editor, event.submitter ?? undefined);
    const secretInputs = new Set([...editor.querySelectorAll('input[type="password"]')].map((input) => input.name));
    const fields = [];
    const lost = [];
    for (const [name, value] of data) {
      if (typeof value !== "string") continue;
      if (name.startsWith("draft_secret.")) lost.push(name);
      else if (secretInputs.has(name)) {
        if (value !== "") lost.push(name);
      } else if (!NOT_KEPT.has(name) && !isCredentialHeaderValue(data, name)) fields.push([name, value]);
    }
    try {
      sessionStorage.setItem(key, JSON.stringify({ fields, lost }));
    } catch {
      // Storage full or refused: the form cannot be kept, and is submitted as ever.
    }
  });

  function postBack({ fields, lost }) {
    const csrf = editor.querySelector('input[name="_csrf"]')?.value;
    if (!csrf || !Array.isArray(fields)) return;
    const form = document.createElement("form");
    form.method = "post";
    form.action = location.pathname;
    form.hidden = true;
    const add = (name, value) => {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.append(input);
    };
    for (const [name, value] of fields) if (!NOT_KEPT.has(name)) add(name, value);
    for (const name of Array.isArray(lost) ? lost : []) add("lost_secret", name);
    add("_csrf", csrf);
    add("_action", "restore_draft");
    document.body.append(form);
    form.submit();
  }
}

function isCredentialHeaderValue(data, name) {
  const row = /^header\.(\d+)\.value$/.exec(name);
  return row !== null && CREDENTIAL_HEADER.test(String(data.get(`header.${row[1]}.name`) ?? ""));
}

function readDraft(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? "null");
  } catch {
    return null;
  }
}

function removeDraft(key) {
  try {
    sessionStorage.removeItem(key);
  } catch {
    // Storage refused: nothing was kept.
  }
}

// On the sign-in page after a session ended: say that the form is kept, when this tab kept the one to go back to.
const kept = document.querySelector("[data-draft-kept]");
const next = document.querySelector('form input[name="next"]')?.value;
if (kept && next) {
  const path = new URL(next, location.origin).pathname;
  if (readDraft(draftKey(path))) kept.hidden = false;
}
