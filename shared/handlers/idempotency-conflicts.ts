// The two answers every idempotent route gives when an Idempotency-Key cannot be honoured now: the
// first request with the key is still running (409, try again in a second), or the key was used
// for another request (422 naming the header).
import type { HttpResponseInit } from "@azure/functions";
import { problemResponse } from "../http/problem.js";

export function idempotencyConflictResponse(kind: "in-flight" | "mismatch"): HttpResponseInit {
  return kind === "in-flight"
    ? problemResponse("idempotency-key-in-flight", { detail: "Retry after it completes." }, { "retry-after": "1" })
    : problemResponse("idempotency-key-reused", {
        invalidParams: [{ name: "Idempotency-Key", reason: "already used for another request" }],
      });
}
