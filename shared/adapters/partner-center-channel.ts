// The Partner Center REST channel to 21Vianet: `POST /v1/servicerequests/{locale}` with an App+User
// token, MS-RequestId as the idempotency key, and every answer mapped to a ChannelOutcome by the
// retry rules in shared/docs/21vianet.md. After an unknown outcome, findExisting lists the
// customer's requests and matches the marker this channel puts in the title and description.
import { ConfidentialClientApplication, type INetworkModule } from "@azure/msal-node";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Escalation } from "../escalations/escalation.js";
import { requestMarker, type AttemptContext, type ChannelOutcome, type VianetChannel } from "../forwarding/channel.js";

/** Where the channel gets its bearer token: a tiny port so tests and other flows can plug in. */
export interface TokenSource {
  getToken(): Promise<string>;
}

export const PARTNER_CENTER_USER_IMPERSONATION = "https://partner.partnercenterapi.microsoftonline.cn/user_impersonation";

export interface MsalTokenSourceOptions {
  clientId: string;
  clientSecret: string;
  /** Entra authority, e.g. `https://login.partner.microsoftonline.cn/{partner tenant}`. */
  authority: string;
  /** The Secure Application Model refresh token (kept in Key Vault). */
  refreshToken: string;
  /** Default: the documented Partner Center (21Vianet) user_impersonation scope. */
  scope?: string;
  /** Renew this long before expiry. Default 5 minutes. */
  refreshSkewMs?: number;
  /** MSAL `system.networkClient`; only for the local sandbox. Production leaves it unset. */
  networkClient?: INetworkModule;
  now?: () => number;
}

/**
 * App+User tokens through `acquireTokenByRefreshToken`. MSAL does not look in its cache for that
 * call (it always redeems the refresh token), so the access token is kept here until
 * `refreshSkewMs` before it expires, and concurrent callers share one token request.
 */
export class MsalTokenSource implements TokenSource {
  readonly #client: ConfidentialClientApplication;
  readonly #refreshToken: string;
  readonly #scope: string;
  readonly #skewMs: number;
  readonly #now: () => number;
  #cached: { token: string; expiresAt: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(options: MsalTokenSourceOptions) {
    this.#client = new ConfidentialClientApplication({
      auth: { clientId: options.clientId, clientSecret: options.clientSecret, authority: options.authority },
      ...(options.networkClient === undefined ? {} : { system: { networkClient: options.networkClient } }),
    });
    this.#refreshToken = options.refreshToken;
    this.#scope = options.scope ?? PARTNER_CENTER_USER_IMPERSONATION;
    this.#skewMs = options.refreshSkewMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  getToken(): Promise<string> {
    if (this.#cached !== undefined && this.#now() < this.#cached.expiresAt - this.#skewMs) return Promise.resolve(this.#cached.token);
    this.#pending ??= this.#acquire().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #acquire(): Promise<string> {
    const result = await this.#client.acquireTokenByRefreshToken({ refreshToken: this.#refreshToken, scopes: [this.#scope] });
    if (result === null || result.accessToken === "") throw new Error("MSAL returned no access token");
    const expiresAt = result.expiresOn?.getTime() ?? this.#now();
    this.#cached = { token: result.accessToken, expiresAt };
    return result.accessToken;
  }
}

export interface PartnerCenterChannelOptions {
  /** e.g. `https://partner.partnercenterapi.microsoftonline.cn` (no trailing `/v1`). */
  apiUrl: string;
  tokens: TokenSource;
  /** The `{agent-locale}` path segment. Default `en-US`. */
  locale?: string;
  fetch?: typeof globalThis.fetch;
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
}

/** Partner Center status 0..3, sent as a name or a number. */
const STATUS_NAMES = ["none", "open", "closed", "attention_needed"] as const;
const statusSchema = z.union([z.string(), z.number().int()]).transform((value) => (typeof value === "number" ? (STATUS_NAMES[value] ?? String(value)) : value));

const ServiceRequestSchema = z.object({
  id: z.union([z.string().min(1), z.number().int()]).transform(String),
  title: z.string().optional(),
  description: z.string().optional(),
  status: statusSchema,
});
const CollectionSchema = z.object({ items: z.array(z.unknown()) });
const ErrorSchema = z.object({ code: z.union([z.string(), z.number()]).optional(), description: z.string().optional(), message: z.string().optional() });

const TITLE_MAX = 256;
const PERMANENT = new Set([400, 401, 403, 404, 405, 406, 409, 410, 412]);

export class PartnerCenterChannel implements VianetChannel {
  readonly name = "partner-center" as const;
  readonly #apiUrl: string;
  readonly #tokens: TokenSource;
  readonly #locale: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #timeoutMs: number;
  readonly #supportTopicId: string;
  readonly #sandboxCustomer: boolean;

