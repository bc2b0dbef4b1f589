/**
 * A typed client from the OpenAPI document: openapi-typescript generates the
 * types from the document the app builds, and tsc type-checks a realistic
 * usage (./typed-client/usage.ts: create, get, replace, look up, execute by id
 * and by name, exports) against them, as a user's project would.
 */
import path from "node:path";
import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import ts from "typescript";
import { expect, it } from "vitest";
import { publishedDocument } from "./published-document";

const USAGE = path.resolve(import.meta.dirname, "typed-client/usage.ts");
/** The module usage.ts imports; it exists only in memory, generated for each run. */
const GENERATED = path.resolve(import.meta.dirname, "typed-client/toolgate-api.ts");

/** Strict, as a careful user's tsconfig is; DOM for fetch's types, as in a browser or Node app. */
const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
  types: [],
  skipLibCheck: true,
};

/** tsc's diagnostics for usage.ts against `generated` as ./toolgate-api. */
function typeCheck(generated: string): string[] {
  const host = ts.createCompilerHost(COMPILER_OPTIONS);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (file) => path.resolve(file) === GENERATED || fileExists.call(host, file);
  host.readFile = (file) => (path.resolve(file) === GENERATED ? generated : readFile.call(host, file));
  host.getSourceFile = (file, language, ...rest) =>
    path.resolve(file) === GENERATED
      ? ts.createSourceFile(file, generated, language)
      : getSourceFile.call(host, file, language, ...rest);
  const program = ts.createProgram([USAGE], COMPILER_OPTIONS, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const file = d.file ? path.relative(process.cwd(), d.file.fileName) : "";
    return `${file}${where ? `:${where.line + 1}:${where.character + 1}` : ""} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

it("generates client types that a realistic usage type-checks against", async () => {
  const document = await publishedDocument();
  const generated = astToString(await openapiTS(document as unknown as OpenAPI3, { silent: true }));
  // No field a client sends or reads is typed as an object with no properties (a bare {"type": "object"}).
  expect(generated.match(/[\w"]+\??: Record<string, never>/g) ?? []).toEqual([]);
  expect(typeCheck(generated)).toEqual([]);
});
