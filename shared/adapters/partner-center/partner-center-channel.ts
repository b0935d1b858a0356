// The Partner Center REST channel to 21Vianet: `POST /v1/servicerequests/{locale}` with an App+User
// token, MS-RequestId as the idempotency key, and every answer mapped to a ChannelOutcome by the
// retry rules of Partner Center's SDKs and docs (see #outcomeOf). After an unknown outcome,
// findExisting lists the customer's requests and matches the marker this channel puts in the
// title and description. The way back (read, addNote) answers outcomes by the same rules.
import { firstLineEvidence } from "../../domain/forwarding/first-line-evidence.js";
import { BridgeError } from "../../lib/errors.js";
import { describeFailure } from "../../lib/failure-kind.js";
import { parseJsonOrUndefined } from "../../lib/parse-json.js";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Escalation } from "../../domain/escalations/escalation.js";
import { nodeHttpTransport, parseRetryAfter, type HttpAnswer, type HttpTransport } from "../http/http-transport.js";
import { tokenFailureCode, type CredentialState, type TokenSource } from "./partner-center-tokens.js";
import { tracedTransport } from "./traced-transport.js";
import type {
  NoteOutcome,
  ReadOutcome,
  ServiceRequestFailure,
  ServiceRequestState,
  VianetServiceRequests,
} from "../../domain/forwarding/service-requests.js";
import {
  requestMarker,
  type AttemptContext,
  type ChannelOutcome,
  type VianetChannel,
} from "../../domain/forwarding/channel.js";

export interface PartnerCenterChannelOptions {
  /** e.g. `https://partner.partnercenterapi.microsoftonline.cn` (no trailing `/v1`). */
  apiUrl: string;
  tokens: TokenSource;
  /** The `{agent-locale}` path segment. Default `en-US`. */
  locale?: string;
  /** Default: node:http/https with keep-alive (see http-transport.ts). */
  transport?: HttpTransport;
  /** Per call, body included. Default 30 s. A timeout is an unknown outcome. */
  timeoutMs?: number;
  supportTopicId: string;
  /**
   * The real create call has no customer in its path or body, so Partner Center alone knows
   * which customer's list a request lands in. The local sandbox records it from its own
   * `?customerTenantId=` extension; set true only against the sandbox (never documented for
   * the real service, so it is not sent there).
   */
  sandboxCustomerTenantParameter?: boolean;
  /** Told when Partner Center refuses our token, for /api/health. */
  credentialState?: CredentialState;
}

/** Partner Center status 0..3, sent as a name or a number. */
const STATUS_NAMES = ["none", "open", "closed", "attention_needed"] as const;
const statusSchema = z
  .union([z.string(), z.number().int()])
  .transform((value) => (typeof value === "number" ? (STATUS_NAMES[value] ?? String(value)) : value));

const SEVERITY_NAMES = ["unknown", "critical", "moderate", "minimal"] as const;
const severitySchema = z
  .union([z.string(), z.number().int()])
  .transform((value) => (typeof value === "number" ? (SEVERITY_NAMES[value] ?? String(value)) : value));

const ServiceRequestSchema = z.object({
  id: z.union([z.string().min(1), z.number().int()]).transform(String),
  title: z.string().optional(),
  description: z.string().optional(),
  status: statusSchema,
  severity: severitySchema.optional(),
  lastModifiedDate: z.string().optional(),
  notes: z
    .array(
      z.object({
        text: z.string().optional(),
        createdDate: z.string().optional(),
        createdByName: z.string().optional(),
      }),
    )
    .nullish(),
});

/**
 * A lookup that Partner Center refused or never answered. The message is safe
 * to keep in an escalation's history; a socket or token failure behind it is its cause.
 */
export class PartnerCenterError extends BridgeError {
  override readonly name = "PartnerCenterError";
  /** Partner Center's HTTP status, when it answered. */
  readonly status: number | undefined;
  /** Partner Center's own error code, when its answer named one. */
  readonly partnerCenterCode: string | undefined;

  constructor(message: string, answer: { status?: number; partnerCenterCode?: string } = {}, options?: ErrorOptions) {
    super("partner-center-failed", message, options);
    this.status = answer.status;
    this.partnerCenterCode = answer.partnerCenterCode;
  }
}
const CollectionSchema = z.object({ items: z.array(z.unknown()) });
const ErrorSchema = z.object({
  code: z.union([z.string(), z.number()]).optional(),
  description: z.string().optional(),
  message: z.string().optional(),
});

