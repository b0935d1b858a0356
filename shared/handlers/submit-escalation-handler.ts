// POST /api/escalations: parse, hold to the criteria, store and queue, at most once per
// Idempotency-Key. Answers 202 with Location, or problem+json naming each bad field or unmet
// criterion; bad input never writes anything.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { SpanKind } from "@opentelemetry/api";
import type { CallerConfig } from "../domain/escalations/callers.js";
import { callerOfRequest, unknownCallerResponse } from "./request-caller.js";
import {
  checkIdempotencyKey,
  fingerprintOf,
  runIdempotently,
  type IdempotencyStore,
  type StoredResponse,
} from "../domain/escalations/idempotency.js";
import {
  submitEscalation,
  type Caller,
  type Reservation,
  type SubmitDependencies,
  type SubmitOutcome,
} from "../domain/escalations/submit-escalation.js";
import { problem, problemAnswer, problemResponse, toProblemResponse } from "../http/problem.js";
import { idempotencyConflictResponse } from "./idempotency-conflicts.js";
import type { SubmitAccepted } from "../http/api-schemas.js";
import { readJsonBody } from "../http/read-json-body.js";
import type { EscalationTelemetry } from "../domain/escalations/telemetry.js";
import { inSpan } from "../lib/spans.js";
import { ATTR_CALLER_ID, ATTR_CORRELATION_ID, ATTR_ESCALATION_ID, ATTR_OUTCOME } from "../lib/telemetry-names.js";

export interface SubmitHandlerDependencies extends SubmitDependencies {
  idempotency: IdempotencyStore;
  callers: readonly CallerConfig[];
  /** Told of every escalation accepted or refused (replays of an Idempotency-Key are not counted again). */
  telemetry?: EscalationTelemetry;
}

export function toSubmitResponse(outcome: SubmitOutcome): StoredResponse {
  if (outcome.ok) {
    const { id, status } = outcome.escalation;
    const accepted: SubmitAccepted = { id, status };
    return {
      status: 202,
      headers: { "content-type": "application/json", location: `/api/escalations/${encodeURIComponent(id)}` },
      body: JSON.stringify(accepted),
    };
  }
  if (outcome.error === "invalid") {
    return problemAnswer(problem("invalid-escalation", { invalidParams: outcome.invalidParams }));
  }
  return problemAnswer(
    problem("escalation-criteria-unmet", {
      detail: outcome.decisions.map((decision) => decision.detail).join("; "),
      extensions: { "unmet-criteria": outcome.decisions.map(({ criterion, detail }) => ({ criterion, detail })) },
    }),
  );
}

function toHttp(response: StoredResponse, replayed = false): HttpResponseInit {
  return {
    status: response.status,
    headers: replayed ? { ...response.headers, "idempotent-replayed": "true" } : response.headers,
    body: response.body,
  };
}

/** Accepts one escalation for a known caller from an already-read JSON body; shared with the webhook route. */
export async function acceptEscalation(
  deps: Omit<SubmitHandlerDependencies, "callers">,
  caller: Caller,
  body: unknown,
  idempotencyKey: string | undefined,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const run = (reservation?: Reservation): Promise<StoredResponse> =>
    inSpan(
      "accept escalation",
      { kind: SpanKind.INTERNAL, attributes: { [ATTR_CALLER_ID]: caller.id } },
      async (span) => {
        const outcome = await submitEscalation(
          body,
          caller,
          {
            ...deps,
            onDispatchFailure: (escalationId, error) => {
              context.warn("escalation stored and accepted, not queued yet; the dispatch sweep will finish it", {
                escalationId,
                error: error instanceof Error ? error.message : String(error),
              });
            },
          },
          reservation,
        );
        if (outcome.ok) {
          const { id: escalationId, correlationId, request } = outcome.escalation;
          span.setAttributes({
            [ATTR_ESCALATION_ID]: escalationId,
            [ATTR_CORRELATION_ID]: correlationId,
            [ATTR_OUTCOME]: "accepted",
          });
          deps.telemetry?.accepted({
            escalationId,
            correlationId,
            callerId: caller.id,
            service: request.service,
            severity: request.severity,
          });
          context.info("escalation accepted", { escalationId, correlationId, callerId: caller.id });
        } else {
          span.setAttribute(ATTR_OUTCOME, outcome.error);
          deps.telemetry?.refused({ callerId: caller.id, reason: outcome.error });
          context.info("escalation refused", { reason: outcome.error, callerId: caller.id });
        }
        return toSubmitResponse(outcome);
      },
    );
  if (idempotencyKey === undefined) return toHttp(await run());
  const result = await runIdempotently(
    deps.idempotency,
    {
      scope: caller.id,
      key: idempotencyKey,
      fingerprint: fingerprintOf(body),
      now: () => deps.clock.now(),
      reservation: () => deps.ids.escalationId(),
      onUnrecorded: (error) => {
        context.warn(
          "the answer to an Idempotency-Key could not be recorded; a retry with the key will find the same escalation",
          { callerId: caller.id, error: error instanceof Error ? error.message : String(error) },
        );
      },
    },
    ({ reservation, resumed }) => run({ id: reservation, resumed }),
  );
  switch (result.kind) {
    case "fresh":
      return toHttp(result.response);
    case "replayed":
      return toHttp(result.response, true);
    case "in-flight":
    case "mismatch":
      return idempotencyConflictResponse(result.kind);
  }
}

export function makeSubmitEscalationHandler(deps: SubmitHandlerDependencies) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const caller = callerOfRequest(request, deps.callers);
    if (caller === undefined) return unknownCallerResponse();
    const key = checkIdempotencyKey(request.headers.get("idempotency-key"));
    if (!key.ok) {
      return problemResponse("invalid-idempotency-key", {
        invalidParams: [{ name: "Idempotency-Key", reason: key.reason }],
      });
    }
    const body = await readJsonBody(request);
    if (!body.ok) return toProblemResponse(body.problem);
    return acceptEscalation(deps, caller, body.value, key.key, context);
  };
}
