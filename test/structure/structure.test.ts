import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/** Every TypeScript module of the project, relative to its root. */
function projectModules(): string[] {
  const roots = [
    "main.ts",
    "environments",
    "stacks",
    "handlers",
    "synthesized",
    "policy",
    "cost",
    "local",
    "scripts",
  ];
  const files: string[] = [];
  const walk = (entry: string) => {
    if (statSync(entry).isDirectory()) for (const child of readdirSync(entry)) walk(path.join(entry, child));
    else if (entry.endsWith(".ts")) files.push(entry);
  };
  for (const root of roots) walk(root);
  return files.sort();
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
}

/** Relative imports of a module (type-only imports included: they are dependencies of the design too). */
function importsOf(file: string, source: ts.SourceFile): string[] {
  const imports: string[] = [];
  for (const statement of source.statements) {
    if (
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier) &&
      statement.moduleSpecifier.text.startsWith(".")
    ) {
      imports.push(path.normalize(path.join(path.dirname(file), statement.moduleSpecifier.text)));
    }
  }
  return imports;
}

const modules = projectModules();
const sources = new Map(modules.map((file) => [file, parse(file)]));
const graph = new Map(modules.map((file) => [file, importsOf(file, sources.get(file) as ts.SourceFile)]));

describe("the code's structure", () => {
  it("has no import cycle", () => {
    const cycles: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "visiting") {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(" -> "));
        return;
      }
      state.set(file, "visiting");
      for (const target of graph.get(file) ?? []) visit(target, [...trail, file]);
      state.set(file, "done");
    };
    for (const file of modules) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it("keeps constructs ignorant of the stack that composes them", () => {
    const offenders = modules
      .filter((file) => file.startsWith("stacks/constructs/"))
      .flatMap((file) =>
        (graph.get(file) ?? [])
          .filter(
            (target) => target === "stacks/service-stack.ts" || target.startsWith("stacks/capabilities/"),
          )
          .map((target) => `${file} imports ${target}`),
      );
    expect(offenders).toEqual([]);
  });

  it("has no constructor over 80 lines", () => {
    const long: string[] = [];
    for (const [file, source] of sources) {
      const visit = (node: ts.Node) => {
        if (ts.isConstructorDeclaration(node)) {
          const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
          const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
          if (end - start + 1 > 80) long.push(`${file}:${start + 1} (${end - start + 1} lines)`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(long).toEqual([]);
  });

  it("reads the process environment only in main.ts, never in stacks/", () => {
    const readers = modules.filter(
      (file) => file.startsWith("stacks/") && readFileSync(file, "utf8").includes("process.env"),
    );
    expect(readers).toEqual([]);
  });
});
