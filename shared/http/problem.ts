// RFC 9457 problem details: the one shape every 4xx/5xx answer of the API takes, with the
// invalid fields or unmet rules listed so a caller can fix its request. ProblemDetails is both
// what the OpenAPI document publishes and the type of what problemJson() writes.
import type { HttpResponseInit } from "@azure/functions";
import { z } from "zod";
import { CRITERIA } from "../domain/escalations/criteria.js";
import { EscalationStatus } from "../domain/escalations/escalation.js";

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
  type: z.url(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string().optional(),
  "invalid-params": z.array(ProblemInvalidParam).optional(),
  ...ProblemExtensions.shape,
});
export type ProblemDetails = z.infer<typeof ProblemDetails>;

export interface Problem {
  status: number;
  /** A stable identifier of the kind of problem, e.g. `invalid-body`. */
  type: string;
  title: string;
  detail?: string;
  invalidParams?: InvalidParam[];
  extensions?: ProblemExtensions;
}

export const PROBLEM_TYPE_BASE = "https://vianet-escalation-bridge/problems/";
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export const PROBLEM_HEADERS: Readonly<Record<string, string>> = {
  "content-type": PROBLEM_CONTENT_TYPE,
  "cache-control": "no-store",
};

export function problemJson(problem: Problem): string {
  const details: ProblemDetails = {
    type: `${PROBLEM_TYPE_BASE}${problem.type}`,
    title: problem.title,
    status: problem.status,
    ...(problem.detail === undefined ? {} : { detail: problem.detail }),
    ...(problem.invalidParams === undefined ? {} : { "invalid-params": problem.invalidParams }),
    ...problem.extensions,
  };
  return JSON.stringify(details);
}

export function toProblemResponse(problem: Problem, headers: Record<string, string> = {}): HttpResponseInit {
  return { status: problem.status, headers: { ...PROBLEM_HEADERS, ...headers }, body: problemJson(problem) };
}
