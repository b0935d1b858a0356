// Reads the Bicep in infra/ through tree-sitter-bicep's WASM grammar (the Bicep CLI is a
// downloaded binary and cannot run here): parse trees, declarations and object properties.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Language, Parser, type Node } from "web-tree-sitter";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const INFRA = join(ROOT, "infra");

const grammar = join(
  dirname(createRequire(import.meta.url).resolve("tree-sitter-bicep/package.json")),
  "tree-sitter-bicep.wasm",
);

let parser: Promise<Parser> | undefined;

async function bicepParser(): Promise<Parser> {
  await Parser.init();
  const created = new Parser();
  created.setLanguage(await Language.load(grammar));
  return created;
}

/** The parse tree's root of Bicep source. */
export async function parseBicep(source: string): Promise<Node> {
  parser ??= bicepParser();
  const tree = (await parser).parse(source);
  if (tree === null) throw new Error("tree-sitter returned no tree");
  return tree.rootNode;
}

/** Every .bicep file under infra/, as paths relative to it. */
export function bicepFiles(folder = INFRA, prefix = ""): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? bicepFiles(join(folder, entry.name), `${prefix}${entry.name}/`)
      : entry.name.endsWith(".bicep")
        ? [`${prefix}${entry.name}`]
        : [],
  );
}

/** The parse tree of a file under infra/. */
export function parseInfraFile(path: string): Promise<Node> {
  return parseBicep(readFileSync(join(INFRA, path), "utf8"));
}

export function children(node: Node): Node[] {
  return node.namedChildren.filter((child): child is Node => child !== null);
}

/** Where the tree has an error or a missing token, as "line:column text". */
export function syntaxErrors(node: Node): string[] {
  const own =
    node.isError || node.isMissing
      ? [`${node.startPosition.row + 1}:${node.startPosition.column + 1} ${node.text.slice(0, 40)}`]
      : [];
  return [...own, ...node.children.filter((child): child is Node => child !== null).flatMap(syntaxErrors)];
}

export function descendants(node: Node, type: string): Node[] {
  return node.descendantsOfType(type).filter((found): found is Node => found !== null);
}

/** The text of a string literal without interpolation; undefined for anything else. */
export function literal(node: Node | undefined): string | undefined {
  if (node?.type !== "string") return undefined;
  const parts = children(node);
  return parts.every((part) => part.type === "string_content") ? parts.map((part) => part.text).join("") : undefined;
}

/** An object's properties by key (identifier or quoted). */
export function properties(object: Node): Map<string, Node> {
  const found = new Map<string, Node>();
  for (const property of children(object).filter((child) => child.type === "object_property")) {
    const [key, value] = children(property);
    if (key === undefined || value === undefined) continue;
    found.set(key.type === "string" ? (literal(key) ?? key.text) : key.text, value);
  }
  return found;
}

/** The value at a path of keys through nested objects. */
export function at(object: Node | undefined, ...path: string[]): Node | undefined {
  let node = object;
  for (const key of path) {
    if (node?.type !== "object") return undefined;
    node = properties(node).get(key);
  }
  return node;
}

/** The value of `var name = ...`. */
export function variable(root: Node, name: string): Node {
  const declaration = children(root).find(
    (child) => child.type === "variable_declaration" && children(child)[0]?.text === name,
  );
  const value = declaration === undefined ? undefined : children(declaration)[1];
  if (value === undefined) throw new Error(`no var ${name}`);
  return value;
}

export interface Declared {
  symbol: string;
  /** The quoted type (`Microsoft.Web/sites@2024-04-01`) or module path. */
  target: string;
  /** The body object, inside any `if (...)` or `[for ...]`. */
  body: Node;
  existing: boolean;
  loop: boolean;
  conditional: boolean;
}

function declared(root: Node, type: "resource_declaration" | "module_declaration"): Declared[] {
  return children(root)
    .filter((child) => child.type === type)
    .map((declaration) => {
      const [symbol, target, value] = children(declaration);
      if (symbol === undefined || target === undefined || value === undefined)
        throw new Error(`incomplete declaration: ${declaration.text.slice(0, 60)}`);
      const inner = value.type === "object" ? value : children(value).find((child) => child.type === "object");
      if (inner === undefined) throw new Error(`no body in ${symbol.text}`);
      return {
        symbol: symbol.text,
        target: literal(target) ?? target.text,
        body: inner,
        existing: /\bexisting\s*=/.test(declaration.text.slice(0, value.startIndex - declaration.startIndex)),
        loop: value.type === "for_statement",
        conditional: value.type === "if_statement",
      };
    });
}

export const resources = (root: Node): Declared[] => declared(root, "resource_declaration");
export const modules = (root: Node): Declared[] => declared(root, "module_declaration");

/** The one declaration with this symbol. */
export function named(list: Declared[], symbol: string): Declared {
  const found = list.find((item) => item.symbol === symbol);
  if (found === undefined) throw new Error(`no declaration ${symbol}`);
  return found;
}

/** Keys of an object literal. */
export function keysOf(object: Node): string[] {
  return [...properties(object).keys()];
}
