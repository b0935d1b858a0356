// The OpenAPI 2.0 document for the Power Automate connector: valid Swagger 2.0, generated from the
// zod schemas (not restated by hand), labelled for flow authors, keyed where it should be, < 1 MB.
import SwaggerParser from "@apidevtools/swagger-parser";
import type { OpenAPI } from "openapi-types";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { CRITERIA } from "../../../shared/domain/escalations/criteria.js";
import { EscalationStatus, EscalationSummary } from "../../../shared/domain/escalations/escalation.js";
import { PROBLEM_TYPE_URIS, ProblemDetails } from "../../../shared/http/problem.js";
import {
  Contact,
  Customer,
  EscalationRequest,
  FirstLineSupport,
  IssueCategory,
  Severity,
} from "../../../shared/domain/escalations/escalation-request.js";
import { EscalationPersonalData, EscalationView, PersonalDataErased } from "../../../shared/http/api-schemas.js";
import { EVENT_FILTERS } from "../../../shared/domain/events/manage-subscriptions.js";
import { EVENT_TYPES } from "../../../shared/domain/events/subscription.js";
import { buildOpenApiDocument, type OpenApiDocument } from "../../../shared/http/openapi.js";
import { toSwaggerSchema, type JsonSchema } from "../../../shared/http/swagger-schema.js";

const HOST = "escalations.chinacloudsites.cn";
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch"];

function build(): OpenApiDocument {
  return buildOpenApiDocument({ host: HOST });
}

function record(value: unknown): JsonSchema {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`not an object: ${JSON.stringify(value)}`);
  return value as JsonSchema;
}

function definition(doc: OpenApiDocument, name: string): JsonSchema {
  return record(doc.definitions[name]);
}

function propertiesOf(schema: JsonSchema): Record<string, JsonSchema> {
  return record(schema.properties) as Record<string, JsonSchema>;
}

function operations(doc: OpenApiDocument): { path: string; method: string; operation: JsonSchema }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ path, method, operation })),
  );
}

function operation(doc: OpenApiDocument, path: string, method: string): JsonSchema {
  return record(doc.paths[path]?.[method]);
}

function parametersOf(op: JsonSchema): JsonSchema[] {
  return (op.parameters as unknown[]).map(record);
}

function parameter(op: JsonSchema, name: string): JsonSchema {
  const found = parametersOf(op).find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no parameter ${name}`);
  return found;
}

/** Every [JSON pointer, key, value] of the document, depth first. */
function* walk(value: unknown, pointer = "#"): Generator<[string, string, unknown]> {
  if (typeof value !== "object" || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    yield [pointer, key, child];
    yield* walk(child, `${pointer}/${key}`);
  }
}

/** Schema positions only: not the `properties` maps, whose keys are field names. */
function* schemaNodes(schema: unknown, pointer: string): Generator<[string, JsonSchema]> {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return;
  const node = schema as JsonSchema;
  yield [pointer, node];
  if (typeof node.properties === "object" && node.properties !== null) {
    for (const [key, child] of Object.entries(node.properties))
      yield* schemaNodes(child, `${pointer}/properties/${key}`);
  }
  yield* schemaNodes(node.items, `${pointer}/items`);
  yield* schemaNodes(node.additionalProperties, `${pointer}/additionalProperties`);
  if (Array.isArray(node.allOf))
    for (const [i, branch] of node.allOf.entries()) yield* schemaNodes(branch, `${pointer}/allOf/${i}`);
}

function allSchemaNodes(doc: OpenApiDocument): [string, JsonSchema][] {
  const roots: [string, unknown][] = Object.entries(doc.definitions).map(([name, schema]) => [
    `#/definitions/${name}`,
    schema,
  ]);
  for (const { path, method, operation: op } of operations(doc)) {
    for (const param of parametersOf(op))
      if (param.schema !== undefined) roots.push([`${path} ${method} body`, param.schema]);
    for (const [status, response] of Object.entries(record(op.responses)))
      roots.push([`${path} ${method} ${status}`, record(response).schema]);
  }
  return roots.flatMap(([pointer, schema]) => [...schemaNodes(schema, pointer)]);
}

function requiredKeys(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => !(field instanceof z.ZodOptional))
    .map(([key]) => key);
}

function isStrict(schema: z.ZodObject): boolean {
  return schema.def.catchall instanceof z.ZodNever;
}

