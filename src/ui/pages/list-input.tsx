/**
 * The test panel's list control for an array of scalars: one typed row per
 * item. Add and Remove are submit buttons that make a round trip without
 * running (src/ui/test-panel.tsx), so the list works without scripts;
 * /ui/list-input.js does the same in the page when scripts run.
 */
import type { FieldErrors } from "../components";
import { FieldError } from "../components";
import type { InputField } from "../input-form";

export function ListInput({
  field,
  id,
  rows,
  errors,
}: {
  field: InputField;
  id: string;
  /** The rows to show, at least one. */
  rows: string[];
  errors: FieldErrors;
}) {
  const hintId = `${id}-hint`;
  const describedBy = [hintId, errors.has(id) ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <fieldset
      class="field list-input"
      id={id}
      data-list-input
      data-list-name={field.name}
      data-list-label={field.label}
      aria-describedby={describedBy}
    >
      <legend>
        {field.label}
        {field.required ? " (required)" : ""}
      </legend>
      <ol class="row-list" data-list-rows>
        {rows.map((value, i) => (
          <ListRow field={field} id={id} index={i} value={value} invalid={errors.has(id)} />
        ))}
      </ol>
      <template data-list-template>
        <ListRow field={field} id={id} index={-1} value="" invalid={false} />
      </template>
      <button type="submit" name="_action" value={`add_item.${field.name}`} data-list-add>
        Add item
      </button>
      <p class="hint" id={hintId}>
        {field.description !== null && `${field.description} `}
        {`A list of ${ITEM_WORDS[field.list?.item ?? "text"]}, one per row. Empty rows are not sent.`}
      </p>
      <FieldError id={id} errors={errors} />
    </fieldset>
  );
}

const ITEM_WORDS = {
  text: "texts",
  number: "numbers",
  integer: "whole numbers",
  select: "values to choose",
} as const;

function ListRow({
  field,
  id,
  index,
  value,
  invalid,
}: {
  field: InputField;
  id: string;
  index: number;
  value: string;
  invalid: boolean;
}) {
  const rowId = `${id}-${index}`;
  const item = field.list?.item ?? "text";
  const name = `list.${field.name}`;
  const label = `${field.label} item ${index + 1}`;
  return (
    <li class="kv-row list-row">
      <label class="sr-only" for={rowId} data-list-row-label>
        {label}
      </label>
      {item === "select" ? (
        <select id={rowId} name={name} aria-invalid={invalid ? "true" : undefined}>
          <option value="">(choose)</option>
          {(field.list?.options ?? []).map((option) => (
            <option value={option} selected={option === value}>
              {option}
            </option>
          ))}
        </select>
      ) : (
        <input
          type={item === "text" ? "text" : "number"}
          step={item === "integer" ? "1" : item === "number" ? "any" : undefined}
          id={rowId}
          name={name}
          value={value}
          aria-invalid={invalid ? "true" : undefined}
        />
      )}
      <button type="submit" name="_action" value={`remove_item.${index}.${field.name}`} aria-label={`Remove ${label}`}>
        Remove
      </button>
    </li>
  );
}
