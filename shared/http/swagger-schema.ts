// JSON Schema (draft-04, as zod writes it) to Swagger 2.0 schema objects: Power Automate reads
// only Swagger 2.0's schema subset, so the few constructs it lacks (nullable unions, `const`,
// draft-6 exclusive bounds...) are rewritten, and anything that cannot be expressed is refused
// rather than emitted into a document a connector would reject.
import { BridgeError } from "../lib/errors.js";

export type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema keywords Swagger 2.0 gives both its Schema Object and its non-body Parameter
 * Object (with `items` for arrays).
 */
export const SHARED_KEYWORDS = [
  "type",
  "format",
  "enum",
  "default",
  "maximum",
  "exclusiveMaximum",
  "minimum",
  "exclusiveMinimum",
  "maxLength",
  "minLength",
  "pattern",
  "maxItems",
  "minItems",
  "uniqueItems",
  "multipleOf",
  "items",
] as const;

/** The keywords of a Swagger 2.0 Schema Object (besides `x-` extensions). */
const SWAGGER_SCHEMA_KEYWORDS = new Set<string>([
  ...SHARED_KEYWORDS,
  "$ref",
  "title",
  "description",
  "maxProperties",
  "minProperties",
  "required",
  "allOf",
  "properties",
  "additionalProperties",
  "discriminator",
  "readOnly",
  "xml",
  "externalDocs",
  "example",
]);

/** Annotations only: dropped without loss of meaning. */
const DROPPED_KEYWORDS = ["$schema", "$id", "$comment", "id"];

export function isSchema(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNullSchema(value: unknown): boolean {
  return isSchema(value) && value.type === "null" && Object.keys(value).length === 1;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

export class UnrepresentableSchemaError extends BridgeError {
  override readonly name = "UnrepresentableSchemaError";
  constructor(path: string, what: string) {
    super("unrepresentable-schema", `${path}: ${what} has no Swagger 2.0 equivalent`);
  }
}

function withoutKeys(schema: JsonSchema, keys: readonly string[]): JsonSchema {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => !keys.includes(key)));
}

/** `anyOf`/`oneOf` as Swagger 2.0 can say it: `X | null` (x-nullable) or a union of enums of one type. */
function collapseUnion(schema: JsonSchema, keyword: "anyOf" | "oneOf", path: string): JsonSchema {
  const branches = schema[keyword];
  const node = withoutKeys(schema, [keyword]);
  if (!Array.isArray(branches)) throw new UnrepresentableSchemaError(path, `a non-array ${keyword}`);
  const others = branches.filter((branch) => !isNullSchema(branch));
  if (others.length < branches.length) node["x-nullable"] = true;
  if (others.length === 1 && isSchema(others[0])) {
    const only = others[0];
    // Keywords beside a $ref are ignored in Swagger 2.0: wrap it to keep x-nullable and the description.
    if (typeof only.$ref === "string") node.allOf = [only];
    else for (const [key, value] of Object.entries(only)) if (!(key in node)) node[key] = value;
    return node;
  }
  const enums = others
    .filter(isSchema)
    .filter(
      (branch) => Array.isArray(branch.enum) && Object.keys(branch).every((key) => key === "enum" || key === "type"),
    );
  const types = new Set(enums.map((branch) => branch.type));
  if (others.length > 1 && enums.length === others.length && types.size === 1) {
    node.type = [...types][0];
    node.enum = [...new Set(enums.flatMap((branch) => branch.enum as unknown[]))];
    return node;
  }
  throw new UnrepresentableSchemaError(path, `a union (${keyword}) of other than one schema or enums`);
}

/** Draft-6 `exclusiveMinimum: n` becomes draft-4/Swagger `minimum: n, exclusiveMinimum: true` (same for maximum). */
function exclusiveBound(
  node: JsonSchema,
  exclusive: "exclusiveMinimum" | "exclusiveMaximum",
  inclusive: "minimum" | "maximum",
): JsonSchema {
  const bound = node[exclusive];
  if (typeof bound !== "number") return node;
  const other = node[inclusive];
  const stricter = typeof other !== "number" || (inclusive === "minimum" ? bound >= other : bound <= other);
  // Otherwise the inclusive bound is the stricter one, and the exclusive one says nothing more.
  return stricter ? { ...node, [inclusive]: bound, [exclusive]: true } : withoutKeys(node, [exclusive]);
}

/**
 * Rewrites one JSON Schema (draft-04 from zod; draft-07/2020-12 and OpenAPI 3.0 forms are handled too)
 * into a Swagger 2.0 Schema Object. Returns a new object; throws on what Swagger 2.0 cannot express.
 */
export function toSwaggerSchema(schema: JsonSchema, path = "#"): JsonSchema {
  let node = withoutKeys(schema, DROPPED_KEYWORDS);
  // Unions first: a branch merged into the node may carry any of the keywords handled below.
  while ("anyOf" in node || "oneOf" in node) node = collapseUnion(node, "anyOf" in node ? "anyOf" : "oneOf", path);
  if (Array.isArray(node.examples)) {
    if (node.examples.length > 0 && !("example" in node)) node.example = node.examples[0];
    delete node.examples;
  }
  if ("const" in node) {
    node.enum = [node.const];
    node.type ??= jsonType(node.const);
    delete node.const;
  }
  if (node.nullable === true) node["x-nullable"] = true;
  delete node.nullable;
  if (Array.isArray(node.type)) {
    const types = node.type.filter((type) => type !== "null");
    if (types.length < node.type.length) node["x-nullable"] = true;
    if (types.length !== 1) throw new UnrepresentableSchemaError(path, `type ${JSON.stringify(node.type)}`);
    node.type = types[0];
  }
  if (node.type === "null") throw new UnrepresentableSchemaError(path, "type null");
  if (node["x-nullable"] === true && Array.isArray(node.enum)) node.enum = node.enum.filter((value) => value !== null);
  node = exclusiveBound(node, "exclusiveMinimum", "minimum");
  node = exclusiveBound(node, "exclusiveMaximum", "maximum");
  // z.record(z.string(), ...) says its keys are strings: every JSON key is.
  if (
    isSchema(node.propertyNames) &&
    node.propertyNames.type === "string" &&
    Object.keys(node.propertyNames).length === 1
  )
    delete node.propertyNames;

  if (typeof node.$ref === "string") {
    const name = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(node.$ref)?.[1];
    if (name === undefined) throw new UnrepresentableSchemaError(path, `$ref ${node.$ref}`);
    node.$ref = `#/definitions/${name}`;
  }
  if (isSchema(node.properties)) {
    node.properties = Object.fromEntries(
      Object.entries(node.properties).map(([key, value]) => [
        key,
        toSwaggerSchema(value as JsonSchema, `${path}/properties/${key}`),
      ]),
    );
  }
  if (Array.isArray(node.items)) throw new UnrepresentableSchemaError(path, "a tuple (items array)");
  if (isSchema(node.items)) node.items = toSwaggerSchema(node.items, `${path}/items`);
  if (isSchema(node.additionalProperties))
    node.additionalProperties = toSwaggerSchema(node.additionalProperties, `${path}/additionalProperties`);
  if (Array.isArray(node.allOf))
    node.allOf = node.allOf.map((branch, i) => toSwaggerSchema(branch as JsonSchema, `${path}/allOf/${i}`));
  if (Array.isArray(node.required) && node.required.length === 0) delete node.required;

  for (const key of Object.keys(node)) {
    if (!SWAGGER_SCHEMA_KEYWORDS.has(key) && !key.startsWith("x-"))
      throw new UnrepresentableSchemaError(path, `keyword "${key}"`);
  }
  return node;
}