describe("buildOpenApiDocument", () => {
  it("when validated by swagger-parser, then it is a valid Swagger 2.0 document", async () => {
    const doc = build();
    // validate() dereferences in place: hand it a copy.
    const validated = await SwaggerParser.validate(structuredClone(doc) as unknown as OpenAPI.Document);
    expect(validated).toMatchObject({ swagger: "2.0" });
    expect(doc.paths["/escalations"]?.post?.parameters).toContainEqual(
      expect.objectContaining({ schema: { $ref: "#/definitions/EscalationRequest" } }),
    );
  });

  it("when given a host only, then basePath is /api and the scheme https; given more, they are used", () => {
    expect(build()).toMatchObject({
      swagger: "2.0",
      host: HOST,
      basePath: "/api",
      schemes: ["https"],
      consumes: ["application/json"],
      produces: ["application/json", "application/problem+json"],
    });
    expect(buildOpenApiDocument({ host: "127.0.0.1:7071", basePath: "/v1", schemes: ["http"] })).toMatchObject({
      host: "127.0.0.1:7071",
      basePath: "/v1",
      schemes: ["http"],
    });
  });

  it("when no host is given, then the document names none (clients use the host serving it) and is still valid", async () => {
    const doc = buildOpenApiDocument();
    expect(doc).not.toHaveProperty("host");
    expect(doc).toMatchObject({ basePath: "/api", schemes: ["https"] });
    await expect(SwaggerParser.validate(structuredClone(doc) as unknown as OpenAPI.Document)).resolves.toMatchObject({
      swagger: "2.0",
    });
  });

  it("when the host has a scheme, a path, a space, a bracket or a port out of range, or the basePath no leading slash, then it is refused", () => {
    for (const host of [
      `https://${HOST}`,
      `${HOST}/api`,
      "a b",
      "[::1",
      "evil.example:0",
      "evil.example:70000",
      "-bad.example",
      "",
    ]) {
      expect(() => buildOpenApiDocument({ host }), host).toThrow(RangeError);
    }
    expect(() => buildOpenApiDocument({ host: HOST, basePath: "api" })).toThrow(RangeError);
    expect(() => buildOpenApiDocument({ host: HOST, schemes: [] })).toThrow(RangeError);
  });

  it("when serialized, then it is well under the 1 MB connector limit and survives a JSON round trip", () => {
    const doc = build();
    const json = JSON.stringify(doc);
    expect(Buffer.byteLength(json)).toBeLessThan(1024 * 1024);
    expect(Buffer.byteLength(json)).toBeLessThan(100 * 1024);
    expect(JSON.parse(json)).toEqual(doc);
  });

  it("when built twice, then the documents are equal but independent", () => {
    const first = build();
    const second = build();
    expect(second).toEqual(first);
    definition(first, "EscalationRequest").title = "changed";
    expect(definition(second, "EscalationRequest").title).toBeUndefined();
  });
});

