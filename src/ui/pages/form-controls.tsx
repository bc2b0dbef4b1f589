/** Labelled form controls the editor's sections share: each tied to its label, hint and errors. */
import type { Child } from "hono/jsx";
import { describedBy, FieldError, Hint, type FieldErrors } from "../components";

export function TextField(props: {
  id: string;
  label: string;
  value: string;
  errors: FieldErrors;
  hint?: Child;
  type?: string;
  name?: string;
  extra?: Record<string, string | number | boolean | undefined>;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        type={props.type ?? "text"}
        id={props.id}
        name={props.name ?? props.id}
        value={props.value}
        autocomplete="off"
        {...(props.extra ?? {})}
        {...describedBy(props.id, props.errors, props.hint !== undefined)}
      />
      {props.hint !== undefined && <Hint id={props.id}>{props.hint}</Hint>}
      <FieldError id={props.id} errors={props.errors} />
    </div>
  );
}

export function Select(props: {
  id: string;
  label: string;
  value: string;
  options: readonly (readonly [string, string])[];
  errors: FieldErrors;
  name?: string;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.name ?? props.id} {...describedBy(props.id, props.errors)}>
        {props.options.map(([value, label]) => (
          <option value={value} selected={value === props.value}>
            {label}
          </option>
        ))}
      </select>
      <FieldError id={props.id} errors={props.errors} />
    </div>
  );
}

export const same = (values: readonly string[]) => values.map((v) => [v, v] as const);

/** Where an API key is sent, as the tool editor and the connection page both offer it. */
export const KEY_LOCATION_CHOICES = [
  ["header", "a header"],
  ["query", "a query parameter"],
] as const;

/** How an OAuth2 client authenticates at the token endpoint. */
export const CLIENT_AUTH_METHOD_CHOICES = [
  ["client_secret_basic", "HTTP Basic (client_secret_basic)"],
  ["client_secret_post", "In the form body (client_secret_post)"],
] as const;

/**
 * A write-only secret: always empty (a stored value is never sent back), its
 * hint says what is stored (`status`, before the write-only sentence) and
 * anything else (`notice`, after it). public/ui/app.js warns under it while a
 * typed value is shorter than usual, so that a truncated paste is noticed.
 */
export function SecretField(props: {
  id: string;
  label: Child;
  errors: FieldErrors;
  placeholder: string;
  status?: Child;
  notice?: Child;
  extra?: Record<string, string | undefined>;
}) {
  const { id } = props;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        type="password"
        id={id}
        name={id}
        value=""
        autocomplete="new-password"
        spellcheck={false}
        placeholder={props.placeholder}
        {...(props.extra ?? {})}
        data-short-secret-warning={`${id}-short`}
        {...describedBy(id, props.errors, true)}
      />
      <p class="hint" id={`${id}-hint`}>
        {props.status}
        Write-only: it is stored encrypted and never shown again.
        {props.notice} <span id={`${id}-short`} class="short-secret-warning" aria-live="polite"></span>
      </p>
      <FieldError id={id} errors={props.errors} />
    </div>
  );
}
