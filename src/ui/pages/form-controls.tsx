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
