// Checks real HTTP answers against what an OpenAPI 2.0 document declares for them: the status is
// declared, the content type is one the operation produces, declared headers are present, and the
// body validates against the declared schema. Swagger 2.0 schemas are JSON Schema draft-04 with
// a few extensions; x-nullable is turned into `anyOf [schema, null]`, the x- annotations dropped.
import AjvDraft04 from "ajv-draft-04";
import addFormatsModule from "ajv-formats";
import type { ValidateFunction } from "ajv";

type Json = Record<string, unknown>;

/** The CommonJS packages' classes, whichever way the loader resolved their default export. */
const Ajv = AjvDraft04.default;
const addFormats = addFormatsModule.default;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A Swagger 2.0 Schema Object as draft-04 JSON Schema ajv can run. */
export function toDraft04(schema: Json): Json {
  const node: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith("x-")) continue;
    if (key === "properties" && isObject(value))
      node.properties = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, isObject(child) ? toDraft04(child) : child]),
      );
    else if ((key === "items" || key === "additionalProperties") && isObject(value)) node[key] = toDraft04(value);
    else if (key === "allOf" && Array.isArray(value))
      node.allOf = value.map((branch: unknown) => (isObject(branch) ? toDraft04(branch) : branch));
    else node[key] = value;
  }
  return schema["x-nullable"] === true ? { anyOf: [node, { type: "null" }] } : node;
}

export interface DeclaredOperation {
  operationId: string;
  path: string;
  method: string;
  produces: string[];
  /** Whether the operation asks for a key (its security, or the document's). */
  keyed: boolean;
  /** Status code to its Response Object. */
  responses: Record<string, Json>;
}

export interface Answer {
  status: number;
  contentType: string | null;
  headers: Headers;
  text: string;
}

function operationsOf(document: Json): DeclaredOperation[] {
  const paths = isObject(document.paths) ? document.paths : {};
  const produces = Array.isArray(document.produces) ? document.produces.map(String) : [];
  const security = Array.isArray(document.security) ? document.security : [];
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(isObject(item) ? item : {})
      .filter(([method]) => ["get", "put", "post", "delete", "patch", "head", "options"].includes(method))
      .map(([method, operation]): DeclaredOperation => {
        if (!isObject(operation) || typeof operation.operationId !== "string" || !isObject(operation.responses))
          throw new Error(`${method} ${path}: no operationId or responses`);
        const responses = Object.fromEntries(
          Object.entries(operation.responses).map(([status, response]) => [status, isObject(response) ? response : {}]),
        );
        return {
          operationId: operation.operationId,
          path,
          method,
          produces: Array.isArray(operation.produces) ? operation.produces.map(String) : produces,
          keyed: (Array.isArray(operation.security) ? operation.security : security).length > 0,
          responses,
        };
      }),
  );
}

export class ContractValidator {
  readonly operations: ReadonlyMap<string, DeclaredOperation>;
  readonly #ajv: InstanceType<typeof Ajv>;
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(document: Json) {
    this.operations = new Map(operationsOf(document).map((operation) => [operation.operationId, operation]));
    this.#ajv = new Ajv({ allErrors: true, strict: true });
    // Swagger 2.0 keywords that say nothing about validity.
    this.#ajv.addVocabulary(["discriminator", "readOnly", "xml", "externalDocs", "example"]);
    addFormats(this.#ajv);
    const definitions = isObject(document.definitions) ? document.definitions : {};
    this.#ajv.addSchema({
      id: "openapi.json",
      definitions: Object.fromEntries(
        Object.entries(definitions).map(([name, schema]) => [name, isObject(schema) ? toDraft04(schema) : schema]),
      ),
    });
  }

  operation(operationId: string): DeclaredOperation {
    const operation = this.operations.get(operationId);
    if (operation === undefined) throw new Error(`the document has no operation ${operationId}`);
    return operation;
  }

  /** Every way `answer` breaks what the document declares for `operationId`; empty when it keeps it. */
  problems(operationId: string, answer: Answer): string[] {
    const operation = this.operation(operationId);
    const declared = operation.responses[String(answer.status)];
    if (declared === undefined)
      return [
        `status ${answer.status} is not declared (declared: ${Object.keys(operation.responses).join(", ")}); body: ${answer.text.slice(0, 300)}`,
      ];
    const problems: string[] = [];
    for (const header of Object.keys(isObject(declared.headers) ? declared.headers : {})) {
      if (answer.headers.get(header) === null) problems.push(`declared header ${header} is missing`);
    }
    if (!isObject(declared.schema)) {
      if (answer.text !== "") problems.push(`no body is declared, but one came: ${answer.text.slice(0, 300)}`);
      return problems;
    }
    const mediaType = answer.contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
    if (!operation.produces.includes(mediaType))
      problems.push(
        `content type ${answer.contentType ?? "(none)"} is not one the operation produces (${operation.produces.join(", ")})`,
      );
    let body: unknown = answer.text;
    if (mediaType.endsWith("json")) {
      try {
        body = JSON.parse(answer.text);
      } catch {
        return [...problems, `the body is not JSON: ${answer.text.slice(0, 300)}`];
      }
    }
    const validate = this.#validator(operationId, String(answer.status), declared.schema);
    if (!validate(body))
      problems.push(
        `the body does not match the declared schema: ${this.#ajv.errorsText(validate.errors)}; body: ${answer.text.slice(0, 500)}`,
      );
    return problems;
  }

  #validator(operationId: string, status: string, schema: Json): ValidateFunction {
    const key = `${operationId} ${status}`;
    let validate = this.#compiled.get(key);
    if (validate === undefined) {
      // The response's $refs point into the document's definitions.
      const resolved = JSON.parse(
        JSON.stringify(toDraft04(schema)).replaceAll('"#/definitions/', '"openapi.json#/definitions/'),
      ) as Json;
      validate = this.#ajv.compile(resolved);
      this.#compiled.set(key, validate);
    }
    return validate;
  }
}
