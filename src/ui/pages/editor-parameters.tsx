/**
 * The editor's parameters section: the builder's rows, or the advanced view
 * of the raw input schema and mapping (src/ui/parameters.ts converts).
 */
import { describedBy, FieldError, Hint, type FieldErrors } from "../components";
import { PARAM_LOCATIONS, PARAM_TYPES, type ParameterRow } from "../parameters";
import { paramFieldId, type ToolFormState } from "../tool-form";
import { Select, same } from "./form-controls";

export function ParametersSection({
  state,
  errors,
  action,
}: {
  state: ToolFormState;
  errors: FieldErrors;
  action: string;
}) {
  // A built-in function has no request: its inputs have nowhere to go but the function.
  const isHttp = state.executionType === "http_request";
  const back = `${action}#params`;
  return (
    <fieldset id="params">
      <legend>Parameters</legend>
      <p class="hint">The inputs a caller gives when running the tool, and where each one goes in the request.</p>
      <FieldError id="params" errors={errors} />
      {state.builderUnavailable && (
        <p class="notice" role="status">
          {state.builderUnavailable} Edit the schema as JSON below; nothing in it is lost.
        </p>
      )}
      {state.paramsView === "builder" ? (
        <>
          {state.params.length === 0 && (
            <p class="muted" id="no-params">
              No parameters: the tool takes no input.
            </p>
          )}
          <ol class="row-list">
            {state.params.map((row, i) => (
              <ParameterRowView row={row} index={i} errors={errors} isHttp={isHttp} back={back} />
            ))}
          </ol>
          {isHttp && (
            // The row public/ui/app.js adds for a {placeholder} typed into the URL (index -1 is replaced).
            <template id="param-row-template">
              <ParameterRowView row={PATH_ROW} index={-1} errors={new Map()} isHttp={isHttp} back={back} />
            </template>
          )}
          <div class="actions">
            <button type="submit" name="_action" value="add_param" formaction={back}>
              Add parameter
            </button>
            <button type="submit" name="_action" value="view_advanced" class="link-button" formaction={back}>
              Advanced: edit as JSON Schema
            </button>
          </div>
        </>
      ) : (
        <>
          <div class="field">
            <label for="input_schema">Input schema (JSON Schema)</label>
            <textarea id="input_schema" name="input_schema" rows={14} {...describedBy("input_schema", errors)}>
              {state.inputSchemaText}
            </textarea>
            <FieldError id="input_schema" errors={errors} />
          </div>
          {isHttp && (
            <div class="field">
              <label for="input_mapping">Input mapping (JSON)</label>
              <textarea
                id="input_mapping"
                name="input_mapping"
                rows={6}
                {...describedBy("input_mapping", errors, true)}
              >
                {state.inputMappingText}
              </textarea>
              <Hint id="input_mapping">
                Where each property goes:{" "}
                <code>{'{"city": {"in": "path"}, "units": {"in": "query", "name": "u"}}'}</code>. Empty means the
                defaults: path placeholders to the path, the rest to the query (GET, DELETE) or the body.
              </Hint>
              <FieldError id="input_mapping" errors={errors} />
            </div>
          )}
          <button type="submit" name="_action" value="view_builder" class="link-button" formaction={back}>
            Back to the parameters builder
          </button>
        </>
      )}
    </fieldset>
  );
}

function ParameterRowView({
  row,
  index: i,
  errors,
  isHttp,
  back,
}: {
  row: ParameterRow;
  index: number;
  errors: FieldErrors;
  isHttp: boolean;
  back: string;
}) {
  const id = (field: keyof ParameterRow) => paramFieldId(i, field);
  const input = (field: keyof ParameterRow, name: string, label: string, value: string, hint?: string) => (
    <div class="field">
      <label for={id(field)}>{label}</label>
      <input
        type="text"
        id={id(field)}
        name={`param.${i}.${name}`}
        value={value}
        {...describedBy(id(field), errors, hint !== undefined)}
      />
      {hint !== undefined && <Hint id={id(field)}>{hint}</Hint>}
      <FieldError id={id(field)} errors={errors} />
    </div>
  );
  return (
    <li class="param-row">
      <div class="grid">
        {input("name", "name", "Parameter name", row.name)}
        <Select
          id={id("type")}
          name={`param.${i}.type`}
          label="Type"
          value={row.type}
          options={same(PARAM_TYPES)}
          errors={errors}
        />
        {isHttp ? (
          <Select
            id={id("location")}
            name={`param.${i}.location`}
            label="Sent in"
            value={row.location}
            options={PARAM_LOCATIONS.map((l) => [l, LOCATION_LABELS[l]] as const)}
            errors={errors}
          />
        ) : (
          <input type="hidden" name={`param.${i}.location`} value={row.location} />
        )}
        <div class="field">
          <span class="label">Required</span>
          <label class="check" for={id("required")}>
            <input
              type="checkbox"
              id={id("required")}
              name={`param.${i}.required`}
              value="true"
              checked={row.required}
            />
            The caller must give it
          </label>
        </div>
      </div>
      {input(
        "description",
        "description",
        "Parameter description",
        row.description,
        "Tells callers, people or AI agents, what to give.",
      )}
      <div class="grid">
        {input("defaultValue", "default", "Default value", row.defaultValue, "Used when the caller gives none.")}
        {isHttp &&
          input(
            "wireName",
            "wire_name",
            "Name in the request",
            row.wireName,
            "Only if it differs from the parameter name.",
          )}
      </div>
      <div class="field">
        <label for={id("allowedValues")}>Allowed values</label>
        <textarea
          id={id("allowedValues")}
          name={`param.${i}.allowed`}
          rows={2}
          {...describedBy(id("allowedValues"), errors, true)}
        >
          {row.allowedValues}
        </textarea>
        <Hint id={id("allowedValues")}>One per line. Empty allows any value.</Hint>
        <FieldError id={id("allowedValues")} errors={errors} />
      </div>
      <div class="row-actions">
        <button
          type="submit"
          name="_action"
          value={`remove_param.${i}`}
          formaction={back}
          aria-label={`Remove parameter ${row.name || i + 1}`}
        >
          Remove parameter
        </button>
      </div>
    </li>
  );
}

/** A parameter that fills a URL placeholder: sent in the path, and required, since the URL needs it. */
const PATH_ROW: ParameterRow = {
  name: "",
  type: "string",
  required: true,
  location: "path",
  wireName: "",
  description: "",
  defaultValue: "",
  allowedValues: "",
};

const LOCATION_LABELS: Record<(typeof PARAM_LOCATIONS)[number], string> = {
  path: "the path",
  query: "the query string",
  header: "a header",
  body: "the body",
};
