/** Small pieces the pages share: form fields with their errors, outcome badges, times. */
import type { Child } from "hono/jsx";
import type { ProblemFieldError } from "../problem";

/** Field errors by form field id; "" collects those that belong to no one field. */
export type FieldErrors = Map<string, string[]>;

export function addFieldError(errors: FieldErrors, field: string, message: string): void {
  const list = errors.get(field) ?? [];
  if (!list.includes(message)) list.push(message);
  errors.set(field, list);
}

/** The error summary at the top of a form: every error, each linking to its field. */
export function ErrorSummary({ title, errors }: { title: string; errors: FieldErrors }) {
  if (errors.size === 0) return null;
  return (
    <div class="error-summary" role="alert" tabindex={-1} id="error-summary">
      <strong>{title}</strong>
      <ul>
        {[...errors].flatMap(([field, messages]) =>
          messages.map((message) => <li>{field ? <a href={`#${field}`}>{message}</a> : message}</li>),
        )}
      </ul>
    </div>
  );
}

/** The messages for one field, referenced by its input's aria-describedby. */
export function FieldError({ id, errors }: { id: string; errors: FieldErrors }) {
  const messages = errors.get(id);
  if (!messages) return null;
  return (
    <p class="field-error" id={`${id}-error`}>
      {messages.join(" ")}
    </p>
  );
}

/** aria attributes of an input: invalid when it has errors, described by its hint and errors. */
export function describedBy(id: string, errors: FieldErrors, hint = false) {
  const ids = [hint ? `${id}-hint` : "", errors.has(id) ? `${id}-error` : ""].filter(Boolean).join(" ");
  return {
    "aria-invalid": errors.has(id) ? ("true" as const) : undefined,
    "aria-describedby": ids || undefined,
  };
}

export function Hint({ id, children }: { id: string; children: Child }) {
  return (
    <p class="hint" id={`${id}-hint`}>
      {children}
    </p>
  );
}

export function OutcomeBadge({ outcome }: { outcome: string }) {
  return <span class={`badge ${outcome === "success" ? "success" : "failure"}`}>{outcome.replaceAll("_", " ")}</span>;
}

/** An ISO time as a <time> element, shown in UTC so every viewer reads the same value. */
export function Time({ iso }: { iso: string }) {
  return (
    <time datetime={iso}>
      {iso
        .replace("T", " ")
        .replace(/\.\d+Z$/, " UTC")
        .replace(/Z$/, " UTC")}
    </time>
  );
}

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

/** Problem field errors (JSON Pointers into the API's request) as form errors, through `fieldFor`. */
export function problemErrorsToFields(
  problemErrors: readonly ProblemFieldError[],
  fieldFor: (pointer: string) => string,
  into: FieldErrors = new Map(),
): FieldErrors {
  for (const error of problemErrors) {
    const field = fieldFor(error.path);
    // Next to its field a message speaks for itself; in the summary alone, say where it points.
    const message =
      field || !error.path || error.message.includes(error.path) ? error.message : `${error.path}: ${error.message}`;
    addFieldError(into, field, message);
  }
  return into;
}
