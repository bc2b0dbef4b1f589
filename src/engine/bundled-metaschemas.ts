/**
 * The meta-schemas of the three drafts toolgate supports, bundled: they check
 * schemas when a tool is saved (./schemas.ts), and a schema may refer to them
 * (`"$ref": "http://json-schema.org/draft-07/schema#"`, a schema that holds a
 * schema). Nothing is ever fetched: these are the only documents outside a
 * schema that its references may reach.
 */
import type { SchemaDraft } from "@cfworker/json-schema";
import draft07 from "./metaschemas/draft-07.json";
import meta201909 from "./metaschemas/2019-09.json";
import meta201909Applicator from "./metaschemas/2019-09/applicator.json";
import meta201909Content from "./metaschemas/2019-09/content.json";
import meta201909Core from "./metaschemas/2019-09/core.json";
import meta201909Format from "./metaschemas/2019-09/format.json";
import meta201909MetaData from "./metaschemas/2019-09/meta-data.json";
import meta201909Validation from "./metaschemas/2019-09/validation.json";
import meta202012 from "./metaschemas/2020-12.json";
import meta202012Applicator from "./metaschemas/2020-12/applicator.json";
import meta202012Content from "./metaschemas/2020-12/content.json";
import meta202012Core from "./metaschemas/2020-12/core.json";
import meta202012Format from "./metaschemas/2020-12/format-annotation.json";
import meta202012MetaData from "./metaschemas/2020-12/meta-data.json";
import meta202012Unevaluated from "./metaschemas/2020-12/unevaluated.json";
import meta202012Validation from "./metaschemas/2020-12/validation.json";

/** Each draft's meta-schema first, then the vocabulary meta-schemas it refers to. Never mutate: copy first. */
const DOCUMENTS: Record<Exclude<SchemaDraft, "4">, readonly Record<string, unknown>[]> = {
  "7": [draft07],
  "2019-09": [
    meta201909,
    meta201909Core,
    meta201909Applicator,
    meta201909Validation,
    meta201909MetaData,
    meta201909Format,
    meta201909Content,
  ],
  "2020-12": [
    meta202012,
    meta202012Core,
    meta202012Applicator,
    meta202012Unevaluated,
    meta202012Validation,
    meta202012MetaData,
    meta202012Format,
    meta202012Content,
  ],
};

/** Fresh copies of a draft's meta-schema documents (the validator annotates what it is given). */
export function metaSchemaDocuments(draft: SchemaDraft): Record<string, unknown>[] {
  return draft === "4" ? [] : DOCUMENTS[draft].map((document) => structuredClone(document));
}

/** The document URIs (no fragment) of a draft's bundled meta-schemas. */
const DOCUMENT_URIS: Record<Exclude<SchemaDraft, "4">, ReadonlySet<string>> = {
  "7": uris("7"),
  "2019-09": uris("2019-09"),
  "2020-12": uris("2020-12"),
};

function uris(draft: Exclude<SchemaDraft, "4">): ReadonlySet<string> {
  return new Set(DOCUMENTS[draft].map((document) => String(document.$id).split("#")[0]!));
}

/**
 * Whether an absolute reference (as dereference() resolves it) points into
 * one of the draft's own bundled meta-schemas. Only the schema's own draft:
 * @cfworker/json-schema evaluates every document with one draft's rules, so a
 * draft-07 schema reaching the 2020-12 meta-schema would be judged by the
 * wrong ones.
 */
export function isMetaSchemaReference(absoluteRef: string, draft: SchemaDraft): boolean {
  return draft !== "4" && DOCUMENT_URIS[draft].has(absoluteRef.split("#")[0]!);
}
