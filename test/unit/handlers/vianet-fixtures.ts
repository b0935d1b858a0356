// Escalations 21Vianet has, for the handler tests of the return path: forwarded through Partner
// Center, or submitted in the portal and its case number recorded.
import functions from "@azure/functions";
import type { Escalation } from "../../../shared/domain/escalations/escalation.js";
import { recordPortalCase } from "../../../shared/domain/forwarding/portal-channel.js";
import { InMemoryIdempotencyStore } from "../domain/escalations/fakes.js";
import { awaitingPortal, queuedEscalation, type QueuedOptions } from "../domain/forwarding/fakes.js";

const { HttpRequest, InvocationContext } = functions;

export const context = (functionName: string) => new InvocationContext({ functionName, invocationId: "test" });

/** The problem+json body of a response. */
export function problemOf(response: functions.HttpResponseInit): Record<string, unknown> {
  if (typeof response.body !== "string") throw new Error("no problem+json body");
  return JSON.parse(response.body) as Record<string, unknown>;
}

/** A POST with a JSON body to one of the API's routes. */
export function post(
  path: string,
  params: Record<string, string>,
  body: unknown,
  options: { key?: string; idempotencyKey?: string; contentType?: string } = {},
) {
  return new HttpRequest({
    url: `http://127.0.0.1:7071/api/${path}`,
    method: "POST",
    headers: {
      "x-functions-key": options.key ?? "contoso-key",
      "content-type": options.contentType ?? "application/json",
      ...(options.idempotencyKey === undefined ? {} : { "idempotency-key": options.idempotencyKey }),
    },
    params,
    body: { string: typeof body === "string" ? body : JSON.stringify(body) },
  });
}

/** An escalation forwarded through Partner Center, with the service request id 21Vianet gave. */
export async function forwardedThroughPartnerCenter(serviceRequestId = "611260010000123", options: QueuedOptions = {}) {
  const queued = await queuedEscalation(options);
  const stored = await queued.store.get(queued.escalation.id);
  if (stored === undefined) throw new Error("lost");
  const at = queued.clock.now().toISOString();
  const forwarded: Escalation = {
    ...stored.value,
    status: "forwarded",
    updatedAt: at,
    dispatch: "sent",
    forwarding: { channel: "partner-center", attempts: 1, firstAttemptAt: at },
    vianet: { channel: "partner-center", serviceRequestId, status: "open" },
    history: [
      ...stored.value.history,
      { at, from: "queued", to: "forwarded", actor: "system", detail: `21Vianet service request ${serviceRequestId}` },
    ],
  };
  const saved = await queued.store.replace(forwarded, stored.etag);
  if (!saved.ok) throw new Error(saved.error);
  return { ...queued, escalation: forwarded, idempotency: new InMemoryIdempotencyStore() };
}

/** An escalation a person submitted in the portal, with the case number they recorded. */
export async function forwardedThroughPortal(caseNumber = "2611260010000123", options: QueuedOptions = {}) {
  const waiting = await awaitingPortal(options);
  const stored = await waiting.store.get(waiting.escalation.id);
  if (stored === undefined) throw new Error("lost");
  const recorded = recordPortalCase(stored.value, caseNumber, "contoso-desk", waiting.clock.now());
  if (!recorded.ok) throw new Error(recorded.error);
  const saved = await waiting.store.replace(recorded.escalation, stored.etag);
  if (!saved.ok) throw new Error(saved.error);
  return { ...waiting, escalation: recorded.escalation, idempotency: new InMemoryIdempotencyStore() };
}
