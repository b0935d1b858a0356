// Programmatic entry point of the Partner Center (21Vianet) sandbox: start({ port }) serves the
// service-request REST contract, an Entra-shaped token endpoint and fault injection on one
// node:http server.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { randomInt } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import {
  apiError,
  createBodySchema,
  describeZodError,
  NEVER_CLOSED,
  patchBodySchema,
  statusSchema,
  type Collection,
  type CreateBody,
  type ServiceRequest,
} from "./contract.js";
import {
  DEFAULT_APP,
  DEFAULT_REFRESH_TOKEN,
  REFRESH_TOKEN_LIFETIME_SECONDS,
  TokenService,
  type IssuedToken,
  type SandboxApp,
  type SandboxRefreshToken,
} from "./auth.js";
import {
  FaultQueue,
  faultSpecSchema,
  randomFaultsSchema,
  type ArmedFault,
  type Fault,
  type FaultKind,
  type FaultSpec,
  type Operation,
  type RandomFaults,
  type RandomFaultsSpec,
} from "./faults.js";

export * from "./contract.js";
export * from "./auth.js";
export type { FaultSpec, Fault, ArmedFault, Operation, FaultKind, RandomFaults, RandomFaultsSpec };
export { FAULT_KINDS, OPERATIONS } from "./faults.js";

export interface StartOptions {
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  host?: string;
  /** Fixed delay before every answer (API and token endpoint), e.g. 50 for the benchmark. */
  latencyMs?: number;
  /** How long an MS-RequestId is remembered as an idempotency key on create. Default 15 min. */
  requestIdWindowMs?: number;
  /** Confidential client apps allowed at the token endpoint. Default: DEFAULT_APP. */
  apps?: SandboxApp[];
  /** Refresh tokens the token endpoint redeems. Default: DEFAULT_REFRESH_TOKEN for DEFAULT_APP. */
  refreshTokens?: SandboxRefreshToken[];
  /** Access-token lifetime. Default 3600 s. */
  tokenLifetimeSeconds?: number;
  /** How long a refresh token stays valid after it is issued; default 90 days, as Entra. Shorten it to test expiry. */
  refreshTokenLifetimeSeconds?: number;
  /**
   * Service-request operations accept App+User tokens only (the Secure Application Model).
   * Set true to let app-only (client_credentials) tokens through as well. Default false.
   */
  allowAppOnlyTokens?: boolean;
  /**
   * 21Vianet's side over time: after `attentionAfterMs` an engineer adds a note asking the partner
   * for something and sets `attention_needed`; after `closeAfterMs` (from creation) a closing note
   * and `closed`. Off unless given: tests change requests on demand through `update`.
   */
  lifecycle?: Lifecycle;
}

export interface Lifecycle {
  attentionAfterMs?: number;
  closeAfterMs?: number;
}

/** What 21Vianet's side does to a request: set its status, add a note, or both. */
export const sandboxUpdateSchema = z
  .strictObject({
    status: statusSchema.optional(),
    note: z.string().trim().min(1).max(4_000).optional(),
    /** The engineer's name on the note. */
    by: z.string().trim().min(1).max(100).optional(),
  })
  .refine((update) => update.status !== undefined || update.note !== undefined, {
    error: "status or note is required",
  });
export type SandboxUpdate = z.input<typeof sandboxUpdateSchema>;

/** The engineer named on the notes 21Vianet's side writes. */
export const VIANET_ENGINEER = "21Vianet Support Engineer";

export interface CreatedRecord {
  serviceRequest: ServiceRequest;
  /** Sandbox extension: the customer tenant given as ?customerTenantId= on create. */
  customerTenantId: string | null;
  /** The MS-RequestId of the create call that made it. */
  requestId: string;
  /** How many create calls carried that MS-RequestId (retries included). */
  timesSeen: number;
}

