// RFC 9457 problem details: the one shape every 4xx/5xx answer of the API takes, with the
// invalid fields or unmet rules listed so a caller can fix its request.
import type { HttpResponseInit } from "@azure/functions";

export interface InvalidParam {
  /** Where in the request: a body field path (`customer.tenantId`), a header or a query parameter. */
  name: string;
  reason: string;
}

export interface Problem {
  status: number;
  /** A stable identifier of the kind of problem, e.g. `invalid-body`. */
  type: string;
  title: string;
  detail?: string;
  invalidParams?: InvalidParam[];
  /** Extra members, such as the unmet escalation criteria. */
  extensions?: Record<string, unknown>;
}

export const PROBLEM_TYPE_BASE = "https://vianet-escalation-bridge/problems/";
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export const PROBLEM_HEADERS: Readonly<Record<string, string>> = { "content-type": PROBLEM_CONTENT_TYPE, "cache-control": "no-store" };

export function problemJson(problem: Problem): string {
  return JSON.stringify({
    type: `${PROBLEM_TYPE_BASE}${problem.type}`,
    title: problem.title,
    status: problem.status,
    ...(problem.detail === undefined ? {} : { detail: problem.detail }),
    ...(problem.invalidParams === undefined ? {} : { "invalid-params": problem.invalidParams }),
    ...problem.extensions,
  });
}

export function toProblemResponse(problem: Problem, headers: Record<string, string> = {}): HttpResponseInit {
  return { status: problem.status, headers: { ...PROBLEM_HEADERS, ...headers }, body: problemJson(problem) };
}
