// Problem answers: every kind comes from one closed catalogue (its URI, status and title), the
// body is RFC 9457 problem+json, and no other module of the app writes a problem `type` itself.
import { readFileSync } from "node:fs";
import { glob } from "tinyglobby";
import { describe, expect, it } from "vitest";
import {
  PROBLEM_CODES,
  PROBLEM_TYPE_BASE,
  PROBLEM_TYPES,
  PROBLEM_TYPE_URIS,
  ProblemDetails,
  internalErrorProblem,
  problemResponse,
  toProblemResponse,
  type ProblemCode,
} from "../../../shared/http/problem.js";

const bodyOf = (response: { body?: unknown }): unknown =>
  typeof response.body === "string" ? JSON.parse(response.body) : undefined;

/** The catalogue as callers have always been answered: a change here changes the API. */
const EXPECTED: Record<ProblemCode, [number, string]> = {
  "invalid-escalation": [400, "The escalation is not valid"],
  "escalation-criteria-unmet": [422, "The escalation does not meet 21Vianet's escalation criteria"],
  "invalid-idempotency-key": [400, "The Idempotency-Key header is not valid"],
  "idempotency-key-in-flight": [409, "A request with this Idempotency-Key is still being processed"],
  "idempotency-key-reused": [422, "This Idempotency-Key was used with a different body"],
  "invalid-query": [400, "The query is not valid"],
  "invalid-vianet-case": [400, "The 21Vianet case is not valid"],
  "unsupported-media-type": [415, "The body must be JSON"],
  "payload-too-large": [413, "The body is too large"],
  "malformed-json": [400, "The body is not valid JSON"],
  "json-too-deep": [400, "The body is nested too deeply"],
  "unknown-caller": [401, "This key is not registered as a caller"],
  "invalid-webhook-signature": [401, "The webhook signature could not be verified"],
  "metrics-need-all-tenants": [403, "Metrics cover every customer"],
  "replay-needs-all-tenants": [403, "Only an operator may replay an escalation"],
  "not-found": [404, "No such escalation"],
  "concurrent-change": [409, "The escalation changed meanwhile; try again"],
  "not-failed": [409, "Only a failed escalation can be replayed"],
  "personal-data-erased": [409, "The escalation's personal data was erased: there is nothing to forward"],
  "not-awaiting-portal": [409, "The escalation is not waiting for a portal case number"],
  "invalid-vianet-update": [400, "The 21Vianet update is not valid"],
  "invalid-note": [400, "The note is not valid"],
  "not-with-21vianet": [409, "21Vianet does not have the escalation"],
  "escalation-closed": [409, "The escalation is closed"],
  "vianet-case-ambiguous": [409, "More than one escalation has this 21Vianet case number"],
  "invalid-subscription": [400, "The subscription is not valid"],
  "subscription-not-found": [404, "No such subscription"],
  "too-many-subscriptions": [409, "This key has as many subscriptions as it may have; delete one first"],
  "internal-error": [500, "Something went wrong on our side"],
};

describe("PROBLEM_TYPES", () => {
  it.each(PROBLEM_CODES.map((code) => [code, ...EXPECTED[code]] as const))(
    "when the answer is %s, then it is %d with its own type URI and the title %j",
    (code, status, title) => {
      const response = problemResponse(code);
      expect(response.status).toBe(status);
      expect(response.headers).toEqual({ "content-type": "application/problem+json", "cache-control": "no-store" });
      expect(bodyOf(response)).toEqual({ type: `${PROBLEM_TYPE_BASE}${code}`, title, status });
      expect(ProblemDetails.safeParse(bodyOf(response)).success).toBe(true);
    },
  );

  it("when the catalogue is read, then each code has a URI of its own and every URI is listed once", () => {
    const uris = PROBLEM_CODES.map((code) => PROBLEM_TYPES[code].type);
    expect(new Set(uris).size).toBe(PROBLEM_CODES.length);
    expect(PROBLEM_TYPE_URIS).toEqual(uris);
    expect(Object.keys(PROBLEM_TYPES).sort()).toEqual([...PROBLEM_CODES].sort());
  });

  it("when a body names a type outside the catalogue, then it is not a ProblemDetails", () => {
    expect(
      ProblemDetails.safeParse({ type: `${PROBLEM_TYPE_BASE}invalid-body`, title: "Invalid", status: 400 }).success,
    ).toBe(false);
  });
});

describe("problemResponse", () => {
  it("when a problem lists invalid params, then the body is RFC 9457 problem+json naming each", () => {
    const response = problemResponse("invalid-escalation", {
      invalidParams: [{ name: "severity", reason: "expected one of critical, moderate, minimal" }],
    });
    expect(response.status).toBe(400);
    expect(response.headers).toMatchObject({ "content-type": "application/problem+json" });
    expect(bodyOf(response)).toEqual({
      type: "https://vianet-escalation-bridge/problems/invalid-escalation",
      title: "The escalation is not valid",
      status: 400,
      "invalid-params": [{ name: "severity", reason: "expected one of critical, moderate, minimal" }],
    });
  });

  it("when an occurrence names itself more precisely, then its title, detail, extensions and headers are kept, its type and status are the catalogue's", () => {
    const response = problemResponse(
      "not-found",
      { title: "No such customer", detail: "Ask for one of your own.", extensions: { escalationStatus: "failed" } },
      { "retry-after": "1" },
    );
    expect(response.status).toBe(404);
    expect(response.headers).toMatchObject({ "retry-after": "1", "content-type": "application/problem+json" });
    expect(bodyOf(response)).toEqual({
      type: "https://vianet-escalation-bridge/problems/not-found",
      title: "No such customer",
      status: 404,
      detail: "Ask for one of your own.",
      escalationStatus: "failed",
    });
  });
});

describe("internalErrorProblem", () => {
  it("when an error is answered, then 500 internal-error carries only the error id", () => {
    const response = toProblemResponse(internalErrorProblem("err-42"));
    expect(response.status).toBe(500);
    expect(bodyOf(response)).toEqual({
      type: "https://vianet-escalation-bridge/problems/internal-error",
      title: "Something went wrong on our side",
      status: 500,
      detail:
        "Nothing is lost: retry the request (with the same Idempotency-Key, if it had one). Quote error id err-42 if it keeps failing.",
      errorId: "err-42",
    });
  });
});

describe("problem types in the source", () => {
  it("when the app's modules are read, then only shared/http/problem.ts names a problem type or its URI", async () => {
    const files = await glob(["shared/**/*.ts", "functions/**/*.ts"], { ignore: ["shared/http/problem.ts"] });
    expect(files.length).toBeGreaterThan(50);
    const adHoc = new RegExp(`type:\\s*["'\`](${PROBLEM_CODES.join("|")})["'\`]|/problems/`);
    const offenders = files.filter((file) => adHoc.test(readFileSync(file, "utf8")));
    expect(offenders).toEqual([]);
  });
});
