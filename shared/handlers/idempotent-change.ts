// A change on an escalation made at most once per Idempotency-Key, as submissions are: the same key
// and body answer as the first request did, another body with the key is refused (422), and a
// retry while the first runs is a conflict (409). A success is kept as the escalation's address
// rather than its whole view, which may outgrow what one stored answer holds: a replay answers the
// escalation as it stands now, with the first answer's status.
import type { HttpResponseInit, InvocationContext } from "@azure/functions";
import type { Escalation } from "../domain/escalations/escalation.js";
import {
  checkIdempotencyKey,
  fingerprintOf,
  runIdempotently,
  type IdempotencyStore,
  type StoredResponse,
} from "../domain/escalations/idempotency.js";
import type { EscalationStore } from "../domain/escalations/ports.js";
import { callerMayActFor, type Caller } from "../domain/escalations/submit-escalation.js";
import { problemAnswer, problemResponse, type Problem } from "../http/problem.js";
import { idempotencyConflictResponse } from "./idempotency-conflicts.js";
import { toEscalationView } from "./get-escalation-handler.js";
import { escalationNotFoundResponse } from "./request-caller.js";

/** What a change answers: the escalation (with the ETag of the version shown), or a problem. */
export type ChangeAnswer =
  | { kind: "escalation"; status: 200 | 202; escalation: Escalation; etag: string }
  | { kind: "problem"; problem: Problem };

export interface IdempotentChangeDependencies {
  idempotency: IdempotencyStore;
  store: Pick<EscalationStore, "get">;
}

export interface ChangeRequest {
  caller: Caller;
  /** The checked Idempotency-Key header, if the request had one. */
  idempotencyKey: string | undefined;
  /** The operation and what it targets: the same key and body sent to another route or escalation is another request. */
  operation: string;
  target: string;
  /** The body as read, before any schema: what the fingerprint is taken of. */
  body: unknown;
  /** What a first attempt reserves (a note id, a time); every later attempt with the key gets the same. */
  reservation: () => string;
  now: () => Date;
  context: InvocationContext;
}

/** The Idempotency-Key header, or the 400 answer naming it. */
export function idempotencyKeyOf(
  header: string | null,
): { ok: true; key: string | undefined } | { ok: false; response: HttpResponseInit } {
  const key = checkIdempotencyKey(header);
  if (key.ok) return { ok: true, key: key.key };
  return {
    ok: false,
    response: problemResponse("invalid-idempotency-key", {
      invalidParams: [{ name: "Idempotency-Key", reason: key.reason }],
    }),
  };
}

const ESCALATION_PATH = /^\/api\/escalations\/([^/?#]+)$/;

function escalationPath(id: string): string {
  return `/api/escalations/${encodeURIComponent(id)}`;
}

/** The answer with the escalation's view, its ETag and where it lives. */
export function escalationResponse(
  status: number,
  escalation: Escalation,
  etag: string,
  replayed = false,
): HttpResponseInit {
  return {
    status,
    headers: {
      "cache-control": "no-store",
      etag,
      "content-location": escalationPath(escalation.id),
      ...(replayed ? { "idempotent-replayed": "true" } : {}),
    },
    jsonBody: toEscalationView(escalation),
  };
}

function toStored(answer: ChangeAnswer): StoredResponse {
  if (answer.kind === "problem") return problemAnswer(answer.problem);
  return { status: answer.status, headers: { "content-location": escalationPath(answer.escalation.id) }, body: "" };
}

function toHttp(answer: ChangeAnswer): HttpResponseInit {
  return answer.kind === "problem"
    ? problemAnswer(answer.problem)
    : escalationResponse(answer.status, answer.escalation, answer.etag);
}

/** A kept answer played back: a problem byte for byte, a success as the escalation's view now. */
async function replay(
  deps: IdempotentChangeDependencies,
  caller: Caller,
  stored: StoredResponse,
): Promise<HttpResponseInit> {
  if (stored.status >= 300)
    return { status: stored.status, headers: { ...stored.headers, "idempotent-replayed": "true" }, body: stored.body };
  const encoded = ESCALATION_PATH.exec(stored.headers["content-location"] ?? "")?.[1];
  const id = encoded === undefined ? undefined : decodeURIComponent(encoded);
  const current = id === undefined ? undefined : await deps.store.get(id);
  // Gone meanwhile (erased), or a key that no longer entitles the caller: as for any unknown id.
  if (current === undefined || !callerMayActFor(caller, current.value.request.customer.tenantId))
    return escalationNotFoundResponse();
  return escalationResponse(stored.status, current.value, current.etag, true);
}

/** Runs `change` once per Idempotency-Key (every time without one) and answers for it. */
export async function answerIdempotently(
  deps: IdempotentChangeDependencies,
  request: ChangeRequest,
  change: (claim: { reservation: string; resumed: boolean }) => Promise<ChangeAnswer>,
): Promise<HttpResponseInit> {
  const { caller, idempotencyKey, context } = request;
  if (idempotencyKey === undefined) return toHttp(await change({ reservation: request.reservation(), resumed: false }));
  let fresh: ChangeAnswer | undefined;
  const result = await runIdempotently(
    deps.idempotency,
    {
      scope: caller.id,
      key: idempotencyKey,
      fingerprint: fingerprintOf({ operation: request.operation, target: request.target, body: request.body }),
      now: request.now,
      reservation: request.reservation,
      onUnrecorded: (error) => {
        context.warn("the answer to an Idempotency-Key could not be recorded; a retry with the key runs again", {
          callerId: caller.id,
          operation: request.operation,
          error: error instanceof Error ? error.message : String(error),
        });
      },
    },
    async (claim) => {
      fresh = await change(claim);
      return toStored(fresh);
    },
  );
  switch (result.kind) {
    case "fresh": {
      if (fresh === undefined) throw new Error("idempotent change answered without running");
      // "Try again" must not be the key's last word: the retry with the same key runs the change again.
      if (fresh.kind === "problem" && fresh.problem.type === "concurrent-change")
        await deps.idempotency.release(caller.id, idempotencyKey);
      return toHttp(fresh);
    }
    case "replayed":
      return replay(deps, caller, result.response);
    case "in-flight":
    case "mismatch":
      return idempotencyConflictResponse(result.kind);
  }
}
