// POST /api/webhooks/escalations: the same escalation body from systems that sign deliveries with
// Standard Webhooks. The signature over the raw bytes is checked before anything is parsed;
// unsigned, badly signed or stale deliveries get 401 and nothing is stored. `webhook-id` is the
// idempotency key, so a redelivery replays the first answer.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { WebhookSender } from "../domain/escalations/webhook-senders.js";
import { parseJsonBytes, readBodyBytes } from "../http/read-json-body.js";
import { problemResponse, toProblemResponse } from "../http/problem.js";
import { verifyWebhook, type WebhookVerificationResult } from "../lib/standard-webhooks.js";
import { acceptEscalation, type SubmitHandlerDependencies } from "./submit-escalation-handler.js";

export interface WebhookHandlerDependencies extends Omit<SubmitHandlerDependencies, "callers"> {
  senders: readonly WebhookSender[];
  toleranceSeconds?: number;
}

const UNAUTHORIZED = problemResponse("invalid-webhook-signature");

export function makeWebhookEscalationHandler(deps: WebhookHandlerDependencies) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const bytes = await readBodyBytes(request);
    if (!bytes.ok) return toProblemResponse(bytes.problem);
    const now = deps.clock.now();
    let verified: { sender: WebhookSender; result: Extract<WebhookVerificationResult, { ok: true }> } | undefined;
    let lastFailure: WebhookVerificationResult | undefined;
    for (const sender of deps.senders) {
      const result = verifyWebhook({
        headers: request.headers,
        body: bytes.raw,
        secrets: sender.secrets,
        now,
        ...(deps.toleranceSeconds === undefined ? {} : { toleranceSeconds: deps.toleranceSeconds }),
      });
      if (result.ok) {
        verified = { sender, result };
        break;
      }
      lastFailure = result;
    }
    if (verified === undefined) {
      context.warn("webhook refused", {
        reason: lastFailure?.ok === false ? lastFailure.error : "no webhook senders configured",
      });
      return UNAUTHORIZED;
    }
    const body = parseJsonBytes(bytes.raw);
    if (!body.ok) return toProblemResponse(body.problem);
    const caller = { id: `webhook:${verified.sender.id}`, tenants: verified.sender.tenants };
    return acceptEscalation(deps, caller, body.value, verified.result.webhookId, context);
  };
}