describe("schemas generated from zod", () => {
  it("when reading the POST /escalations body, then it is EscalationRequest: same properties, same required keys, strict", () => {
    const doc = build();
    const body = parameter(operation(doc, "/escalations", "post"), "body");
    expect(body).toMatchObject({ in: "body", required: true, schema: { $ref: "#/definitions/EscalationRequest" } });
    const request = definition(doc, "EscalationRequest");
    expect(Object.keys(propertiesOf(request))).toEqual(Object.keys(EscalationRequest.shape));
    expect(request.required).toEqual(requiredKeys(EscalationRequest));
    expect(request.required).toEqual([
      "customer",
      "service",
      "severity",
      "title",
      "description",
      "contact",
      "firstLineSupport",
    ]);
    expect(request.additionalProperties).toBe(false);
  });

  it("when reading enums and limits, then they are the zod schemas' own", () => {
    const request = propertiesOf(definition(build(), "EscalationRequest"));
    expect(request.severity).toMatchObject({ type: "string", enum: Severity.options });
    expect(request.category).toMatchObject({ type: "string", enum: IssueCategory.options });
    expect(request.title).toMatchObject({ type: "string", minLength: 1, maxLength: 200 });
    expect(request.description).toMatchObject({ maxLength: 30_000 });
    expect(request.customer).toEqual({ $ref: "#/definitions/Customer" });
    expect(request.contact).toEqual({ $ref: "#/definitions/Contact" });
    expect(request.firstLineSupport).toEqual({ $ref: "#/definitions/FirstLineSupport" });
  });

  it("when reading the nested objects, then each matches its zod object: properties, required keys, formats, strictness", () => {
    const doc = build();
    const pairs: [string, z.ZodObject][] = [
      ["EscalationRequest", EscalationRequest],
      ["Customer", Customer],
      ["Contact", Contact],
      ["FirstLineSupport", FirstLineSupport],
      ["EscalationView", EscalationView],
      ["EscalationSummary", EscalationSummary],
      ["ProblemDetails", ProblemDetails],
    ];
    for (const [name, schema] of pairs) {
      const generated = definition(doc, name);
      expect(Object.keys(propertiesOf(generated)), name).toEqual(Object.keys(schema.shape));
      expect(generated.required, name).toEqual(requiredKeys(schema));
      if (isStrict(schema)) expect(generated.additionalProperties, name).toBe(false);
      else expect(generated.additionalProperties, name).not.toBe(false);
    }
    expect(propertiesOf(definition(doc, "Customer")).tenantId).toMatchObject({ type: "string", format: "uuid" });
    expect(propertiesOf(definition(doc, "Contact")).email).toMatchObject({
      type: "string",
      format: "email",
      maxLength: 254,
    });
    expect(propertiesOf(definition(doc, "FirstLineSupport")).stepsTaken).toMatchObject({
      type: "array",
      maxItems: 50,
      items: { type: "string", maxLength: 2_000 },
    });
  });

  it("when reading the response schemas, then they carry the lifecycle statuses, history and criteria", () => {
    const doc = build();
    expect(propertiesOf(definition(doc, "SubmitAccepted")).status).toMatchObject({ enum: EscalationStatus.options });
    const view = propertiesOf(definition(doc, "EscalationView"));
    expect(view.status).toMatchObject({ enum: EscalationStatus.options });
    expect(view.history).toMatchObject({ type: "array", items: { $ref: "#/definitions/HistoryEntry" } });
    expect(view.criteria).toMatchObject({ type: "array", items: { $ref: "#/definitions/CriterionDecision" } });
    expect(view.createdAt).toMatchObject({ type: "string", format: "date-time" });
    expect(view.vianet).toMatchObject({ allOf: [{ $ref: "#/definitions/VianetReference" }] });
    expect(definition(doc, "EscalationView").required).not.toContain("vianet");
    expect(definition(doc, "VianetReference").required).toEqual(["channel", "status"]);
    expect(propertiesOf(definition(doc, "VianetReference")).channel).toMatchObject({
      enum: ["partner-center", "portal"],
    });
    expect(view.portalCase).toMatchObject({ allOf: [{ $ref: "#/definitions/CasePackage" }] });
    expect(definition(doc, "CasePackage").required).toEqual([
      "portalPath",
      "customer",
      "service",
      "severity",
      "title",
      "description",
    ]);
    expect(propertiesOf(definition(doc, "CriterionDecision")).criterion).toMatchObject({ enum: [...CRITERIA] });
    // HistoryEntry.from is EscalationStatus.nullable(): the first entry has no previous status.
    expect(propertiesOf(definition(doc, "HistoryEntry")).from).toMatchObject({
      type: "string",
      enum: EscalationStatus.options,
      "x-nullable": true,
    });
    expect(definition(doc, "EscalationList")).toMatchObject({
      required: ["items"],
      properties: { items: { type: "array", items: { $ref: "#/definitions/EscalationSummary" } } },
    });
    // The list's index rows keep the customer's tenant id, not the whole customer.
    expect(definition(doc, "EscalationSummary").required).toEqual([
      "id",
      "status",
      "tenantId",
      "service",
      "severity",
      "title",
      "createdAt",
      "updatedAt",
    ]);
    expect(propertiesOf(definition(doc, "ProblemDetails"))["unmet-criteria"]).toMatchObject({ type: "array" });
    expect(definition(doc, "ProblemDetails")).toMatchObject({
      required: ["type", "title", "status"],
      properties: { "invalid-params": { items: { $ref: "#/definitions/ProblemInvalidParam" } } },
    });
    // The closed set of problem types is published, so a client can switch over it.
    expect(propertiesOf(definition(doc, "ProblemDetails")).type).toMatchObject({
      type: "string",
      format: "uri",
      enum: PROBLEM_TYPE_URIS,
    });
  });

  it("when walking the whole document, then no draft-6+ or non-Swagger keyword survives", () => {
    const doc = build();
    for (const [pointer, key] of walk(doc)) {
      expect(
        [
          "$schema",
          "$id",
          "$defs",
          "const",
          "anyOf",
          "oneOf",
          "not",
          "nullable",
          "examples",
          "propertyNames",
          "patternProperties",
          "prefixItems",
        ],
        `${pointer}/${key}`,
      ).not.toContain(key);
    }
    for (const [pointer, node] of allSchemaNodes(doc)) {
      expect(typeof node.exclusiveMinimum === "number", `${pointer} exclusiveMinimum`).toBe(false);
      expect(typeof node.exclusiveMaximum === "number", `${pointer} exclusiveMaximum`).toBe(false);
      expect(Array.isArray(node.type), `${pointer} type`).toBe(false);
      expect(Array.isArray(node.items), `${pointer} items`).toBe(false);
      if (typeof node.$ref === "string") {
        expect(node.$ref, pointer).toMatch(/^#\/definitions\/[A-Za-z]+$/);
        expect(doc.definitions[node.$ref.slice("#/definitions/".length)], node.$ref).toBeDefined();
      }
    }
  });
});

describe("operations", () => {
  it("when listing operations, then there are the eighteen routes, each with a unique operationId and a summary", () => {
    const doc = build();
    const all = operations(doc);
    expect(all.map(({ path, method }) => `${method.toUpperCase()} ${path}`).sort()).toEqual(
      [
        "POST /escalations",
        "GET /escalations",
        "GET /escalations/{id}",
        "POST /escalations/{id}/vianet-case",
        "POST /escalations/{id}/vianet-updates",
        "POST /vianet-cases/{caseNumber}/updates",
        "POST /escalations/{id}/notes",
        "POST /escalations/{id}/retry",
        "GET /customers/{tenantId}/personal-data",
        "DELETE /customers/{tenantId}/personal-data",
        "POST /webhooks/escalations",
        "POST /subscriptions",
        "GET /subscriptions",
        "GET /subscriptions/{id}",
        "DELETE /subscriptions/{id}",
        "GET /metrics",
        "GET /metrics.csv",
        "GET /health",
      ].sort(),
    );
    const ids = all.map(({ operation: op }) => op.operationId);
    expect(ids).toEqual([
      "SubmitEscalation",
      "ListEscalations",
      "GetEscalation",
      "RecordVianetCase",
      "RecordVianetUpdate",
      "RecordVianetCaseUpdate",
      "AddPartnerNote",
      "RetryEscalation",
      "GetCustomerPersonalData",
      "EraseCustomerPersonalData",
      "ReceiveEscalationWebhook",
      "WhenAnEscalationChanges",
      "ListSubscriptions",
      "GetSubscription",
      "DeleteSubscription",
      "GetEscalationMetrics",
      "GetEscalationMetricsCsv",
      "GetHealth",
    ]);
    for (const { operation: op } of all) {
      expect(op.operationId).toMatch(/^[A-Za-z]+$/);
      expect(typeof op.summary === "string" && op.summary.length > 0, String(op.operationId)).toBe(true);
      expect(typeof op.description, String(op.operationId)).toBe("string");
    }
  });

  it("when reading parameters, then every one has an x-ms-summary and a visibility where it is not the body", () => {
    for (const { operation: op } of operations(build())) {
      for (const param of parametersOf(op)) {
        expect(param["x-ms-summary"], `${String(op.operationId)} ${String(param.name)}`).toEqual(expect.any(String));
        if (param.in !== "body") expect(["important", "advanced"]).toContain(param["x-ms-visibility"]);
      }
    }
  });

  it("when reading the request body definitions, then every field has an x-ms-summary: required ones important, optional ones advanced", () => {
    const doc = build();
    for (const name of [
      "EscalationRequest",
      "Customer",
      "Contact",
      "FirstLineSupport",
      "VianetUpdateBody",
      "PartnerNoteBody",
    ]) {
      const schema = definition(doc, name);
      expect(schema["x-ms-summary"], name).toEqual(expect.any(String));
      const required = (schema.required as string[] | undefined) ?? [];
      for (const [key, property] of Object.entries(propertiesOf(schema))) {
        if (typeof property.$ref === "string") continue; // labelled by its definition
        expect(property["x-ms-summary"], `${name}.${key}`).toEqual(expect.any(String));
        expect(property["x-ms-visibility"], `${name}.${key}`).toBe(required.includes(key) ? "important" : "advanced");
      }
    }
  });

  it("when securing operations, then the function key is required everywhere but /health and the signed webhook", () => {
    const doc = build();
    expect(doc.securityDefinitions).toEqual({
      functionKey: expect.objectContaining({ type: "apiKey", in: "header", name: "x-functions-key" }) as unknown,
    });
    expect(doc).not.toHaveProperty("security");
    const security: Record<string, unknown> = Object.fromEntries(
      operations(doc).map(({ operation: op }): [string, unknown] => [String(op.operationId), op.security]),
    );
    expect(security).toEqual({
      SubmitEscalation: [{ functionKey: [] }],
      ListEscalations: [{ functionKey: [] }],
      GetEscalation: [{ functionKey: [] }],
      RecordVianetCase: [{ functionKey: [] }],
      RecordVianetUpdate: [{ functionKey: [] }],
      RecordVianetCaseUpdate: [{ functionKey: [] }],
      AddPartnerNote: [{ functionKey: [] }],
      RetryEscalation: [{ functionKey: [] }],
      GetCustomerPersonalData: [{ functionKey: [] }],
      EraseCustomerPersonalData: [{ functionKey: [] }],
      ReceiveEscalationWebhook: [],
      WhenAnEscalationChanges: [{ functionKey: [] }],
      ListSubscriptions: [{ functionKey: [] }],
      GetSubscription: [{ functionKey: [] }],
      DeleteSubscription: [{ functionKey: [] }],
      GetEscalationMetrics: [{ functionKey: [] }],
      GetEscalationMetricsCsv: [{ functionKey: [] }],
      GetHealth: [],
    });
  });

  it("when reading the metrics operations, then window and fresh are the handler's own query, JSON answers MetricsView and CSV a string", () => {
    const doc = build();
    for (const path of ["/metrics", "/metrics.csv"]) {
      const op = operation(doc, path, "get");
      expect(parameter(op, "window"), path).toMatchObject({
        in: "query",
        required: false,
        type: "string",
        enum: ["1h", "24h", "7d", "30d"],
        default: "24h",
      });
      expect(parameter(op, "fresh"), path).toMatchObject({
        in: "query",
        required: false,
        enum: ["true", "false"],
        default: "false",
      });
      expect(Object.keys(record(op.responses)).sort(), path).toEqual(["200", "400", "401", "403"]);
    }
    expect(record(record(operation(doc, "/metrics", "get").responses)["200"]).schema).toEqual({
      $ref: "#/definitions/MetricsView",
    });
    expect(operation(doc, "/metrics.csv", "get").produces).toEqual(["text/csv", "application/problem+json"]);
    const view = definition(doc, "MetricsView");
    expect(Object.keys(propertiesOf(view)).sort()).toEqual([
      "backlog",
      "generatedAt",
      "quality",
      "targets",
      "timeToClose",
      "timeToForward",
      "timeToVianetResponse",
      "volumes",
      "window",
    ]);
    const severities = propertiesOf(record(propertiesOf(record(propertiesOf(view).timeToForward)).bySeverity));
    expect(Object.keys(severities)).toEqual(["critical", "moderate", "minimal"]);
    expect(severities.critical).toEqual({ $ref: "#/definitions/Durations" });
    const vianetResponse = record(propertiesOf(record(propertiesOf(view).targets)).vianetResponse);
    expect(record(propertiesOf(vianetResponse).breaches).items).toEqual({ $ref: "#/definitions/VianetBreach" });
    expect(record(propertiesOf(definition(doc, "VianetBreach")).state).enum).toEqual([
      "responded-late",
      "still-waiting",
    ]);
  });

  it("when submitting, then Idempotency-Key is optional and at most 255, and the answers are 202 with Location, problems, and 409", () => {
    const submit = operation(build(), "/escalations", "post");
    expect(parameter(submit, "Idempotency-Key")).toMatchObject({
      in: "header",
      required: false,
      type: "string",
      minLength: 1,
      maxLength: 255,
    });
    const responses = record(submit.responses);
    expect(Object.keys(responses).sort()).toEqual(["202", "400", "401", "409", "413", "415", "422"]);
    expect(responses["202"]).toMatchObject({
      headers: { Location: { type: "string" } },
      schema: { $ref: "#/definitions/SubmitAccepted" },
    });
    for (const status of ["400", "401", "409", "413", "415", "422"])
      expect(responses[status], status).toMatchObject({ schema: { $ref: "#/definitions/ProblemDetails" } });
  });

  it("when an operation refuses a request, then every refusal is declared as problem+json, the list's 404 and the webhook's 409 included", () => {
    const doc = build();
    for (const { path, method, operation: op } of operations(doc)) {
      for (const [status, response] of Object.entries(record(op.responses))) {
        if (status.startsWith("4"))
          expect(record(response).schema, `${method} ${path} ${status}`).toEqual({
            $ref: "#/definitions/ProblemDetails",
          });
      }
    }
    expect(Object.keys(record(operation(doc, "/escalations", "get").responses)).sort()).toEqual([
      "200",
      "400",
      "401",
      "404",
    ]);
    expect(Object.keys(record(operation(doc, "/webhooks/escalations", "post").responses)).sort()).toEqual([
      "202",
      "400",
      "401",
      "409",
      "413",
      "415",
      "422",
    ]);
  });

  it("when receiving a webhook, then the three Standard Webhooks headers are required and the body is the same", () => {
    const webhook = operation(build(), "/webhooks/escalations", "post");
    for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
      expect(parameter(webhook, name)).toMatchObject({ in: "header", required: true, type: "string" });
    }
    expect(parameter(webhook, "body")).toMatchObject({ schema: { $ref: "#/definitions/EscalationRequest" } });
    expect(parameter(webhook, "webhook-timestamp").pattern).toBe("^[0-9]+$");
    const responses = record(webhook.responses);
    expect(responses["202"]).toMatchObject({
      headers: { Location: { type: "string" } },
      schema: { $ref: "#/definitions/SubmitAccepted" },
    });
    expect(responses["401"]).toMatchObject({ schema: { $ref: "#/definitions/ProblemDetails" } });
  });

  it("when getting one escalation, then the id is a required path parameter and the answers are 200 and 404", () => {
    const get = operation(build(), "/escalations/{id}", "get");
    expect(parameter(get, "id")).toMatchObject({ in: "path", required: true, type: "string" });
    expect(record(get.responses)).toMatchObject({
      "200": { schema: { $ref: "#/definitions/EscalationView" } },
      "404": { schema: { $ref: "#/definitions/ProblemDetails" } },
    });
  });

  it("when reading the customer personal-data routes, then tenantId is a required uuid path parameter, GET answers PersonalDataView and DELETE the counts, both refusing with problems", () => {
    const doc = build();
    const get = operation(doc, "/customers/{tenantId}/personal-data", "get");
    const erase = operation(doc, "/customers/{tenantId}/personal-data", "delete");
    for (const op of [get, erase]) {
      expect(parameter(op, "tenantId")).toMatchObject({ in: "path", required: true, type: "string", format: "uuid" });
      expect(op.summary).toMatch(/^(Get|Erase) a customer's personal data$/);
      for (const status of ["400", "401", "404"])
        expect(record(op.responses)[status], status).toMatchObject({
          schema: { $ref: "#/definitions/ProblemDetails" },
        });
    }
    expect(record(get.responses)["200"]).toMatchObject({ schema: { $ref: "#/definitions/PersonalDataView" } });
    expect(record(erase.responses)["200"]).toMatchObject({ schema: { $ref: "#/definitions/PersonalDataErased" } });
    expect(Object.keys(propertiesOf(definition(doc, "PersonalDataErased"))).sort()).toEqual(
      Object.keys(PersonalDataErased.shape).sort(),
    );
    expect(Object.keys(propertiesOf(definition(doc, "EscalationPersonalData"))).sort()).toEqual(
      Object.keys(EscalationPersonalData.shape).sort(),
    );
    for (const [key, property] of Object.entries(propertiesOf(definition(doc, "PersonalDataErased"))))
      expect(property["x-ms-summary"], key).toEqual(expect.any(String));
  });

  it("when listing, then the query parameters are typed from the zod query schema", () => {
    const list = operation(build(), "/escalations", "get");
    expect(parametersOf(list).map((param) => [param.name, param.in, param.required])).toEqual([
      ["tenantId", "query", false],
      ["status", "query", false],
      ["from", "query", false],
      ["to", "query", false],
      ["pageSize", "query", false],
      ["continuationToken", "query", false],
    ]);
    expect(parameter(list, "tenantId")).toMatchObject({ type: "string", format: "uuid" });
    expect(parameter(list, "status")).toMatchObject({ type: "string", enum: EscalationStatus.options });
    expect(parameter(list, "from")).toMatchObject({ type: "string", format: "date-time" });
    expect(parameter(list, "to")).toMatchObject({ type: "string", format: "date-time" });
    expect(parameter(list, "pageSize")).toMatchObject({ type: "integer", minimum: 1, maximum: 100 });
    expect(record(list.responses)).toMatchObject({
      "200": { schema: { $ref: "#/definitions/EscalationList" } },
      "400": { schema: { $ref: "#/definitions/ProblemDetails" } },
    });
  });

  it("when checking health, then 200 and 503 both carry the status only, without a key", () => {
    const health = operation(build(), "/health", "get");
    expect(record(health.responses)).toMatchObject({
      "200": { schema: { $ref: "#/definitions/HealthStatus" } },
      "503": { schema: { $ref: "#/definitions/HealthStatus" } },
    });
    expect(health.security).toEqual([]);
  });
});

describe("the Power Automate webhook trigger (Microsoft's custom connector rules)", () => {
  const trigger = () => operation(build(), "/subscriptions", "post");

  it("when the document is serialized, then it is OpenAPI 2.0 with host, basePath and schemes, under 1 MB", () => {
    const doc = build();
    expect(doc).toMatchObject({ swagger: "2.0", host: HOST, basePath: "/api", schemes: ["https"] });
    expect(Buffer.byteLength(JSON.stringify(doc), "utf8")).toBeLessThan(1024 * 1024);
  });

  it("when reading POST /subscriptions, then it is the only trigger: x-ms-trigger single, named When an escalation changes", () => {
    expect(trigger()).toMatchObject({
      operationId: "WhenAnEscalationChanges",
      summary: "When an escalation changes",
      "x-ms-trigger": "single",
    });
    const triggers = operations(build()).filter(({ operation: op }) => "x-ms-trigger" in op);
    expect(triggers.map(({ path, method }) => `${method} ${path}`)).toEqual(["post /subscriptions"]);
  });

  it("when reading the trigger's body, then url is the notification URL Power Automate fills in, hidden from the flow author", () => {
    const body = parameter(trigger(), "body");
    expect(body).toMatchObject({ in: "body", required: true, schema: { $ref: "#/definitions/SubscriptionRequest" } });
    const url = propertiesOf(definition(build(), "SubscriptionRequest")).url;
    expect(url).toMatchObject({ type: "string", "x-ms-notification-url": true, "x-ms-visibility": "internal" });
    // The notification URL is the only one: a second would leave Power Automate guessing.
    const marked = [...walk(build())].filter(([, key]) => key === "x-ms-notification-url");
    expect(marked).toHaveLength(1);
  });

  it("when reading the trigger's event filter, then it is a required, visible parameter listing every event type and *", () => {
    const schema = definition(build(), "SubscriptionRequest");
    expect(schema.required).toContain("events");
    expect(propertiesOf(schema).events).toMatchObject({
      type: "array",
      minItems: 1,
      items: { type: "string", enum: [...EVENT_FILTERS] },
      "x-ms-summary": "Events",
      "x-ms-visibility": "important",
    });
    // JSON for flows: the Teams card format is hidden, its default is json.
    expect(propertiesOf(schema).format).toMatchObject({ default: "json", "x-ms-visibility": "internal" });
  });

  it("when reading the notification content, then it describes the event: type, timestamp and the escalation view with its sequence", () => {
    const doc = build();
    expect(trigger()["x-ms-notification-content"]).toMatchObject({
      description: expect.any(String) as unknown,
      schema: { $ref: "#/definitions/EscalationEvent" },
    });
    const event = definition(doc, "EscalationEvent");
    expect(event.required).toEqual(["type", "timestamp", "data"]);
    expect(propertiesOf(event).type).toMatchObject({ enum: [...EVENT_TYPES] });
    expect(propertiesOf(event).timestamp).toMatchObject({ type: "string", format: "date-time" });
    expect(propertiesOf(event).data).toEqual({ $ref: "#/definitions/EscalationEventData" });
    const data = definition(doc, "EscalationEventData");
    expect(Object.keys(propertiesOf(data)).sort()).toEqual([...Object.keys(EscalationView.shape), "sequence"].sort());
    expect(propertiesOf(data).sequence).toMatchObject({ type: "integer", minimum: 0 });
    expect(data.required).toEqual(expect.arrayContaining(["id", "status", "history", "sequence"]));
  });

  it("when subscribed, then 201 declares the Location header Power Automate deletes, and the secret", () => {
    const created = record(record(trigger().responses)["201"]);
    expect(created).toMatchObject({
      headers: { Location: { type: "string" } },
      schema: { $ref: "#/definitions/SubscriptionCreated" },
    });
    expect(propertiesOf(definition(build(), "SubscriptionCreated")).secret).toMatchObject({ type: "string" });
    expect(Object.keys(record(trigger().responses)).sort()).toEqual(["201", "400", "401", "409", "413", "415"]);
  });

  it("when the trigger is removed, then the DELETE on its Location exists, hidden from flow authors, answering 204 or 404", () => {
    const remove = operation(build(), "/subscriptions/{id}", "delete");
    expect(remove).toMatchObject({ operationId: "DeleteSubscription", "x-ms-visibility": "internal" });
    expect(parameter(remove, "id")).toMatchObject({ in: "path", required: true, type: "string" });
    expect(record(record(remove.responses)["204"])).not.toHaveProperty("schema");
    expect(Object.keys(record(remove.responses)).sort()).toEqual(["204", "401", "404"]);
  });

  it("when reading the subscription views, then none of GET's answers can carry the secret", () => {
    const doc = build();
    expect(propertiesOf(definition(doc, "SubscriptionView"))).not.toHaveProperty("secret");
    expect(record(record(operation(doc, "/subscriptions/{id}", "get").responses)["200"]).schema).toEqual({
      $ref: "#/definitions/SubscriptionView",
    });
    expect(record(propertiesOf(definition(doc, "SubscriptionList")).items).items).toEqual({
      $ref: "#/definitions/SubscriptionView",
    });
  });
});

describe("toSwaggerSchema", () => {
  it("when a type list includes null, then it becomes the single type with x-nullable", () => {
    expect(toSwaggerSchema({ type: ["string", "null"], maxLength: 3 })).toEqual({
      type: "string",
      maxLength: 3,
      "x-nullable": true,
    });
  });

  it("when anyOf or oneOf pairs a schema with null, then it is that schema with x-nullable; a $ref is wrapped in allOf", () => {
    expect(
      toSwaggerSchema({ anyOf: [{ type: "string", enum: ["a", "b"] }, { type: "null" }], description: "d" }),
    ).toEqual({ type: "string", enum: ["a", "b"], description: "d", "x-nullable": true });
    expect(toSwaggerSchema({ oneOf: [{ $ref: "#/$defs/Thing" }, { type: "null" }] })).toEqual({
      allOf: [{ $ref: "#/definitions/Thing" }],
      "x-nullable": true,
    });
  });

  it("when OpenAPI 3.0 nullable is used, then it becomes x-nullable and null leaves the enum", () => {
    expect(toSwaggerSchema({ type: "string", enum: ["a", null], nullable: true })).toEqual({
      type: "string",
      enum: ["a"],
      "x-nullable": true,
    });
  });

  it("when a union is of enums of one type, then it is one enum", () => {
    expect(
      toSwaggerSchema({
        anyOf: [
          { type: "string", enum: ["a"] },
          { type: "string", enum: ["b"] },
        ],
      }),
    ).toEqual({ type: "string", enum: ["a", "b"] });
  });

  it("when const is used, then it becomes an enum of one, typed", () => {
    expect(toSwaggerSchema({ const: "x" })).toEqual({ enum: ["x"], type: "string" });
    expect(toSwaggerSchema({ const: 2 })).toEqual({ enum: [2], type: "integer" });
  });

  it("when exclusive bounds are draft-6 numbers, then they become minimum/maximum with a boolean flag", () => {
    expect(toSwaggerSchema({ type: "number", exclusiveMinimum: 0, exclusiveMaximum: 5 })).toEqual({
      type: "number",
      minimum: 0,
      exclusiveMinimum: true,
      maximum: 5,
      exclusiveMaximum: true,
    });
    expect(toSwaggerSchema({ type: "number", minimum: 3, exclusiveMinimum: 0 })).toEqual({
      type: "number",
      minimum: 3,
    });
    expect(toSwaggerSchema({ type: "number", minimum: 0, exclusiveMinimum: true })).toEqual({
      type: "number",
      minimum: 0,
      exclusiveMinimum: true,
    });
  });

  it("when annotations without a Swagger place appear, then they are dropped; nested schemas are rewritten too", () => {
    const input = {
      $schema: "http://json-schema.org/draft-04/schema#",
      $id: "#/definitions/X",
      type: "object",
      properties: { id: { const: "a" }, list: { type: "array", items: { type: ["integer", "null"] } } },
      additionalProperties: { examples: [1, 2], type: "integer" },
      required: [],
    };
    expect(toSwaggerSchema(input)).toEqual({
      type: "object",
      properties: {
        id: { enum: ["a"], type: "string" },
        list: { type: "array", items: { type: "integer", "x-nullable": true } },
      },
      additionalProperties: { example: 1, type: "integer" },
    });
    expect(input.properties.id).toEqual({ const: "a" });
  });

  it("when a schema cannot be said in Swagger 2.0, then it throws naming where", () => {
    expect(() => toSwaggerSchema({ anyOf: [{ type: "string" }, { type: "number" }] })).toThrow(/#: a union/);
    expect(() => toSwaggerSchema({ type: ["string", "number"] })).toThrow(/no Swagger 2.0 equivalent/);
    expect(() => toSwaggerSchema({ type: "array", items: [{ type: "string" }] })).toThrow(/tuple/);
    expect(() => toSwaggerSchema({ properties: { a: { not: { type: "string" } } } })).toThrow(
      /#\/properties\/a: keyword "not"/,
    );
    expect(() => toSwaggerSchema({ $ref: "https://example.com/schema" })).toThrow(/\$ref/);
    expect(() => toSwaggerSchema({ type: "null" })).toThrow(/type null/);
  });

  it("when given zod's own draft-04 output for nullable, literal and bounded schemas, then the result is Swagger 2.0", () => {
    const schema = z.object({
      when: z.iso.datetime().nullable(),
      kind: z.literal("x"),
      count: z.number().gt(0).lt(10),
      tag: z.string().nullable().optional(),
    });
    const converted = toSwaggerSchema(z.toJSONSchema(schema, { target: "draft-04", io: "input" }));
    expect(converted).toMatchObject({
      type: "object",
      required: ["when", "kind", "count"],
      properties: {
        when: { type: "string", format: "date-time", "x-nullable": true },
        kind: { type: "string", enum: ["x"] },
        count: { type: "number", minimum: 0, exclusiveMinimum: true, maximum: 10, exclusiveMaximum: true },
        tag: { type: "string", "x-nullable": true },
      },
    });
    expect(converted).not.toHaveProperty("$schema");
  });
});
