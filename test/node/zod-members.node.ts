/**
 * The bundle's zod (src/zod/english-only.ts, wrangler.toml [alias]) has only
 * the members of `z` that toolgate uses. tsc reads zod's own types, so it would
 * not notice a new `z.tuple(...)` that the bundle lacks: this test reads every
 * value use of `z` in src/ (type positions such as `z.infer<...>` need nothing
 * at run time) and checks that the bundle's `z` has it.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { expect, it } from "vitest";
import * as bundled from "../../src/zod/english-only";

const src = path.join(import.meta.dirname, "..", "..", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !full.startsWith(path.join(src, "zod")) ? [full] : [];
  });
}

/** `z.a` and `z.a.b` read at run time, as "a" and "a.b"; any other value use of `z` as itself. */
function runtimeUses(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const uses: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node) && node.text === "z" && isValueReference(node)) {
      const parent = node.parent;
      if (ts.isPropertyAccessExpression(parent) && parent.expression === node) {
        const outer = parent.parent;
        const member = parent.name.text;
        uses.push(
          member === "core" && ts.isPropertyAccessExpression(outer) && outer.expression === parent
            ? `core.${outer.name.text}`
            : member,
        );
      } else {
        uses.push(
          `(z used as a value at ${path.relative(src, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1})`,
        );
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return uses;
}

/** An identifier `z` that is an expression, not a declaration, an import, a property name or part of a type. */
function isValueReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent) || ts.isImportClause(parent)) return false;
  if (ts.isNamespaceImport(parent) || ts.isVariableDeclaration(parent) || ts.isParameter(parent)) return false;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if (ts.isPropertyAssignment(parent) && parent.name === node) return false;
  if (ts.isQualifiedName(parent) || ts.isTypeReferenceNode(parent)) return false;
  for (let n: ts.Node = node; n.parent; n = n.parent)
    if (ts.isTypeNode(n) && !ts.isExpressionWithTypeArguments(n)) return false;
  return true;
}

it("the bundle's zod has every member of z that src/ uses at run time", () => {
  const used = new Set(sourceFiles(src).flatMap(runtimeUses));
  expect(used.size, "src/ uses z at all").toBeGreaterThan(5);
  const missing = [...used].filter((use) => {
    if (use.startsWith("(")) return true;
    const [first, second] = use.split(".");
    if (second === undefined) return !(first! in bundled);
    return !(second in bundled.core);
  });
  expect(missing, "add these to src/zod/english-only.ts (or core-english-only.ts)").toEqual([]);
});