const TITLE_MAX = 256;
/** 21Vianet refusing the request itself; 401 and 403 refuse our credentials instead (see #outcomeOf). */
const PERMANENT = new Set([400, 404, 405, 406, 409, 410, 412]);

export class PartnerCenterChannel implements VianetChannel, VianetServiceRequests {
  readonly name = "partner-center" as const;
  readonly #apiUrl: string;
  readonly #tokens: TokenSource;
  readonly #locale: string;
  readonly #transport: HttpTransport;
  readonly #timeoutMs: number;
  readonly #supportTopicId: string;
  readonly #sandboxCustomer: boolean;
  readonly #credentials: CredentialState | undefined;

  constructor(options: PartnerCenterChannelOptions) {
    this.#apiUrl = options.apiUrl.replace(/\/+$/, "");
    this.#tokens = options.tokens;
    this.#locale = options.locale ?? "en-US";
    this.#transport = tracedTransport(options.transport ?? nodeHttpTransport());
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#supportTopicId = options.supportTopicId;
    this.#sandboxCustomer = options.sandboxCustomerTenantParameter ?? false;
    this.#credentials = options.credentialState;
  }

  /**
   * `attempt.requestId` and `attempt.correlationId` go out as MS-RequestId / MS-CorrelationId,
   * which Partner Center requires to be GUIDs: the forwarder's `newRequestId` must return a uuid.
   */
  async submit(escalation: Escalation, attempt: AttemptContext): Promise<ChannelOutcome> {
    let token: string;
    try {
      token = await this.#tokens.getToken();
    } catch (error) {
      // Nothing was sent: a definite, retryable failure of our own credentials or of Entra.
      return { kind: "transient", failure: "authorisation", reason: `token: ${tokenFailureCode(error)}` };
    }
    const query = this.#sandboxCustomer
      ? `?customerTenantId=${encodeURIComponent(escalation.request.customer.tenantId)}`
      : "";
    const url = `${this.#apiUrl}/v1/servicerequests/${encodeURIComponent(this.#locale)}${query}`;
    let response: HttpAnswer;
    try {
      response = await this.#transport({
        method: "POST",
        url,
        headers: this.#headers(token, attempt.requestId, attempt.correlationId, true),
        body: JSON.stringify(createBody(escalation, this.#supportTopicId)),
        timeoutMs: this.#timeoutMs,
      });
    } catch (error) {
      return { kind: "unknown", reason: noAnswer(error), cause: error };
    }
    return this.#outcomeOf(response);
  }