export interface RunningSandbox {
  /** Base URL of the API and token endpoint, e.g. http://127.0.0.1:54321. */
  readonly url: string;
  /** https-shaped origin to use as MSAL authority host (see sandboxNetworkClient). */
  readonly authorityHost: string;
  /** `${authorityHost}/${tenant}`, ready for MSAL `auth.authority`. */
  authority(tenant?: string): string;
  readonly faults: {
    add(spec: FaultSpec): ArmedFault;
    /** Faults drawn at random, at the given rates, for one operation (or "any"). */
    setRandom(spec: RandomFaultsSpec): RandomFaults;
    clear(): void;
    list(): ArmedFault[];
    /** How many requests got each kind of fault since the last reset. */
    injected(): Partial<Record<FaultKind, number>>;
  };
  /** Created service requests, oldest first, with how often their MS-RequestId was seen. */
  requests(): CreatedRecord[];
  /** Times each MS-RequestId reached create (including faulted attempts). */
  requestIdsSeen(): Record<string, number>;
  /** 21Vianet's side acts on a request: a status, a note, or both. Undefined when there is no such request. */
  update(serviceRequestId: string, update: SandboxUpdate): ServiceRequest | undefined;
  /** How many GET and PATCH calls reached each request (faulted ones included). */
  callsSeen(): { reads: number; updates: number };
  /** Every access token issued so far expires now. */
  expireTokens(): void;
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_TENANT = "4a1b2c3d-0000-4000-8000-00000000c0de";
const UUID = z.uuid();

interface Stored {
  serviceRequest: ServiceRequest;
  customerTenantId: string | null;
  requestId: string;
}

class SandboxState {
  readonly byId = new Map<string, Stored>();
  readonly order: string[] = [];
  readonly idempotency = new Map<string, { id: string; at: number }>();
  readonly seen = new Map<string, number>();
  readonly timers = new Set<NodeJS.Timeout>();
  reads = 0;
  updates = 0;

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.reads = 0;
    this.updates = 0;
    this.byId.clear();
    this.order.length = 0;
    this.idempotency.clear();
    this.seen.clear();
  }
}

function newServiceRequestId(existing: Map<string, Stored>): string {
  for (;;) {
    const id = `${randomInt(1, 10)}${String(randomInt(0, 1e7)).padStart(7, "0")}${String(randomInt(0, 1e7)).padStart(7, "0")}`;
    if (!existing.has(id)) return id;
  }
}

