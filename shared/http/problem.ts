// RFC 9457 problem details: the one shape every 4xx/5xx answer of the API takes, with the
// invalid fields or unmet rules listed so a caller can fix its request. Every answer's `type`
// comes from PROBLEM_TYPES, one closed catalogue: a call site names a ProblemCode, never a URI
// or a status of its own, and the OpenAPI document lists the same URIs. ProblemDetails is both
// what the OpenAPI document publishes and the type of what problemJson() writes.
import type { HttpResponseInit } from "@azure/functions";
import { z } from "zod";
import { CRITERIA } from "../domain/escalations/criteria.js";
import { EscalationStatus } from "../domain/escalations/escalation.js";
import type { FieldIssue } from "../domain/escalations/field-issues.js";

export const PROBLEM_TYPE_BASE = "https://vianet-escalation-bridge/problems/";
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Every kind of problem the API answers with; the last part of its `type` URI. */
export const PROBLEM_CODES = [
  "invalid-escalation",
  "escalation-criteria-unmet",
  "invalid-idempotency-key",
  "idempotency-key-in-flight",
  "idempotency-key-reused",
  "invalid-query",
  "invalid-vianet-case",
  "unsupported-media-type",
  "payload-too-large",
  "malformed-json",
  "json-too-deep",
  "unknown-caller",
  "invalid-webhook-signature",
  "metrics-need-all-tenants",
  "replay-needs-all-tenants",
  "not-found",
  "concurrent-change",
  "not-failed",
  "personal-data-erased",
  "not-awaiting-portal",
  "invalid-vianet-update",
  "invalid-note",
  "not-with-21vianet",
  "escalation-closed",
  "vianet-case-ambiguous",
  "invalid-subscription",
  "subscription-not-found",
  "too-many-subscriptions",
  "internal-error",
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

export type ProblemTypeUri = `${typeof PROBLEM_TYPE_BASE}${ProblemCode}`;

export interface ProblemType {
  /** The `type` member: a URI naming this kind of problem, the same for every occurrence. */
  readonly type: ProblemTypeUri;
  readonly status: number;
  /** The `title` member, unless an occurrence names itself more precisely. */
  readonly title: string;
}

function problemType(code: ProblemCode, status: number, title: string): ProblemType {
  return { type: `${PROBLEM_TYPE_BASE}${code}`, status, title };
}

/** The closed catalogue: each code's URI, status and title. */
export const PROBLEM_TYPES: { readonly [Code in ProblemCode]: ProblemType } = {
  "invalid-escalation": problemType("invalid-escalation", 400, "The escalation is not valid"),
  "escalation-criteria-unmet": problemType(
    "escalation-criteria-unmet",
    422,
    "The escalation does not meet 21Vianet's escalation criteria",
  ),
  "invalid-idempotency-key": problemType("invalid-idempotency-key", 400, "The Idempotency-Key header is not valid"),
  "idempotency-key-in-flight": problemType(
    "idempotency-key-in-flight",
    409,
    "A request with this Idempotency-Key is still being processed",
  ),
  "idempotency-key-reused": problemType(
    "idempotency-key-reused",
    422,
    "This Idempotency-Key was used with a different body",
  ),
  "invalid-query": problemType("invalid-query", 400, "The query is not valid"),
  "invalid-vianet-case": problemType("invalid-vianet-case", 400, "The 21Vianet case is not valid"),
  "unsupported-media-type": problemType("unsupported-media-type", 415, "The body must be JSON"),
  "payload-too-large": problemType("payload-too-large", 413, "The body is too large"),
  "malformed-json": problemType("malformed-json", 400, "The body is not valid JSON"),
  "json-too-deep": problemType("json-too-deep", 400, "The body is nested too deeply"),
  "unknown-caller": problemType("unknown-caller", 401, "This key is not registered as a caller"),
  "invalid-webhook-signature": problemType(
    "invalid-webhook-signature",
    401,
    "The webhook signature could not be verified",
  ),
  "metrics-need-all-tenants": problemType("metrics-need-all-tenants", 403, "Metrics cover every customer"),
  "replay-needs-all-tenants": problemType("replay-needs-all-tenants", 403, "Only an operator may replay an escalation"),
  "not-found": problemType("not-found", 404, "No such escalation"),
  "concurrent-change": problemType("concurrent-change", 409, "The escalation changed meanwhile; try again"),
  "not-failed": problemType("not-failed", 409, "Only a failed escalation can be replayed"),
  "personal-data-erased": problemType(
    "personal-data-erased",
    409,
    "The escalation's personal data was erased: there is nothing to forward",
  ),
  "not-awaiting-portal": problemType(
    "not-awaiting-portal",
    409,
    "The escalation is not waiting for a portal case number",
  ),
  "invalid-vianet-update": problemType("invalid-vianet-update", 400, "The 21Vianet update is not valid"),
  "invalid-note": problemType("invalid-note", 400, "The note is not valid"),
  "not-with-21vianet": problemType("not-with-21vianet", 409, "21Vianet does not have the escalation"),
  "escalation-closed": problemType("escalation-closed", 409, "The escalation is closed"),
  "vianet-case-ambiguous": problemType(
    "vianet-case-ambiguous",
    409,
    "More than one escalation has this 21Vianet case number",
  ),
  "invalid-subscription": problemType("invalid-subscription", 400, "The subscription is not valid"),
  "subscription-not-found": problemType("subscription-not-found", 404, "No such subscription"),
  "too-many-subscriptions": problemType(
    "too-many-subscriptions",
    409,
    "This key has as many subscriptions as it may have; delete one first",
  ),
  "internal-error": problemType("internal-error", 500, "Something went wrong on our side"),
};

/** Every `type` URI the API answers with, in catalogue order. */
export const PROBLEM_TYPE_URIS: readonly ProblemTypeUri[] = PROBLEM_CODES.map((code) => PROBLEM_TYPES[code].type);

export const ProblemInvalidParam = z.object({
  /** Where in the request: a body field path (`customer.tenantId`), a header or a query parameter. */
  name: z.string(),
  reason: z.string(),
});
export type InvalidParam = z.infer<typeof ProblemInvalidParam>;

/** The members some problems add: the unmet escalation criteria (422), the escalation's status (409), the error id of a 500. */
const ProblemExtensions = z.object({
  "unmet-criteria": z.array(z.object({ criterion: z.enum(CRITERIA), detail: z.string() })).optional(),
  escalationStatus: EscalationStatus.optional(),
  /** Names the log entry of an unexpected error; quote it to an operator. */
  errorId: z.string().optional(),
});
export type ProblemExtensions = z.infer<typeof ProblemExtensions>;

/** RFC 9457 problem details, as problemJson() writes them; open to further extension members. */
export const ProblemDetails = z.object({
  /** One of the catalogue's URIs: the OpenAPI document lists them, so a client can switch over them. */
  type: z.enum(PROBLEM_TYPE_URIS).meta({ format: "uri" }),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string().optional(),
  "invalid-params": z.array(ProblemInvalidParam).optional(),
  ...ProblemExtensions.shape,
});
export type ProblemDetails = z.infer<typeof ProblemDetails>;

/** What one occurrence adds to its kind of problem. */
export interface ProblemOccurrence {
  /** A more precise title for this occurrence (`No such customer`); the type's own title otherwise. */
  title?: string;
  detail?: string;
  invalidParams?: readonly FieldIssue[];
  extensions?: ProblemExtensions;
}

/** One problem to answer with, built by problem(): its status and title come from PROBLEM_TYPES. */
export interface Problem extends ProblemOccurrence {
  readonly type: ProblemCode;
  readonly status: number;
  readonly title: string;
}

const PROBLEM_HEADERS: Readonly<Record<string, string>> = {
  "content-type": PROBLEM_CONTENT_TYPE,
  "cache-control": "no-store",
};

export function problem(code: ProblemCode, occurrence: ProblemOccurrence = {}): Problem {
  const { status, title } = PROBLEM_TYPES[code];
  return { ...occurrence, type: code, status, title: occurrence.title ?? title };
}

function problemJson(problem: Problem): string {
  const { type, status } = PROBLEM_TYPES[problem.type];
  const details: ProblemDetails = {
    type,
    title: problem.title,
    status,
    ...(problem.detail === undefined ? {} : { detail: problem.detail }),
    ...(problem.invalidParams === undefined
      ? {}
      : { "invalid-params": problem.invalidParams.map(({ name, reason }) => ({ name, reason })) }),
    ...problem.extensions,
  };
  return JSON.stringify(details);
}

/** A problem's answer as plain data, for an answer that is kept to be replayed byte for byte. */
export function problemAnswer(
  problem: Problem,
  headers: Record<string, string> = {},
): { status: number; headers: Record<string, string>; body: string } {
  return {
    status: PROBLEM_TYPES[problem.type].status,
    headers: { ...PROBLEM_HEADERS, ...headers },
    body: problemJson(problem),
  };
}

export function toProblemResponse(problem: Problem, headers: Record<string, string> = {}): HttpResponseInit {
  return problemAnswer(problem, headers);
}

/** The answer of one kind of problem: `problemResponse("not-found")`. */
export function problemResponse(
  code: ProblemCode,
  occurrence: ProblemOccurrence = {},
  headers: Record<string, string> = {},
): HttpResponseInit {
  return toProblemResponse(problem(code, occurrence), headers);
}

/**
 * What a thrown error answers. Whatever its code, a thrown error is the app's own failure (a
 * caller's mistakes are answered as outcomes, never thrown), so each is an internal error that
 * shows nothing of the error itself: only the id its log line carries.
 */
export function internalErrorProblem(errorId: string): Problem {
  return problem("internal-error", {
    detail: `Nothing is lost: retry the request (with the same Idempotency-Key, if it had one). Quote error id ${errorId} if it keeps failing.`,
    extensions: { errorId },
  });
}
