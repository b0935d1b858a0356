// The HTTP API as an OpenAPI 2.0 (Swagger) document, for the Power Automate custom connector
// (OpenAPI 2.0 only, under 1 MB, function key in `x-functions-key`). Every schema in it is
// generated from the zod schemas the handlers validate with, so the connector cannot drift from
// the code: zod writes JSON Schema draft-04, and toSwaggerSchema() (swagger-schema.ts) rewrites it
// into Swagger 2.0's schema subset.
import { z } from "zod";
import { CriterionDecision } from "../domain/escalations/criteria.js";
import {
  AttemptFailure,
  EscalationSummary,
  ForwardingProgress,
  HistoryEntry,
  VianetReference,
} from "../domain/escalations/escalation.js";
import { Contact, Customer, EscalationRequest, FirstLineSupport } from "../domain/escalations/escalation-request.js";
import { CasePackage, PortalNote, RecordVianetCase } from "../domain/forwarding/portal-channel.js";
import { PartnerNoteBody, VianetUpdateBody } from "../domain/escalations/vianet-updates.js";
import { Breach, Durations, MetricsQuery, MetricsView, VianetBreach } from "../domain/metrics/report-schema.js";
import { HealthStatus } from "../domain/health/check-health.js";
import { PROBLEM_CONTENT_TYPE, ProblemDetails, ProblemInvalidParam } from "./problem.js";
import { PublicHost } from "../settings/public-host.js";
import {
  CustomerPath,
  ErasureRecord,
  EscalationPersonalData,
  PersonalDataErased,
  PersonalDataView,
  EscalationEvent,
  EscalationEventData,
  EscalationList,
  EscalationListQuery,
  EscalationPath,
  EscalationView,
  NoteView,
  SubmitAccepted,
  SubmitHeaders,
  SubscriptionCreated,
  SubscriptionList,
  SubscriptionPath,
  SubscriptionView,
  VianetCasePath,
  WebhookHeaders,
} from "./api-schemas.js";
import { MAX_SUBSCRIPTIONS_PER_CALLER, SubscriptionRequest } from "../domain/events/manage-subscriptions.js";
import {
  isSchema,
  SHARED_KEYWORDS,
  toSwaggerSchema,
  UnrepresentableSchemaError,
  type JsonSchema,
} from "./swagger-schema.js";

// ---------------------------------------------------------------------------------------------
// Definitions: the zod schemas with ids, and what a flow author sees of their properties
// ---------------------------------------------------------------------------------------------

/** The schemas that become `definitions`, by name; others are inlined where used. */
const DEFINITIONS = {
  EscalationRequest,
  Customer,
  Contact,
  FirstLineSupport,
  SubmitAccepted,
  EscalationView,
  EscalationSummary,
  EscalationList,
  VianetReference,
  ForwardingProgress,
  AttemptFailure,
  CasePackage,
  PortalNote,
  RecordVianetCase,
  VianetUpdateBody,
  PartnerNoteBody,
  NoteView,
  HistoryEntry,
  CriterionDecision,
  ProblemDetails,
  ProblemInvalidParam,
  HealthStatus,
  MetricsView,
  Durations,
  Breach,
  VianetBreach,
  SubscriptionRequest,
  SubscriptionView,
  SubscriptionCreated,
  SubscriptionList,
  EscalationEvent,
  EscalationEventData,
  PersonalDataView,
  EscalationPersonalData,
  ErasureRecord,
  PersonalDataErased,
} satisfies Record<string, z.ZodType>;
type DefinitionName = keyof typeof DEFINITIONS;

type Visibility = "important" | "advanced" | "internal";

interface Annotation {
  /** `x-ms-summary`: the label a flow author sees. */
  summary: string;
  description?: string;
  /** `x-ms-visibility`: shown at once, under "advanced", or hidden. */
  visibility?: Visibility;
  /** `x-ms-notification-url`: Power Automate fills this in with its own callback URL (webhook triggers). */
  notificationUrl?: true;
}

const important = (summary: string, description?: string): Annotation => ({
  summary,
  visibility: "important",
  ...(description === undefined ? {} : { description }),
});
const advanced = (summary: string, description?: string): Annotation => ({
  summary,
  visibility: "advanced",
  ...(description === undefined ? {} : { description }),
});

const REQUEST_FIELDS: Record<string, Annotation> = {
  service: important("Service", "The 21Vianet service concerned, e.g. office365."),
  severity: important("Severity"),
  category: advanced(
    "Issue category",
    "What the problem is about; first-line matters (how-to, account set-up, password reset...) are not escalated.",
  ),
  title: important("Title", "A short summary."),
  description: important("Description", "What happens, since when, and the impact."),
  partnerTicketId: advanced("Partner ticket ID", "Your own reference for this escalation."),
};

const ESCALATION_ID = important("Escalation ID");
const STATUS = important(
  "Status",
  "Where the escalation stands: queued, forwarded, awaiting_portal, rejected, failed, attention_needed or closed.",
);