  /** Every answer of the create call, by the retry rules of Partner Center's SDKs and docs. */
  #outcomeOf(response: HttpAnswer): ChannelOutcome {
    const { status, text } = response;
    if (status === 200 || status === 201) {
      const parsed = ServiceRequestSchema.safeParse(parseJsonOrUndefined(text));
      // Created, but the answer cannot be read: findExisting will find it.
      if (!parsed.success)
        return { kind: "unknown", reason: `unreadable ${String(status)} answer from Partner Center` };
      return { kind: "created", serviceRequestId: parsed.data.id, status: parsed.data.status };
    }
    // Definite refusals before anything was created: the retry gets a new MS-RequestId.
    if (status === 429 || status === 503) {
      const retryAfterMs = parseRetryAfter(response.header("retry-after"));
      return {
        kind: "transient",
        failure: status === 429 ? "throttled" : "unavailable",
        reason: `HTTP ${String(status)}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    }
    // Our token or its roles were refused: a configuration problem of ours, never 21Vianet's
    // refusal of the escalation. The cached token is dropped and the attempt retried in the budget.
    if (status === 401 || status === 403) {
      this.#tokens.invalidate?.();
      this.#credentials?.failed(`Partner Center answered HTTP ${String(status)}`);
      return { kind: "transient", failure: "authorisation", reason: `HTTP ${String(status)}${codeSuffix(text)}` };
    }
    if (PERMANENT.has(status)) {
      const error = ErrorSchema.safeParse(parseJsonOrUndefined(text));
      const code = error.success && error.data.code !== undefined ? String(error.data.code) : String(status);
      const description =
        (error.success ? (error.data.description ?? error.data.message) : undefined) ?? `HTTP ${String(status)}`;
      return { kind: "permanent", code, description: description.slice(0, 1_024) };
    }
    // A gateway timeout or a server error may come after the request was created: treat it as
    // unknown, so the next attempt looks for the request and reuses the same MS-RequestId.
    if (status >= 500 || status === 408) return { kind: "unknown", reason: `HTTP ${String(status)}` };
    // Other answers are not in the documented retry rules; a definite refusal.
    const error = ErrorSchema.safeParse(parseJsonOrUndefined(text));
    return {
      kind: "permanent",
      code: String(status),
      description: ((error.success ? error.data.description : undefined) ?? `HTTP ${String(status)}`).slice(0, 1_024),
    };
  }

  /** Lists the customer's requests and returns the one carrying this escalation's marker. Throws on failure. */
  async findExisting(escalation: Escalation): Promise<{ serviceRequestId: string; status: string } | undefined> {
    const token = await this.#tokens.getToken().catch((error: unknown) => {
      throw new PartnerCenterError(`token: ${tokenFailureCode(error)}`, {}, { cause: error });
    });
    const url = `${this.#apiUrl}/v1/customers/${encodeURIComponent(escalation.request.customer.tenantId)}/servicerequests`;
    let response: HttpAnswer;
    try {
      response = await this.#transport({
        method: "GET",
        url,
        headers: this.#headers(token, randomUUID(), uuidOr(escalation.correlationId), false),
        timeoutMs: this.#timeoutMs,
      });
    } catch (error) {
      throw new PartnerCenterError(noAnswer(error), {}, { cause: error });
    }
    const text = response.text;
    if (response.status === 401 || response.status === 403) this.#tokens.invalidate?.();
    if (response.status < 200 || response.status > 299)
      throw new PartnerCenterError(`Partner Center list answered HTTP ${String(response.status)}`, {
        status: response.status,
      });
    const collection = CollectionSchema.parse(parseJsonOrUndefined(text));
    const marker = requestMarker(escalation.id);
    for (const item of collection.items) {
      const parsed = ServiceRequestSchema.safeParse(item);
      if (!parsed.success) continue;
      if (parsed.data.title?.includes(marker) === true || parsed.data.description?.includes(marker) === true) {
        return { serviceRequestId: parsed.data.id, status: parsed.data.status };
      }
    }
    return undefined;
  }

  /** `GET /v1/servicerequests/{id}`: its status and notes, or why not, by the retry rules of #failureOf. */
  async read(serviceRequestId: string, correlationId: string): Promise<ReadOutcome> {
    const answer = await this.#call("GET", serviceRequestId, correlationId, undefined);
    if (answer.kind !== "answered") return answer;
    const parsed = ServiceRequestSchema.safeParse(parseJsonOrUndefined(answer.text));
    if (!parsed.success)
      return { kind: "unknown", reason: `unreadable ${String(answer.status)} answer from Partner Center` };
    return { kind: "read", request: requestState(parsed.data) };
  }

  /**
   * `PATCH /v1/servicerequests/{id}` with only `NewNote`: a note 21Vianet's engineer sees. Partner
   * Center documents no idempotency for it, so an unknown outcome must be checked by reading the
   * notes before sending again.
   */
  async addNote(serviceRequestId: string, text: string, correlationId: string): Promise<NoteOutcome> {
    const answer = await this.#call("PATCH", serviceRequestId, correlationId, { NewNote: { Text: text } });
    return answer.kind === "answered" ? { kind: "added" } : answer;
  }