function isoSeconds(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

const SUPPORT_TOPICS: Record<string, string> = {
  "32444671": "Office 365 operated by 21Vianet",
  "32444672": "Azure operated by 21Vianet",
  "32444673": "Billing",
};

function buildServiceRequest(id: string, body: CreateBody, token: IssuedToken): ServiceRequest {
  const now = isoSeconds();
  const by = token.user?.name ?? token.clientId;
  const contact = body.PrimaryContact;
  return {
    id,
    title: body.Title,
    description: body.Description,
    severity: body.Severity,
    supportTopicId: body.SupportTopicId,
    supportTopicName: SUPPORT_TOPICS[body.SupportTopicId] ?? `Support topic ${body.SupportTopicId}`,
    status: "open",
    organization: { id: token.tenant, name: "Sandbox Partner", phoneNumber: "+86 10 0000 0000" },
    primaryContact: {
      contactId: contact?.ContactId ?? token.user?.oid ?? "",
      firstName: contact?.FirstName ?? "",
      lastName: contact?.LastName ?? "",
      email: contact?.Email ?? token.user?.upn ?? "",
      phoneNumber: contact?.PhoneNumber ?? "",
    },
    lastUpdatedBy: by,
    createdDate: now,
    lastModifiedDate: now,
    lastClosedDate: NEVER_CLOSED,
    notes: (body.Notes ?? []).map((n) => ({
      createdByName: n.CreatedByName ?? by,
      createdDate: n.CreatedDate ?? now,
      text: n.Text,
    })),
    ...(body.CountryCode === undefined ? {} : { countryCode: body.CountryCode }),
    ...(body.ProductName === undefined ? {} : { productName: body.ProductName }),
    attributes: { objectType: "ServiceRequest" },
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1_048_576) throw new HttpError(413, apiError("413", "Request body larger than 1 MB."));
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  if (text.trim() === "")
    throw new HttpError(400, apiError("400", "The request body is empty; a JSON object is required."));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, apiError("400", "The request body is not valid JSON."));
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { "Content-Type": "application/json; charset=utf-8" }),
    "Content-Length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function basicAuth(req: IncomingMessage): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export async function start(options: StartOptions = {}): Promise<RunningSandbox> {
  const host = options.host ?? "127.0.0.1";
  const baseLatency = options.latencyMs ?? 0;
  const windowMs = options.requestIdWindowMs ?? 15 * 60_000;
  const apps = options.apps ?? [DEFAULT_APP];
  const refreshTokens = options.refreshTokens ?? [{ token: DEFAULT_REFRESH_TOKEN, clientId: DEFAULT_APP.clientId }];
  const tokens = new TokenService(
    apps,
    refreshTokens,
    options.tokenLifetimeSeconds ?? 3600,
    options.refreshTokenLifetimeSeconds ?? REFRESH_TOKEN_LIFETIME_SECONDS,
  );
  const faults = new FaultQueue();
  const state = new SandboxState();
  const sockets = new Set<Socket>();
  let authorityHost = "";

  function records(): CreatedRecord[] {
    return state.order.flatMap((id) => {
      const stored = state.byId.get(id);
      if (stored === undefined) return [];
      return [
        {
          ...stored,
          serviceRequest: structuredClone(stored.serviceRequest),
          timesSeen: state.seen.get(stored.requestId) ?? 0,
        },
      ];
    });
  }

  /** Applies 21Vianet's side's change to a stored request, as a PATCH from its engineer would. */
  function applyUpdate(stored: Stored, update: z.output<typeof sandboxUpdateSchema>): void {
    const sr = stored.serviceRequest;
    const now = isoSeconds();
    const by = update.by ?? VIANET_ENGINEER;
    if (update.note !== undefined) sr.notes.push({ createdByName: by, createdDate: now, text: update.note });
    if (update.status !== undefined && update.status !== sr.status) {
      sr.status = update.status;
      if (sr.status === "closed") sr.lastClosedDate = now;
    }
    sr.lastModifiedDate = now;
    sr.lastUpdatedBy = by;
  }

  function update(serviceRequestId: string, input: SandboxUpdate): ServiceRequest | undefined {
    const stored = state.byId.get(serviceRequestId);
    if (stored === undefined) return undefined;
    applyUpdate(stored, sandboxUpdateSchema.parse(input));
    return structuredClone(stored.serviceRequest);
  }

  /** 21Vianet's side answering a new request over time, when the sandbox was started with a lifecycle. */
  function scheduleLifecycle(id: string): void {
    const steps: [number | undefined, z.output<typeof sandboxUpdateSchema>][] = [
      [
        options.lifecycle?.attentionAfterMs,
        {
          status: "attention_needed",
          note: "We are looking into this. Please send a message trace of an affected message and the time it was sent.",
        },
      ],
      [
        options.lifecycle?.closeAfterMs,
        { status: "closed", note: "The issue is resolved; we are closing this request." },
      ],
    ];
    for (const [afterMs, change] of steps) {
      if (afterMs === undefined) continue;
      const timer = setTimeout(() => {
        state.timers.delete(timer);
        const stored = state.byId.get(id);
        // Closed stays closed, as at 21Vianet.
        if (stored !== undefined && stored.serviceRequest.status !== "closed") applyUpdate(stored, change);
      }, afterMs);
      timer.unref();
      state.timers.add(timer);
    }
  }

  /**
   * Applies a fault. Returns "continue" to go on, "lost" to run the operation then drop the
   * socket, "hang" to run it then never answer, "done" if answered.
   */
  async function applyFault(
    fault: Fault | undefined,
    req: IncomingMessage,
    res: ServerResponse,
    extraHeaders: Record<string, string>,
  ): Promise<"continue" | "lost" | "hang" | "done"> {
    if (fault === undefined) return "continue";
    const retryAfter: Record<string, string> =
      fault.retryAfterSeconds === undefined ? {} : { "Retry-After": String(fault.retryAfterSeconds) };
    switch (fault.kind) {
      case "latency":
        await sleep(fault.latencyMs ?? 1000);
        return "continue";
      case "status-429":
        send(
          res,
          429,
          { statusCode: 429, message: "Rate limit is exceeded. Try again later." },
          { "Retry-After": String(fault.retryAfterSeconds ?? 1), ...extraHeaders },
        );
        return "done";
      case "status-503":
        send(res, 503, apiError("503", "The service is temporarily unavailable."), { ...retryAfter, ...extraHeaders });
        return "done";
      case "permanent-400":
        send(res, 400, apiError("400", "Sandbox fault: the request was rejected permanently."), extraHeaders);
        return "done";
      case "unsupported-900127":
        send(res, 400, apiError("900127", "The operation is not supported in this environment."), extraHeaders);
        return "done";
      case "timeout":
        // Never answer: the socket stays open until the client gives up or the sandbox closes.
        req.socket.setTimeout(0);
        req.resume();
        return "done";
      case "created-response-lost":
        return "lost";
      case "created-then-hang":
        // The caller is still waiting when it crashes: the request exists, the answer never comes.
        req.socket.setTimeout(0);
        return "hang";
      case "status": {
        const status = fault.status ?? 500;
        send(res, status, apiError(fault.code ?? String(status), `Sandbox fault: HTTP ${String(status)}.`), {
          ...retryAfter,
          ...extraHeaders,
        });
        return "done";
      }
      case "connection-reset":
        // Dropped before anything was done: nothing exists, and the caller cannot know that.
        req.socket.destroy();
        return "done";
    }
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, segments: string[]): Promise<void> {
    const method = req.method ?? "GET";
    const correlationId = header(req, "MS-CorrelationId");
    const requestId = header(req, "MS-RequestId");
    const echo: Record<string, string> = {
      ...(correlationId === undefined ? {} : { "MS-CorrelationId": correlationId }),
      ...(requestId === undefined ? {} : { "MS-RequestId": requestId }),
    };
    const presented = bearer(req);
    if (presented === undefined) {
      throw new HttpError(401, apiError("401", "Authorization: Bearer <token> is required."), {
        "WWW-Authenticate": "Bearer",
        ...echo,
      });
    }
    const token = tokens.verify(presented);
    if (token === undefined) {
      throw new HttpError(401, apiError("401", "The access token is unknown or expired."), {
        "WWW-Authenticate": 'Bearer error="invalid_token"',
        ...echo,
      });
    }
    if (token.user === undefined && options.allowAppOnlyTokens !== true) {
      throw new HttpError(
        403,
        apiError("403", "Service request operations accept App+User tokens only (Secure Application Model)."),
        echo,
      );
    }
    if (requestId === undefined || !UUID.safeParse(requestId).success) {
      throw new HttpError(400, apiError("400", "The MS-RequestId header is required and must be a GUID."), echo);
    }
    if (correlationId === undefined || correlationId === "") {
      throw new HttpError(400, apiError("400", "The MS-CorrelationId header is required."), echo);
    }

    // Route.
    let operation: Exclude<Operation, "any" | "token">;
    const [first, second, third] = segments;
    if (first === "servicerequests" && second !== undefined && third === undefined && method === "POST")
      operation = "create";
    else if (first === "servicerequests" && second !== undefined && third === undefined && method === "GET")
      operation = "get";
    else if (first === "servicerequests" && second !== undefined && third === undefined && method === "PATCH")
      operation = "update";
    else if (
      first === "customers" &&
      second !== undefined &&
      third === "servicerequests" &&
      segments.length === 3 &&
      method === "GET"
    )
      operation = "list";
    else throw new HttpError(404, apiError("404", `No operation ${method} ${url.pathname}.`), echo);

    if (operation === "create") state.seen.set(requestId, (state.seen.get(requestId) ?? 0) + 1);
    if (operation === "get") state.reads += 1;
    if (operation === "update") state.updates += 1;
    const outcome = await applyFault(faults.take(operation), req, res, echo);
    if (outcome === "done") return;

    let status: number;
    let body: unknown;
    if (operation === "create") {
      const parsed = createBodySchema.safeParse(await readJson(req));
      if (!parsed.success) throw new HttpError(400, apiError("400", describeZodError(parsed.error)), echo);
      const remembered = state.idempotency.get(requestId);
      const replay =
        remembered !== undefined && Date.now() - remembered.at < windowMs ? state.byId.get(remembered.id) : undefined;
      if (replay !== undefined) {
        body = replay.serviceRequest;
      } else {
        const id = newServiceRequestId(state.byId);
        const sr = buildServiceRequest(id, parsed.data, token);
        state.byId.set(id, {
          serviceRequest: sr,
          customerTenantId: url.searchParams.get("customerTenantId"),
          requestId,
        });
        state.order.push(id);
        state.idempotency.set(requestId, { id, at: Date.now() });
        scheduleLifecycle(id);
        body = sr;
      }
      status = 201;
    } else if (operation === "get" || operation === "update") {
      const stored = state.byId.get(second);
      if (stored === undefined)
        throw new HttpError(404, apiError("404", `Service request ${second} was not found.`), echo);
      if (operation === "update") {
        const parsed = patchBodySchema.safeParse(await readJson(req));
        if (!parsed.success) throw new HttpError(400, apiError("400", describeZodError(parsed.error)), echo);
        const sr = stored.serviceRequest;
        const now = isoSeconds();
        const by = token.user?.name ?? token.clientId;
        if (parsed.data.NewNote !== undefined) {
          sr.notes.push({
            createdByName:
              ("CreatedByName" in parsed.data.NewNote ? parsed.data.NewNote.CreatedByName : undefined) ?? by,
            createdDate: now,
            text: parsed.data.NewNote.Text,
          });
        }
        if (parsed.data.Status !== undefined && parsed.data.Status !== sr.status) {
          sr.status = parsed.data.Status;
          if (sr.status === "closed") sr.lastClosedDate = now;
        }
        sr.lastModifiedDate = now;
        sr.lastUpdatedBy = by;
      }
      status = 200;
      body = stored.serviceRequest;
    } else {
      const items = state.order.flatMap((id) => {
        const stored = state.byId.get(id);
        return stored !== undefined && stored.customerTenantId?.toLowerCase() === second.toLowerCase()
          ? [stored.serviceRequest]
          : [];
      });
      const collection: Collection<ServiceRequest> = {
        totalCount: items.length,
        items,
        attributes: { objectType: "Collection" },
      };
      status = 200;
      body = collection;
    }
    if (outcome === "lost") {
      req.socket.destroy();
      return;
    }
    if (outcome === "hang") return;
    send(res, status, body, echo);
  }

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, segments: string[]): Promise<void> {
    const method = req.method ?? "GET";
    const path = segments.join("/");
    if (path === "faults" && method === "POST") {
      const parsed = z.union([faultSpecSchema, z.array(faultSpecSchema)]).safeParse(await readJson(req));
      if (!parsed.success) throw new HttpError(400, apiError("400", describeZodError(parsed.error)));
      const specs = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
      send(res, 201, { faults: specs.map((s) => faults.add(s)) });
    } else if (path === "faults/random" && method === "POST") {
      const parsed = randomFaultsSchema.safeParse(await readJson(req));
      if (!parsed.success) throw new HttpError(400, apiError("400", describeZodError(parsed.error)));
      send(res, 201, { random: faults.setRandom(parsed.data) });
    } else if (path === "faults" && method === "GET") {
      send(res, 200, { faults: faults.list(), random: faults.randomFaults(), injected: faults.injectedCounts() });
    } else if (path === "faults" && method === "DELETE") {
      faults.clear();
      send(res, 204, undefined);
    } else if (path === "requests" && method === "GET") {
      const items = records();
      send(res, 200, { totalCount: items.length, items, requestIdsSeen: Object.fromEntries(state.seen) });
    } else if (segments[0] === "requests" && segments.length === 2 && method === "PATCH") {
      // 21Vianet's side acts on one request: { status?, note?, by? }.
      const parsed = sandboxUpdateSchema.safeParse(await readJson(req));
      if (!parsed.success) throw new HttpError(400, apiError("400", describeZodError(parsed.error)));
      const updated = update(segments[1] ?? "", parsed.data);
      if (updated === undefined)
        throw new HttpError(404, apiError("404", `Service request ${segments[1] ?? ""} was not found.`));
      send(res, 200, updated);
    } else if (path === "reset" && method === "POST") {
      resetAll();
      send(res, 204, undefined);
    } else if (path === "tokens/expire" && method === "POST") {
      tokens.expireAll();
      send(res, 204, undefined);
    } else if (path === "tokens/revoke" && method === "POST") {
      // Access tokens issued so far are refused (401) from now on, as after a password reset.
      tokens.revokeAccessTokens();
      send(res, 204, undefined);
    } else if (path === "refresh-tokens/revoke" && method === "POST") {
      // The consent is gone: every refresh token is refused until a new one is configured.
      tokens.revokeRefreshTokens();
      send(res, 204, undefined);
    } else if (path === "refresh-tokens" && method === "GET") {
      send(res, 200, tokens.refreshTokenFacts());
    } else {
      throw new HttpError(404, apiError("404", `No sandbox admin operation ${method} /_sandbox/${path}.`));
    }
  }

  async function handleIdentity(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    segments: string[],
  ): Promise<boolean> {
    const method = req.method ?? "GET";
    const [tenant, ...rest] = segments;
    if (tenant === undefined) return false;
    const path = rest.join("/");
    if (tenant === "common" && path === "discovery/instance" && method === "GET") {
      send(res, 200, tokens.instanceDiscovery(authorityHost, url.searchParams.get("authorization_endpoint")));
      return true;
    }
    if (
      (path === "v2.0/.well-known/openid-configuration" || path === ".well-known/openid-configuration") &&
      method === "GET"
    ) {
      send(res, 200, tokens.openidConfiguration(authorityHost, tenant));
      return true;
    }
    if (path === "discovery/v2.0/keys" && method === "GET") {
      send(res, 200, { keys: [] });
      return true;
    }
    if (path === "oauth2/v2.0/token" && method === "POST") {
      const fault = faults.take("token");
      const outcome = await applyFault(fault, req, res, {});
      if (outcome === "done") return true;
      const form = new URLSearchParams(await readBody(req));
      const result = tokens.token(tenant, form, basicAuth(req));
      if (outcome === "lost") req.socket.destroy();
      else if (outcome !== "hang") send(res, result.status, result.body, { "Cache-Control": "no-store" });
      return true;
    }
    return false;
  }

  function resetAll(): void {
    state.clear();
    faults.reset();
    tokens.reset(apps, refreshTokens);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const segments = url.pathname
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent);
    if (segments[0] === "_sandbox") {
      await handleAdmin(req, res, segments.slice(1));
      return;
    }
    if (baseLatency > 0) await sleep(baseLatency);
    if (segments[0] === "v1") {
      await handleApi(req, res, url, segments.slice(1));
      return;
    }
    if (await handleIdentity(req, res, url, segments)) return;
    send(res, 404, apiError("404", `No route ${req.method ?? "GET"} ${url.pathname}.`));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (error instanceof HttpError) send(res, error.status, error.body, error.headers);
      else send(res, 500, apiError("500", error instanceof Error ? error.message : String(error)));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("sandbox did not bind a TCP port");
  const url = `http://${host}:${address.port}`;
  authorityHost = `https://${host}:${address.port}`;

  return {
    url,
    authorityHost,
    authority: (tenant = DEFAULT_TENANT) => `${authorityHost}/${tenant}`,
    faults: {
      add: (spec) => faults.add(spec),
      setRandom: (spec) => faults.setRandom(spec),
      clear: () => faults.clear(),
      list: () => faults.list(),
      injected: () => faults.injectedCounts(),
    },
    requests: records,
    requestIdsSeen: () => Object.fromEntries(state.seen),
    update,
    callsSeen: () => ({ reads: state.reads, updates: state.updates }),
    expireTokens: () => tokens.expireAll(),
    reset: resetAll,
    close: async () => {
      state.clear();
      const closed = new Promise<void>((resolve, reject) =>
        server.close((error) => (error === undefined ? resolve() : reject(error))),
      );
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/**
 * The app settings that point the bridge at a running sandbox: the API and the authority on
 * loopback (the app then sends MSAL through its loopback network client), the sandbox's app
 * registration and refresh token (not secrets: they exist only inside the sandbox).
 */
export function appSettingsFor(sandbox: Pick<RunningSandbox, "url">): Record<string, string> {
  return {
    PARTNER_CENTER_API_URL: sandbox.url,
    PARTNER_CENTER_AUTHORITY: sandbox.url,
    PARTNER_CENTER_TENANT_ID: DEFAULT_TENANT,
    PARTNER_CENTER_CLIENT_ID: DEFAULT_APP.clientId,
    PARTNER_CENTER_CLIENT_SECRET: DEFAULT_APP.clientSecret,
    PARTNER_CENTER_REFRESH_TOKEN: DEFAULT_REFRESH_TOKEN,
    PARTNER_CENTER_SUPPORT_TOPIC_ID: "32444671",
  };
}

/**
 * MSAL only accepts https authorities, and the sandbox speaks plain http on loopback: pass
 * `sandboxNetworkClient(sandbox.url)` as MSAL's `system.networkClient` with `sandbox.authority()`.
 */
export { loopbackNetworkClient as sandboxNetworkClient } from "../../shared/sandbox/loopback-msal-network.js";