const VIEW_FIELDS: Record<string, Annotation> = {
  id: ESCALATION_ID,
  status: STATUS,
  ...REQUEST_FIELDS,
  criteria: advanced("Criteria decisions", "Each escalation criterion and whether it was met."),
  history: advanced("History", "Every status change, oldest first."),
  createdAt: important("Created at"),
  updatedAt: important("Updated at"),
  vianet: advanced("21Vianet reference", "Present once forwarded to 21Vianet, or refused by it."),
  portalCase: advanced(
    "Portal case package",
    "Present while awaiting_portal: what to enter in Partner Center operated by 21Vianet.",
  ),
  forwarding: advanced(
    "Forwarding progress",
    "Present once forwarding was tried: attempts so far, the last failure and when the next attempt is due.",
  ),
  notes: advanced("Notes", "21Vianet's notes and the partner's, oldest first."),
};

const ERASURE_COUNTS: Record<string, Annotation> = {
  escalationsFound: important("Escalations found", "The customer's escalations, whatever their status."),
  erased: important("Erased", "Escalations whose personal data this request erased."),
  alreadyErased: important("Already erased", "Escalations erased before (by a request or after retention)."),
  withdrawn: important(
    "Withdrawn",
    "Escalations 21Vianet had not received yet: moved to failed, since nothing is left to forward.",
  ),
  idempotencyRecordsDeleted: advanced("Idempotency records deleted"),
  deadLettersErased: advanced("Dead letters erased", "Dead letters naming these escalations whose body was emptied."),
  rowsWritten: advanced("Rows written", "Table rows that held personal data, rewritten or deleted."),
};

const SUBSCRIPTION_FIELDS: Record<string, Annotation> = {
  id: important("Subscription ID"),
  url: important("Callback URL", "Where each event is posted."),
  events: important("Events", "The event types posted, or * for all of them."),
  format: important("Format", "json (the event) or teams (an Adaptive Card)."),
  description: advanced("Description"),
  createdAt: advanced("Created at"),
};