  constructor(options: PartnerCenterChannelOptions) {
    this.#apiUrl = options.apiUrl.replace(/\/+$/, "");
    this.#tokens = options.tokens;
    this.#locale = options.locale ?? "en-US";
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#supportTopicId = options.supportTopicId;
    this.#sandboxCustomer = options.sandboxCustomerTenantParameter ?? false;
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
      // Nothing was sent: a definite, retryable failure.
      return { kind: "transient", reason: `token: ${describe(error)}` };
    }
    const query = this.#sandboxCustomer ? `?customerTenantId=${encodeURIComponent(escalation.request.customer.tenantId)}` : "";
    const url = `${this.#apiUrl}/v1/servicerequests/${encodeURIComponent(this.#locale)}${query}`;
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, {
        method: "POST",
        headers: this.#headers(token, attempt.requestId, attempt.correlationId, true),
        body: JSON.stringify(createBody(escalation, this.#supportTopicId)),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      return { kind: "unknown", reason: `no answer from Partner Center: ${describe(error)}` };
    }
    const status = response.status;
    if (status === 200 || status === 201) {
      const parsed = ServiceRequestSchema.safeParse(parseJson(text));
      // Created, but the answer cannot be read: findExisting will find it.
      if (!parsed.success) return { kind: "unknown", reason: `unreadable ${String(status)} answer from Partner Center` };
      return { kind: "created", serviceRequestId: parsed.data.id, status: parsed.data.status };
    }
    // 429 and 503 are definite refusals: nothing was created, so the retry gets a new MS-RequestId.
    if (status === 429 || status === 503) {
      const retryAfterMs = retryAfter(response.headers.get("retry-after"));
      return { kind: "transient", reason: `HTTP ${String(status)}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    }
    if (PERMANENT.has(status)) {
      const error = ErrorSchema.safeParse(parseJson(text));
      const code = error.success && error.data.code !== undefined ? String(error.data.code) : String(status);
      const description = (error.success ? (error.data.description ?? error.data.message) : undefined) ?? `HTTP ${String(status)}`;
      return { kind: "permanent", code, description: description.slice(0, 1_024) };
    }
    // A gateway timeout or a server error may come after the request was created: treat it as
    // unknown, so the next attempt looks for the request and reuses the same MS-RequestId.
    if (status >= 500) return { kind: "unknown", reason: `HTTP ${String(status)}` };
    if (status === 408) return { kind: "unknown", reason: "HTTP 408" };
    // Other 4xx: not in the documented retry rules; a definite refusal.
    const error = ErrorSchema.safeParse(parseJson(text));
    return { kind: "permanent", code: String(status), description: (error.success ? error.data.description : undefined) ?? `HTTP ${String(status)}` };
  }

  /** Lists the customer's requests and returns the one carrying this escalation's marker. Throws on failure. */
  async findExisting(escalation: Escalation): Promise<{ serviceRequestId: string; status: string } | undefined> {
    const token = await this.#tokens.getToken();
    const url = `${this.#apiUrl}/v1/customers/${encodeURIComponent(escalation.request.customer.tenantId)}/servicerequests`;
    const response = await this.#fetch(url, {
      method: "GET",
      headers: this.#headers(token, randomUUID(), uuidOr(escalation.correlationId), false),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`Partner Center list answered HTTP ${String(response.status)}`);
    const collection = CollectionSchema.parse(parseJson(text));
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
  const firstLine = request.firstLineSupport;
  const evidence = [
    `Service health checked: ${firstLine.serviceHealthChecked ? "yes" : "no"}`,
    `Admin center attempted: ${firstLine.adminCenterAttempted ? "yes" : "no"}`,
    ...firstLine.stepsTaken.map((step) => `- ${step}`),
  ];
  const description = [
    request.description,
    "",
    "First-line support:",
    ...evidence,
    "",
    `Customer: ${request.customer.name} (${request.customer.domain}, tenant ${request.customer.tenantId})`,
    `Partner contact: ${request.contact.name}`,
    ...(request.partnerTicketId === undefined ? [] : [`Partner ticket: ${request.partnerTicketId}`]),
    marker,
  ].join("\n");
  return { Title: title, Description: description, Severity: request.severity, SupportTopicId: supportTopicId, ProductName: request.service, CountryCode: "CN" };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Retry-After in seconds (or an HTTP date), as milliseconds. */
function retryAfter(header: string | null): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1_000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.name === "Error" ? error.message : `${error.name}: ${error.message}`;
  return String(error);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function uuidOr(value: string): string {
  return UUID.test(value) ? value : randomUUID();
}