  async #call(
    method: "GET" | "PATCH",
    serviceRequestId: string,
    correlationId: string,
    body: unknown,
  ): Promise<{ kind: "answered"; status: number; text: string } | ServiceRequestFailure> {
    let token: string;
    try {
      token = await this.#tokens.getToken();
    } catch (error) {
      // Nothing was sent: a definite, retryable failure of our own credentials or of Entra.
      return { kind: "transient", failure: "authorisation", reason: `token: ${tokenFailureCode(error)}` };
    }
    const url = `${this.#apiUrl}/v1/servicerequests/${encodeURIComponent(serviceRequestId)}`;
    let response: HttpAnswer;
    try {
      response = await this.#transport({
        method,
        url,
        headers: this.#headers(token, randomUUID(), uuidOr(correlationId), body !== undefined),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeoutMs: this.#timeoutMs,
      });
    } catch (error) {
      return { kind: "unknown", reason: noAnswer(error), cause: error };
    }
    if (response.status >= 200 && response.status <= 299)
      return { kind: "answered", status: response.status, text: response.text };
    return this.#failureOf(response);
  }

  /** A failed read or note call, classified as the create call's answers are (see #outcomeOf). */
  #failureOf(response: HttpAnswer): ServiceRequestFailure {
    const outcome = this.#outcomeOf(response);
    switch (outcome.kind) {
      case "transient":
        return {
          kind: "transient",
          failure: outcome.failure,
          reason: outcome.reason,
          ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
        };
      case "permanent":
        return { kind: "permanent", code: outcome.code, description: outcome.description };
      case "unknown":
        return { kind: "unknown", reason: outcome.reason };
      case "created":
      case "awaiting-portal":
        // #outcomeOf answers these only for 2xx, which #call never passes here.
        return { kind: "unknown", reason: `HTTP ${String(response.status)}` };
    }
  }

  #headers(token: string, requestId: string, correlationId: string, body: boolean): Record<string, string> {
    return {
      Authorization: `Bearer ${token}`,
      Accept: "application/json",
      ...(body ? { "Content-Type": "application/json" } : {}),
      "MS-RequestId": requestId,
      "MS-CorrelationId": correlationId,
    };
  }
}

/** The PascalCase create body. Contact: the name only; no email or phone leaves in the text. */
export function createBody(escalation: Escalation, supportTopicId: string): Record<string, string> {
  const request = escalation.request;
  const marker = requestMarker(escalation.id);
  const room = TITLE_MAX - marker.length - 1;
  const title = `${request.title.length > room ? request.title.slice(0, Math.max(0, room - 1)) + "…" : request.title} ${marker}`;
  const evidence = firstLineEvidence(request.firstLineSupport);
  const description = [
    request.description,
    "",
    "First-line support:",
    ...evidence,
    "",
    `Customer: ${request.customer.name} (${request.customer.domain}, tenant ${request.customer.tenantId})`,
    // 21Vianet gets the contact's name only: never the e-mail or the phone.
    ...(request.contact === undefined ? [] : [`Partner contact: ${request.contact.name}`]),
    ...(request.partnerTicketId === undefined ? [] : [`Partner ticket: ${request.partnerTicketId}`]),
    marker,
  ].join("\n");
  return {
    Title: title,
    Description: description,
    Severity: request.severity,
    SupportTopicId: supportTopicId,
    ProductName: request.service,
    CountryCode: "CN",
  };
}

/** The request's status and notes in the domain's words; a note's date only when Partner Center gives a real one. */
function requestState(request: z.infer<typeof ServiceRequestSchema>): ServiceRequestState {
  const lastModifiedAt = isoDate(request.lastModifiedDate);
  return {
    status: request.status,
    ...(lastModifiedAt === undefined ? {} : { lastModifiedAt }),
    notes: (request.notes ?? []).map((note) => {
      const createdAt = isoDate(note.createdDate);
      return {
        text: note.text ?? "",
        ...(createdAt === undefined ? {} : { createdAt }),
        ...(note.createdByName === undefined ? {} : { createdByName: note.createdByName }),
      };
    }),
  };
}

/** Partner Center's dates are UTC, sometimes without a zone; `0001-01-01T00:00:00` means never. */
function isoDate(value: string | undefined): string | undefined {
  if (value === undefined || value.startsWith("0001-")) return undefined;
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`;
  const time = Date.parse(zoned);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/**
 * A call that got no answer, in words safe for an escalation's history (`connection reset`,
 * `timed out`): never the raw error, which names internal addresses and hosts.
 */
function noAnswer(error: unknown): string {
  return `no answer from Partner Center: ${describeFailure(error).words}`;
}

/** ` (code 900xxx)` when the error body names a code: short and safe to keep in history. */
function codeSuffix(text: string): string {
  const error = ErrorSchema.safeParse(parseJsonOrUndefined(text));
  return error.success && error.data.code !== undefined ? ` (code ${String(error.data.code).slice(0, 32)})` : "";
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function uuidOr(value: string): string {
  return UUID.test(value) ? value : randomUUID();
}