/** Definition-level labels, and labels of each property (checked to exist: a rename fails loudly). */
const ANNOTATIONS: Record<DefinitionName, { self?: Annotation; properties: Record<string, Annotation> }> = {
  EscalationRequest: { self: { summary: "Escalation" }, properties: REQUEST_FIELDS },
  Customer: {
    self: { summary: "Customer" },
    properties: {
      tenantId: important("Customer tenant ID", "The customer's tenant ID in the cloud operated by 21Vianet."),
      name: important("Customer name"),
      domain: important("Customer domain", "e.g. contoso.partner.onmschina.cn"),
    },
  },
  Contact: {
    self: { summary: "Contact" },
    properties: {
      name: important("Contact name"),
      email: important("Contact email"),
      phone: advanced("Contact phone", "e.g. +86 10 5555 0100"),
    },
  },
  FirstLineSupport: {
    self: { summary: "First-line support" },
    properties: {
      serviceHealthChecked: important(
        "Service health checked",
        "Whether the customer's service health was checked first.",
      ),
      adminCenterAttempted: important(
        "Admin center attempted",
        "Whether the problem was tried in the customer's admin center.",
      ),
      stepsTaken: important("First-line steps taken", "Each first-line step taken before escalating."),
    },
  },
  SubmitAccepted: { properties: { id: ESCALATION_ID, status: STATUS } },
  EscalationView: { properties: VIEW_FIELDS },
  EscalationSummary: {
    properties: {
      ...Object.fromEntries(Object.entries(VIEW_FIELDS).filter(([key]) => key in EscalationSummary.shape)),
      tenantId: important("Customer tenant ID", "The customer's tenant ID in the cloud operated by 21Vianet."),
    },
  },
  EscalationList: {
    properties: {
      items: important("Escalations"),
      continuationToken: advanced("Continuation token", "Present when more pages follow."),
    },
  },
  ForwardingProgress: {
    properties: {
      attempts: important("Forwarding attempts", "How many times forwarding to 21Vianet was tried."),
      lastFailure: important("Last failure", "The last failed attempt, while forwarding is retried."),
      nextAttemptAt: important("Next attempt at", "When the next attempt is due, while the escalation is queued."),
    },
  },
  AttemptFailure: {
    properties: {
      kind: important(
        "Failure kind",
        "throttled, unavailable, unknown-outcome (no answer: looked for before trying again) or authorisation (our credentials were refused: a configuration problem).",
      ),
      at: advanced("Failed at"),
      reason: advanced("Reason", "A status or error code."),
    },
  },
  VianetReference: {
    properties: {
      channel: important("21Vianet channel", "partner-center (the REST API) or portal (submitted by a person)."),
      serviceRequestId: important("21Vianet service request ID"),
      status: important("21Vianet status"),
      lastUpdatedAt: important("21Vianet last updated at", "When 21Vianet's side last changed, as reported."),
      code: advanced("21Vianet error code", "Present when 21Vianet refused the escalation."),
      description: advanced("21Vianet error description"),
    },
  },
  CasePackage: {
    self: { summary: "Portal case package" },
    properties: {
      portalPath: important("Portal path", "Where to go in Partner Center operated by 21Vianet."),
      service: important("Service"),
      severity: important("Severity"),
      title: important("Case title", "Keep the [escalation:...] marker in it."),
      description: important("Case description"),
      notesToAdd: important("Notes to add in the portal", "The partner's notes to add to the case in the portal."),
    },
  },
  PortalNote: {
    properties: {
      id: advanced("Note ID"),
      at: important("Written at"),
      text: important("Note text"),
    },
  },
  VianetUpdateBody: {
    self: { summary: "21Vianet update" },
    properties: {
      status: advanced(
        "21Vianet status",
        "forwarded (21Vianet works on it), attention_needed (21Vianet waits on the partner) or closed. Give a status, a note, or both.",
      ),
      note: advanced("21Vianet note", "What 21Vianet said, e.g. the body of its e-mail (at most 4,000 characters)."),
      at: advanced("Said at", "When 21Vianet said it (ISO 8601 with offset); now when left out."),
      source: advanced("Heard through", "portal (default), email or phone."),
    },
  },
  PartnerNoteBody: {
    self: { summary: "Partner note" },
    properties: { text: important("Note text", "The note to 21Vianet (at most 4,000 characters).") },
  },
  NoteView: {
    properties: {
      id: advanced("Note ID"),
      at: important("Written at"),
      author: important("Author", "21vianet or partner."),
      source: advanced(
        "Heard through",
        "How a 21Vianet note reached the bridge: partner-center, portal, email or phone.",
      ),
      text: important("Note text"),
      delivery: advanced(
        "Delivery",
        "A partner note: queued (to be sent to 21Vianet), sent, or portal (to add in the portal).",
      ),
    },
  },
  RecordVianetCase: {
    self: { summary: "21Vianet case" },
    properties: {
      caseNumber: important("21Vianet case number", "The service request number the portal showed after submitting."),
    },
  },
  HistoryEntry: {
    properties: {
      at: important("Changed at"),
      from: important("Previous status"),
      to: important("New status"),
      actor: advanced("Changed by"),
      detail: important("Change detail"),
    },
  },
  CriterionDecision: {
    properties: {
      criterion: important("Criterion"),
      met: important("Criterion met"),
      detail: important("Criterion detail"),
    },
  },
  ProblemDetails: {
    properties: {
      type: advanced("Problem type", "Names the kind of problem: one of the listed URIs, each with its own status."),
      title: important("Problem title"),
      status: advanced("HTTP status"),
      detail: important("Problem detail"),
      "invalid-params": important("Invalid parameters", "Each invalid field, header or query parameter, and why."),
      "unmet-criteria": important(
        "Unmet criteria",
        "With 422 for a submission: each escalation criterion not met, and why.",
      ),
      escalationStatus: advanced("Escalation status", "With 409 for a change refused: the escalation's status now."),
    },
  },
  ProblemInvalidParam: { properties: { name: important("Parameter"), reason: important("Reason") } },
  HealthStatus: { properties: { status: important("Health status") } },
  MetricsView: {
    self: { summary: "Escalation metrics" },
    properties: {
      generatedAt: important("Generated at"),
      window: important("Window", "The window's name and its [from, to) bounds (UTC)."),
      volumes: important(
        "Volumes",
        "Escalations submitted in the window, by status now, service, severity, channel and customer; gate rejections.",
      ),
      timeToForward: important(
        "Time to forward",
        "Submission to forwarded for escalations forwarded in the window: p50, p95 and max in milliseconds.",
      ),
      timeToVianetResponse: important(
        "Time to 21Vianet's first response",
        "Forwarded to 21Vianet's first note or status change, for first responses in the window: p50, p95 and max in milliseconds.",
      ),
      timeToClose: important(
        "Time to close",
        "Forwarded to closed, for escalations 21Vianet closed in the window: p50, p95 and max in milliseconds.",
      ),
      backlog: important(
        "Open backlog",
        "Escalations still queued or awaiting the portal at the window's end, and the oldest one's age.",
      ),
      targets: important(
        "Targets",
        "Forward-time and 21Vianet first-response targets per severity with their breaches, including escalations still waiting past their target at the window's end.",
      ),
      quality: important(
        "Quality",
        "Criteria-gate rejection rate and unmet criteria, 21Vianet refusal codes, dead-letter reasons.",
      ),
    },
  },
  Durations: {
    properties: {
      count: important("Count"),
      p50Ms: important("Median (ms)"),
      p95Ms: important("95th percentile (ms)"),
      maxMs: important("Maximum (ms)"),
    },
  },
  Breach: {
    properties: {
      id: important("Escalation ID"),
      severity: important("Severity"),
      waitedMs: important("Waited (ms)"),
      targetMs: advanced("Target (ms)"),
      state: important("Breach state", "forwarded-late, or still-waiting at the window's end."),
    },
  },
  VianetBreach: {
    self: { summary: "21Vianet response breach" },
    properties: {
      id: important("Escalation ID"),
      severity: important("Severity"),
      waitedMs: important(
        "Waited for 21Vianet (ms)",
        "Forwarded to 21Vianet's first response, or to the window's end.",
      ),
      targetMs: advanced("Target (ms)"),
      state: important("Breach state", "responded-late, or still-waiting for a first response at the window's end."),
    },
  },
  SubscriptionRequest: {
    self: { summary: "Subscription" },
    properties: {
      url: {
        summary: "Callback URL",
        description: "Where each event is posted (https). Power Automate fills it in with the flow's own URL.",
        visibility: "internal",
        notificationUrl: true,
      },
      events: important(
        "Events",
        "Which changes start the flow: escalation.queued, escalation.forwarded, escalation.awaiting_portal, escalation.rejected, escalation.failed, escalation.attention_needed, escalation.closed, escalation.note_added, or * for all of them.",
      ),
      // A flow needs the JSON event its trigger describes; the Teams card is for Teams Workflows.
      format: {
        summary: "Format",
        description: "json (the event as described) or teams (an Adaptive Card for Teams Workflows).",
        visibility: "internal",
      },
      description: advanced("Description", "Your own note on what the subscription is for (at most 200 characters)."),
    },
  },
  SubscriptionView: { self: { summary: "Subscription" }, properties: SUBSCRIPTION_FIELDS },
  SubscriptionCreated: {
    self: { summary: "Subscription" },
    properties: {
      ...SUBSCRIPTION_FIELDS,
      secret: important(
        "Signing secret",
        "whsec_...: verifies each delivery's webhook-signature (Standard Webhooks). Shown this once only.",
      ),
    },
  },
  SubscriptionList: { properties: { items: important("Subscriptions") } },
  EscalationEvent: {
    self: { summary: "Escalation event" },
    properties: {
      type: important(
        "Event type",
        "What happened: escalation.queued, escalation.forwarded, escalation.awaiting_portal, escalation.rejected, escalation.failed, escalation.attention_needed, escalation.closed or escalation.note_added.",
      ),
      timestamp: important("Event time", "When the change happened (UTC, ISO 8601)."),
    },
  },
  PersonalDataView: {
    self: { summary: "Customer's personal data" },
    properties: {
      tenantId: important("Customer tenant ID"),
      escalations: important("Escalations", "Each escalation's personal data, newest first."),
      erasures: advanced("Erasures", "The erasures audited for this customer in the last 400 days, oldest first."),
    },
  },
  EscalationPersonalData: {
    self: { summary: "Escalation's personal data" },
    properties: {
      escalationId: ESCALATION_ID,
      createdAt: important("Created at"),
      status: STATUS,
      title: important("Title"),
      description: important("Description"),
      firstLineSteps: important("First-line steps"),
      partnerTicketId: advanced("Partner ticket ID"),
      notes: important("Notes", "The note texts still stored, 21Vianet's and the partner's."),
      erasure: advanced("Erasure", "When and why its personal data was erased, once it was."),
    },
  },
  ErasureRecord: {
    self: { summary: "Erasure" },
    properties: {
      at: important("Erased at"),
      actor: important("Erased by", "The caller that asked, or data-retention for the timer."),
      action: important("Action"),
      escalationIds: advanced("Escalation IDs"),
      rows: advanced("Rows"),
      counts: advanced("Counts"),
    },
  },
  PersonalDataErased: {
    self: { summary: "Erasure" },
    properties: {
      tenantId: important("Customer tenant ID"),
      erasedAt: important("Erased at"),
      ...ERASURE_COUNTS,
    },
  },
  EscalationEventData: {
    self: { summary: "Escalation", description: "The escalation as Get an escalation answers it, after the change." },
    properties: {
      ...VIEW_FIELDS,
      sequence: important(
        "Event sequence",
        "The change's position in the escalation's history: events of one escalation increase, so a later one supersedes an earlier one.",
      ),
    },
  },
};

