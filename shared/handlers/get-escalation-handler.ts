// GET /api/escalations/{id}: the escalation with its status and history, for callers allowed its
// customer. Anything else is 404, never 403, so ids reveal nothing.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { CallerConfig } from "../domain/escalations/callers.js";
import { callerAndEscalationId, escalationNotFoundResponse } from "./request-caller.js";
import type { Escalation, ForwardingProgress } from "../domain/escalations/escalation.js";
import type { EscalationStore } from "../domain/escalations/ports.js";
import { callerMayActFor } from "../domain/escalations/submit-escalation.js";
import { buildCasePackage, notesToAddInPortal } from "../domain/forwarding/portal-channel.js";
import type { EscalationView } from "../http/api-schemas.js";

export interface GetEscalationDependencies {
  store: Pick<EscalationStore, "get">;
  callers: readonly CallerConfig[];
}

/** The answer body, typed by the schema the OpenAPI document publishes for it. */
export function toEscalationView(escalation: Escalation): EscalationView {
  const { request } = escalation;
  const notes = (escalation.notes ?? []).map(({ id, at, author, source, text, delivery }) => ({
    id,
    at,
    author,
    ...(source === undefined ? {} : { source }),
    text,
    ...(delivery === undefined ? {} : { delivery }),
  }));
  return {
    id: escalation.id,
    status: escalation.status,
    customer: request.customer,
    service: request.service,
    severity: request.severity,
    ...(request.category === undefined ? {} : { category: request.category }),
    title: request.title,
    description: request.description,
    ...(request.contact === undefined ? {} : { contact: request.contact }),
    ...(escalation.erasure === undefined ? {} : { erasure: escalation.erasure }),
    firstLineSupport: request.firstLineSupport,
    ...(request.partnerTicketId === undefined ? {} : { partnerTicketId: request.partnerTicketId }),
    criteria: escalation.criteria,
    history: escalation.history,
    createdAt: escalation.createdAt,
    updatedAt: escalation.updatedAt,
    ...(escalation.vianet === undefined ? {} : { vianet: escalation.vianet }),
    // What a person pastes into the portal while the escalation waits for them, and later the
    // partner's notes they add to the case there.
    ...(showsPortalCase(escalation) ? { portalCase: buildCasePackage(escalation) } : {}),
    ...(escalation.forwarding === undefined ? {} : { forwarding: forwardingProgress(escalation) }),
    ...(notes.length === 0 ? {} : { notes }),
  };
}

/** While it waits for the portal, or while partner notes wait to be added there and the case is open. */
function showsPortalCase(escalation: Escalation): boolean {
  // The case package is the request's text: once erased there is nothing to paste.
  if (escalation.erasure !== undefined) return false;
  if (escalation.status === "awaiting_portal") return true;
  return escalation.status !== "closed" && notesToAddInPortal(escalation).length > 0;
}

export function makeGetEscalationHandler(deps: GetEscalationDependencies) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const target = callerAndEscalationId(request, deps.callers);
    if (!target.ok) return target.response;
    const { caller, id } = target;
    const stored = await deps.store.get(id);
    if (stored === undefined || !callerMayActFor(caller, stored.value.request.customer.tenantId)) {
      context.info("escalation not found for caller", { escalationId: id, callerId: caller.id });
      return escalationNotFoundResponse();
    }
    return {
      status: 200,
      headers: { "cache-control": "no-store", etag: stored.etag },
      jsonBody: toEscalationView(stored.value),
    };
  };
}

/** The attempts so far, the last failure, and, while it is still queued, when the next attempt is due. */
function forwardingProgress(escalation: Escalation): ForwardingProgress {
  const { attempts, lastFailure, nextAttemptAt } = escalation.forwarding ?? { attempts: 0 };
  const retrying = escalation.status === "queued" && nextAttemptAt !== undefined;
  return { attempts, ...(lastFailure === undefined ? {} : { lastFailure }), ...(retrying ? { nextAttemptAt } : {}) };
}