function annotate(schema: JsonSchema, annotation: Annotation): void {
  schema["x-ms-summary"] = annotation.summary;
  if (annotation.description !== undefined) schema.description = annotation.description;
  if (annotation.visibility !== undefined) schema["x-ms-visibility"] = annotation.visibility;
  if (annotation.notificationUrl === true) schema["x-ms-notification-url"] = true;
}

/** A property may be a bare `$ref` (Customer, Contact...): labels beside it would be ignored, the target's own label applies. */
function annotateProperty(definition: JsonSchema, name: string, key: string, annotation: Annotation): void {
  const property = isSchema(definition.properties) ? definition.properties[key] : undefined;
  if (!isSchema(property)) throw new Error(`OpenAPI annotations: definition ${name} has no property "${key}"`);
  if (typeof property.$ref === "string")
    throw new Error(`OpenAPI annotations: ${name}.${key} is a $ref; label its definition instead`);
  annotate(property, annotation);
}

function buildDefinitions(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(DEFINITIONS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: "draft-04",
    io: "input",
    uri: (id) => `#/definitions/${id}`,
  });
  const definitions: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    // Shared sub-schemas are extracted only for cycles; none exist, and Swagger 2.0 has no place for them.
    if (!(name in DEFINITIONS)) throw new Error(`OpenAPI: zod extracted an unexpected shared schema "${name}"`);
    definitions[name] = toSwaggerSchema(schema, `#/definitions/${name}`);
  }
  for (const [name, { self, properties }] of Object.entries(ANNOTATIONS)) {
    const definition = definitions[name];
    if (definition === undefined) throw new Error(`OpenAPI annotations: no definition ${name}`);
    if (self !== undefined) annotate(definition, self);
    for (const [key, annotation] of Object.entries(properties)) annotateProperty(definition, name, key, annotation);
  }
  return definitions;
}

// ---------------------------------------------------------------------------------------------
// Parameters and operations
// ---------------------------------------------------------------------------------------------

/** What a non-body Swagger 2.0 parameter may say about its value. */
const PARAMETER_KEYWORDS = SHARED_KEYWORDS;

type ParameterLocation = "query" | "header" | "path";

/** One parameter per property of a zod object; required where the object requires it. */
function parameters(
  location: ParameterLocation,
  shape: z.ZodObject,
  annotations: Record<string, Annotation>,
): JsonSchema[] {
  const schema = toSwaggerSchema(z.toJSONSchema(shape, { target: "draft-04", io: "input" }));
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  return Object.entries(properties).map(([name, property]) => {
    const value = property as JsonSchema;
    if (value.type === "object" || value.type === undefined)
      throw new UnrepresentableSchemaError(`${location} parameter ${name}`, "a non-primitive value");
    if (value["x-nullable"] === true)
      throw new UnrepresentableSchemaError(`${location} parameter ${name}`, "a nullable value");
    const annotation = annotations[name];
    if (annotation === undefined) throw new Error(`OpenAPI: ${location} parameter ${name} has no annotation`);
    const parameter: JsonSchema = { name, in: location, required: location === "path" || required.includes(name) };
    if (annotation.description !== undefined) parameter.description = annotation.description;
    for (const keyword of PARAMETER_KEYWORDS) if (keyword in value) parameter[keyword] = value[keyword];
    parameter["x-ms-summary"] = annotation.summary;
    if (annotation.visibility !== undefined) parameter["x-ms-visibility"] = annotation.visibility;
    return parameter;
  });
}

const ref = (name: DefinitionName): JsonSchema => ({ $ref: `#/definitions/${name}` });
const problem = (description: string): JsonSchema => ({
  description: `${description} (${PROBLEM_CONTENT_TYPE})`,
  schema: ref("ProblemDetails"),
});
const UNAUTHORIZED = problem(
  "The function key in x-functions-key is not a registered caller. A missing key, or one the Functions platform does not know, is refused by the platform before the app, with an empty body",
);

const escalationBody: JsonSchema = {
  name: "body",
  in: "body",
  required: true,
  description: "The escalation. Unknown fields are refused.",
  schema: ref("EscalationRequest"),
  "x-ms-summary": "Escalation",
};

const bodyProblems = {
  "400": problem("The body, a header or a parameter is invalid: each bad field is named in invalid-params"),
  "413": problem("The body is too large"),
  "415": problem("The body is not JSON"),
  "422": problem(
    "An escalation criterion is not met (each unmet criterion is named), or an Idempotency-Key was reused with another body",
  ),
};

const escalationIdParameter = () =>
  parameters("path", EscalationPath, { id: important("Escalation ID", "The id answered by Submit an escalation.") });

const customerParameter = () =>
  parameters("path", CustomerPath, {
    tenantId: important("Customer tenant ID", "The customer's Microsoft Entra tenant id (a uuid)."),
  });

const subscriptionIdParameter = () =>
  parameters("path", SubscriptionPath, {
    id: important("Subscription ID", "The id answered when subscribing."),
  });

const changeKeyParameter = () =>
  parameters("header", SubmitHeaders, {
    "Idempotency-Key": advanced(
      "Idempotency key",
      "A unique key per change (at most 255 printable ASCII characters): a retry with the same key and body is recorded once, and answers the escalation as it stands.",
    ),
  });

const vianetUpdateBody: JsonSchema = {
  name: "body",
  in: "body",
  required: true,
  description: "What 21Vianet said: a status, a note, or both. Unknown fields are refused.",
  schema: ref("VianetUpdateBody"),
  "x-ms-summary": "21Vianet update",
};

/** The answers of a change recorded on an escalation, besides its success. */
const changeProblems = (refused: string): Record<string, JsonSchema> => ({
  "400": problem("The body or the Idempotency-Key is invalid: each is named in invalid-params"),
  "401": UNAUTHORIZED,
  "404": problem("No such escalation, or not one this key may see"),
  "409": problem(
    `${refused} (its status is given in escalationStatus), or a request with the same Idempotency-Key is still in progress`,
  ),
  "413": problem("The body is too large"),
  "415": problem("The body is not JSON"),
  "422": problem("The Idempotency-Key was used with another body"),
});

const metricsParameters = parameters("query", MetricsQuery, {
  window: important("Window", "1h, 24h, 7d or 30d, ending at the report's time (default 24h)."),
  fresh: advanced("Compute now", "true computes the report now instead of answering the latest stored one."),
});

const accepted: JsonSchema = {
  description: "Accepted: the escalation is stored and will be forwarded. Follow it at the Location URL.",
  headers: { Location: { type: "string", description: "The escalation's URL: /api/escalations/{id}." } },
  schema: ref("SubmitAccepted"),
};

export interface OpenApiOptions {
  /**
   * Host name and optional port, without scheme or path, e.g. `escalations.chinacloudsites.cn`.
   * Left out, the document names no host and clients use the one serving it (Swagger 2.0).
   */
  host?: string | undefined;
  /** Path prefix of every route (host.json routePrefix); `/api` by default. */
  basePath?: string;
  /** `["https"]` by default. */
  schemes?: readonly ("https" | "http")[];
}

export interface OpenApiDocument {
  swagger: "2.0";
  info: { title: string; description: string; version: string };
  host?: string;
  basePath: string;
  schemes: ("https" | "http")[];
  consumes: string[];
  produces: string[];
  paths: Record<string, Record<string, JsonSchema>>;
  definitions: Record<string, JsonSchema>;
  securityDefinitions: Record<string, JsonSchema>;
  [extension: `x-${string}`]: unknown;
}

/** The name of the function-key security scheme. */
export const FUNCTION_KEY_SECURITY = "functionKey";
const keyed = [{ [FUNCTION_KEY_SECURITY]: [] }];
const open: never[] = [];

/** The OpenAPI 2.0 document of the HTTP API: a new object on each call (callers may mutate it). */
export function buildOpenApiDocument({
  host,
  basePath = "/api",
  schemes = ["https"],
}: OpenApiOptions = {}): OpenApiDocument {
  if (host !== undefined && !PublicHost.safeParse(host).success)
    throw new RangeError(`OpenAPI host must be a host name with an optional port, without scheme or path: ${host}`);
  if (!/^\/[^\s?#]*$/.test(basePath)) throw new RangeError(`OpenAPI basePath must start with "/": ${basePath}`);
  if (schemes.length === 0) throw new RangeError("OpenAPI schemes must name at least one scheme");

  return {
    swagger: "2.0",
    info: {
      title: "21Vianet Escalation Bridge",
      description:
        "Submit escalations to 21Vianet (Partner Center operated by 21Vianet) and follow them until they close.",
      version: "1.0",
    },
    ...(host === undefined ? {} : { host }),
    basePath,
    schemes: [...schemes],
    consumes: ["application/json"],
    // Successes are JSON; every 4xx is a problem document.
    produces: ["application/json", PROBLEM_CONTENT_TYPE],
    paths: {
      "/escalations": {
        post: {
          operationId: "SubmitEscalation",
          summary: "Submit an escalation",
          description:
            "Holds the escalation to 21Vianet's criteria, stores it and queues it for 21Vianet. Answers 202 with its id and URL. " +
            "Send an Idempotency-Key to retry safely: the same key with the same body replays the first answer.",
          security: keyed,
          parameters: [
            ...parameters("header", SubmitHeaders, {
              "Idempotency-Key": advanced(
                "Idempotency key",
                "A unique key per escalation (at most 255 printable ASCII characters): a retry with the same key and body is not submitted twice.",
              ),
            }),
            escalationBody,
          ],
          responses: {
            "202": accepted,
            ...bodyProblems,
            "401": UNAUTHORIZED,
            "409": problem("A request with the same Idempotency-Key is still in progress: retry later"),
          },
        },
        get: {
          operationId: "ListEscalations",
          summary: "List escalations",
          description: "The escalations this key may see, newest first, a page at a time.",
          security: keyed,
          parameters: parameters("query", EscalationListQuery, {
            tenantId: important("Customer tenant ID", "Only this customer's escalations."),
            status: important("Status", "Only escalations with this status."),
            from: advanced("Created from", "Only escalations created at or after this time (UTC, ISO 8601)."),
            to: advanced("Created before", "Only escalations created before this time (UTC, ISO 8601)."),
            pageSize: advanced("Page size", "At most this many escalations per page (1 to 100)."),
            continuationToken: advanced("Continuation token", "The continuationToken of the previous page."),
          }),
          responses: {
            "200": { description: "A page of escalations.", schema: ref("EscalationList") },
            "400": problem(
              "A query parameter is invalid, or neither tenantId nor status is given: each is named in invalid-params",
            ),
            "401": UNAUTHORIZED,
            "404": problem("The tenantId is not a customer this key may see"),
          },
        },
      },
      "/escalations/{id}": {
        get: {
          operationId: "GetEscalation",
          summary: "Get an escalation",
          description: "The escalation, its status and history, and once forwarded its 21Vianet reference.",
          security: keyed,
          parameters: parameters("path", EscalationPath, {
            id: important("Escalation ID", "The id answered by Submit an escalation."),
          }),
          responses: {
            "200": { description: "The escalation.", schema: ref("EscalationView") },
            "401": UNAUTHORIZED,
            "404": problem("No such escalation, or not one this key may see"),
          },
        },
      },
      "/escalations/{id}/vianet-case": {
        post: {
          operationId: "RecordVianetCase",
          summary: "Record the 21Vianet case number",
          description:
            "For an escalation awaiting_portal: after submitting its portalCase in Partner Center operated by 21Vianet, record the case number the portal gave. " +
            "The escalation moves to forwarded. Sending the same number again answers the escalation unchanged.",
          security: keyed,
          parameters: [
            ...parameters("path", EscalationPath, {
              id: important("Escalation ID", "The id answered by Submit an escalation."),
            }),
            {
              name: "body",
              in: "body",
              required: true,
              description: "The case number. Unknown fields are refused.",
              schema: ref("RecordVianetCase"),
              "x-ms-summary": "21Vianet case",
            },
          ],
          responses: {
            "200": { description: "The escalation, now forwarded.", schema: ref("EscalationView") },
            "400": problem("The body is invalid: each bad field is named in invalid-params"),
            "401": UNAUTHORIZED,
            "404": problem("No such escalation, or not one this key may see"),
            "409": problem("The escalation is not awaiting_portal (its status is given)"),
            "413": problem("The body is too large"),
            "415": problem("The body is not JSON"),
          },
        },
      },
      "/escalations/{id}/vianet-updates": {
        post: {
          operationId: "RecordVianetUpdate",
          summary: "Record 21Vianet's update",
          description:
            "Records what 21Vianet said about a forwarded escalation, heard in the portal, by e-mail or by phone: a status (forwarded, attention_needed or closed), a note, or both. " +
            "The same note at the same time is recorded once. Answers the escalation.",
          security: keyed,
          parameters: [...escalationIdParameter(), ...changeKeyParameter(), vianetUpdateBody],
          responses: {
            "200": { description: "The escalation, with the update recorded.", schema: ref("EscalationView") },
            ...changeProblems("21Vianet does not have the escalation yet, or it is closed"),
          },
        },
      },
      "/vianet-cases/{caseNumber}/updates": {
        post: {
          operationId: "RecordVianetCaseUpdate",
          summary: "Record 21Vianet's update by case number",
          description:
            "The same as Record 21Vianet's update, for a flow that knows only 21Vianet's case or service request number, e.g. from the subject of 21Vianet's e-mail. " +
            "Finds the escalation that number was recorded on.",
          security: keyed,
          parameters: [
            ...parameters("path", VianetCasePath, {
              caseNumber: important(
                "21Vianet case number",
                "The case number recorded from the portal, or the service request ID of an escalation forwarded through Partner Center.",
              ),
            }),
            ...changeKeyParameter(),
            vianetUpdateBody,
          ],
          responses: {
            "200": { description: "The escalation, with the update recorded.", schema: ref("EscalationView") },
            ...changeProblems("The escalation is closed, or more than one escalation has the number"),
            "404": problem("No escalation this key may see has this 21Vianet number"),
          },
        },
      },
      "/escalations/{id}/notes": {
        post: {
          operationId: "AddPartnerNote",
          summary: "Add a note for 21Vianet",
          description:
            "Adds the partner's note to an escalation 21Vianet has, or one awaiting the portal. On the Partner Center channel it is sent to 21Vianet (delivery queued, then sent); " +
            "on the portal channel it is listed in portalCase.notesToAdd for a person to add in the portal. It does not change the status.",
          security: keyed,
          parameters: [
            ...escalationIdParameter(),
            ...changeKeyParameter(),
            {
              name: "body",
              in: "body",
              required: true,
              description: "The note. Unknown fields are refused.",
              schema: ref("PartnerNoteBody"),
              "x-ms-summary": "Partner note",
            },
          ],
          responses: {
            "202": { description: "The escalation, with the note recorded.", schema: ref("EscalationView") },
            ...changeProblems("The escalation is closed, or not yet forwarded or awaiting the portal"),
          },
        },
      },
      "/escalations/{id}/retry": {
        post: {
          operationId: "RetryEscalation",
          summary: "Replay a failed escalation",
          description:
            "For operators (keys for all customers): takes a failed escalation back to queued with a new retry budget. " +
            "A 21Vianet request an earlier attempt may have created is looked for before anything is sent, so it is never created twice.",
          "x-ms-visibility": "advanced",
          security: keyed,
          parameters: parameters("path", EscalationPath, {
            id: important("Escalation ID", "The id answered by Submit an escalation."),
          }),
          responses: {
            "202": {
              description: "The escalation, queued again.",
              schema: ref("EscalationView"),
              headers: { Location: { type: "string", description: "/api/escalations/{id}" } },
            },
            "401": UNAUTHORIZED,
            "403": problem("This key is limited to some customers; replays are for operators"),
            "404": problem("No such escalation"),
            "409": problem(
              "The escalation is not failed (its status is given), or its personal data was erased and there is nothing to forward",
            ),
          },
        },
      },
      "/customers/{tenantId}/personal-data": {
        get: {
          operationId: "GetCustomerPersonalData",
          summary: "Get a customer's personal data",
          description:
            "For an access request: everything stored about the customer's contacts, escalation by escalation (contact, title, description, first-line steps, partner ticket id, note texts, erasure), and the erasures audited for the customer. " +
            "For a key for this customer or for all.",
          "x-ms-visibility": "advanced",
          security: keyed,
          parameters: customerParameter(),
          responses: {
            "200": { description: "What is stored about the customer's contacts.", schema: ref("PersonalDataView") },
            "400": problem("The tenantId is not a uuid"),
            "401": UNAUTHORIZED,
            "404": problem("The tenantId is not a customer this key may see"),
          },
        },
        delete: {
          operationId: "EraseCustomerPersonalData",
          summary: "Erase a customer's personal data",
          description:
            "For an erasure request: erases now the contact, title, description, first-line steps and note texts of every escalation of the customer, whatever its status, and every copy (idempotency records, dead letters). " +
            "The customer's name and tenant, ids, statuses and times stay. An escalation 21Vianet has not received yet is withdrawn (failed). Sending it again erases nothing more. " +
            "For a key for this customer or for all.",
          "x-ms-visibility": "advanced",
          security: keyed,
          parameters: customerParameter(),
          responses: {
            "200": { description: "Erased: what was found and done.", schema: ref("PersonalDataErased") },
            "400": problem("The tenantId is not a uuid"),
            "401": UNAUTHORIZED,
            "404": problem("The tenantId is not a customer this key may see"),
          },
        },
      },
      "/webhooks/escalations": {
        post: {
          operationId: "ReceiveEscalationWebhook",
          summary: "Submit an escalation by signed webhook",
          description:
            "For partner systems: the same body as Submit an escalation, signed per Standard Webhooks (HMAC-SHA256 of id.timestamp.body). " +
            "Authenticated by the signature, not by a function key.",
          "x-ms-visibility": "internal",
          security: open,
          parameters: [
            ...parameters("header", WebhookHeaders, {
              "webhook-id": important("Webhook ID", "The message id, the same on every retry of the message."),
              "webhook-timestamp": important(
                "Webhook timestamp",
                "Unix time in seconds; refused when more than 5 minutes off.",
              ),
              "webhook-signature": important(
                "Webhook signature",
                "Space-separated v1,<base64 HMAC-SHA256> signatures.",
              ),
            }),
            escalationBody,
          ],
          responses: {
            "202": accepted,
            ...bodyProblems,
            "401": problem("The signature is missing, wrong or too old"),
            "409": problem("A delivery with the same webhook-id is still in progress: retry later"),
          },
        },
      },
      "/subscriptions": {
        post: {
          operationId: "WhenAnEscalationChanges",
          summary: "When an escalation changes",
          description:
            "Starts the flow when an escalation this key may see changes: each chosen event posts the escalation as Get an escalation answers it. " +
            "Partner systems call it as POST /subscriptions to subscribe a URL of their own; the answer carries the secret that signs every delivery (Standard Webhooks), shown once, and the subscription's Location, which Power Automate deletes when the flow's trigger is removed.",
          "x-ms-trigger": "single",
          "x-ms-trigger-hint": "To see it work, submit an escalation or record a note on one this key may see.",
          security: keyed,
          parameters: [
            {
              name: "body",
              in: "body",
              required: true,
              description: "Where to post which events. Unknown fields are refused.",
              schema: ref("SubscriptionRequest"),
              "x-ms-summary": "Subscription",
            },
          ],
          responses: {
            "201": {
              description: "Subscribed. The secret is shown this once; the subscription lives at the Location URL.",
              headers: {
                Location: { type: "string", description: "The subscription's URL: /api/subscriptions/{id}." },
              },
              schema: ref("SubscriptionCreated"),
            },
            "400": problem(
              "The body is invalid, e.g. a URL the app may not post to or an unknown event: each bad field is named in invalid-params",
            ),
            "401": UNAUTHORIZED,
            "409": problem(`This key has ${MAX_SUBSCRIPTIONS_PER_CALLER} subscriptions already, the most it may have`),
            "413": problem("The body is too large"),
            "415": problem("The body is not JSON"),
          },
          "x-ms-notification-content": {
            description: "An escalation changed: what happened, when, and the escalation after the change.",
            schema: ref("EscalationEvent"),
          },
        },
        get: {
          operationId: "ListSubscriptions",
          summary: "List subscriptions",
          description: "This key's own subscriptions, oldest first, without their secrets.",
          "x-ms-visibility": "advanced",
          security: keyed,
          parameters: [],
          responses: {
            "200": { description: "The subscriptions.", schema: ref("SubscriptionList") },
            "401": UNAUTHORIZED,
          },
        },
      },
      "/subscriptions/{id}": {
        get: {
          operationId: "GetSubscription",
          summary: "Get a subscription",
          description: "One of this key's subscriptions, without its secret.",
          "x-ms-visibility": "advanced",
          security: keyed,
          parameters: subscriptionIdParameter(),
          responses: {
            "200": { description: "The subscription.", schema: ref("SubscriptionView") },
            "401": UNAUTHORIZED,
            "404": problem("No such subscription, or not one of this key's"),
          },
        },
        delete: {
          operationId: "DeleteSubscription",
          summary: "Delete a subscription",
          description:
            "Stops the events of one of this key's subscriptions. Power Automate calls it on the trigger's Location when the flow's trigger is removed.",
          "x-ms-visibility": "internal",
          security: keyed,
          parameters: subscriptionIdParameter(),
          responses: {
            "204": { description: "Deleted: no more events are posted to it." },
            "401": UNAUTHORIZED,
            "404": problem("No such subscription, or not one of this key's"),
          },
        },
      },
      "/metrics": {
        get: {
          operationId: "GetEscalationMetrics",
          summary: "Get escalation metrics",
          description:
            "The latest stored report of a window (the metrics timer stores one per window every hour), or with fresh=true one computed now. " +
            "For keys that may see every customer.",
          "x-ms-visibility": "advanced",
          security: keyed,
          parameters: metricsParameters,
          responses: {
            "200": { description: "The report.", schema: ref("MetricsView") },
            "400": problem("A query parameter is invalid: each is named in invalid-params"),
            "401": UNAUTHORIZED,
            "403": problem("The key is limited to some customers"),
          },
        },
      },
      "/metrics.csv": {
        get: {
          operationId: "GetEscalationMetricsCsv",
          summary: "Get escalation metrics as CSV",
          description:
            "The same report as Get escalation metrics, one metric,value row per figure, for spreadsheets and scheduled exports. Text that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage return) is prefixed with a single quote; numbers stay numbers.",
          "x-ms-visibility": "advanced",
          security: keyed,
          produces: ["text/csv", "application/problem+json"],
          parameters: metricsParameters,
          responses: {
            "200": { description: "The report as CSV (text/csv).", schema: { type: "string" } },
            "400": problem("A query parameter is invalid: each is named in invalid-params"),
            "401": UNAUTHORIZED,
            "403": problem("The key is limited to some customers"),
          },
        },
      },
      "/health": {
        get: {
          operationId: "GetHealth",
          summary: "Check health",
          description:
            "Whether Table Storage and Service Bus answer, the status only. No key needed; each check's result is GET /api/health/details, with the master key.",
          "x-ms-visibility": "advanced",
          security: open,
          parameters: [],
          responses: {
            "200": { description: "Every dependency answers.", schema: ref("HealthStatus") },
            "503": { description: "A dependency does not answer.", schema: ref("HealthStatus") },
          },
        },
      },
    },
    definitions: buildDefinitions(),
    securityDefinitions: {
      [FUNCTION_KEY_SECURITY]: {
        type: "apiKey",
        in: "header",
        name: "x-functions-key",
        description: "An Azure Functions function key.",
      },
    },
  };
}
