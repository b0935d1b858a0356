// The subscriptions API: POST /subscriptions (also the Power Automate connector's webhook trigger),
// GET /subscriptions (the caller's own), GET and DELETE /subscriptions/{id}. A caller sees and
// deletes only its own subscriptions; another caller's answers 404, exactly as an unknown id.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { CallerConfig } from "../domain/escalations/callers.js";
import {
  createSubscription,
  deleteOwnSubscription,
  ownSubscription,
  type SubscriptionDependencies,
} from "../domain/events/manage-subscriptions.js";
import type { Subscription, SubscriptionStore } from "../domain/events/subscription.js";
import type { Caller } from "../domain/escalations/submit-escalation.js";
import type { SubscriptionCreated, SubscriptionList, SubscriptionView } from "../http/api-schemas.js";
import { problemResponse, toProblemResponse } from "../http/problem.js";
import { readJsonBody } from "../http/read-json-body.js";
import { callerOfRequest, unknownCallerResponse } from "./request-caller.js";

export interface SubscriptionHandlerDependencies extends SubscriptionDependencies {
  callers: readonly CallerConfig[];
}

const NO_STORE = { "cache-control": "no-store" };

export function toSubscriptionView(subscription: Subscription): SubscriptionView {
  return {
    id: subscription.id,
    url: subscription.url,
    events: [...subscription.events],
    format: subscription.format,
    ...(subscription.description === undefined ? {} : { description: subscription.description }),
    createdAt: subscription.createdAt,
  };
}

function subscriptionNotFound(): HttpResponseInit {
  return problemResponse("subscription-not-found");
}

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** Answers 401 for a key that is not a registered caller, else runs `handle` for the caller. */
function forCaller(
  callers: readonly CallerConfig[],
  handle: (caller: Caller, request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>,
): Handler {
  return async (request, context) => {
    const caller = callerOfRequest(request, callers);
    return caller === undefined ? unknownCallerResponse() : handle(caller, request, context);
  };
}

export function makeCreateSubscriptionHandler(deps: SubscriptionHandlerDependencies): Handler {
  return forCaller(deps.callers, async (caller, request, context) => {
    const body = await readJsonBody(request, { maxBytes: 8_192 });
    if (!body.ok) return toProblemResponse(body.problem);
    const outcome = await createSubscription(body.value, caller, deps);
    if (!outcome.ok) {
      return outcome.error === "invalid"
        ? problemResponse("invalid-subscription", { invalidParams: outcome.invalidParams })
        : problemResponse("too-many-subscriptions", {
            detail: `A key may have at most ${outcome.limit} subscriptions.`,
          });
    }
    const { subscription } = outcome;
    // The URL's host only: a path or query may carry the receiver's own token.
    context.info("subscription created", {
      subscriptionId: subscription.id,
      callerId: caller.id,
      host: new URL(subscription.url).host,
      events: subscription.events.join(","),
    });
    const created: SubscriptionCreated = { ...toSubscriptionView(subscription), secret: subscription.secret };
    return {
      status: 201,
      headers: { ...NO_STORE, location: `/api/subscriptions/${subscription.id}` },
      jsonBody: created,
    };
  });
}

export function makeListSubscriptionsHandler(deps: {
  store: Pick<SubscriptionStore, "listByCaller">;
  callers: readonly CallerConfig[];
}): Handler {
  return forCaller(deps.callers, async (caller) => {
    const list: SubscriptionList = { items: (await deps.store.listByCaller(caller.id)).map(toSubscriptionView) };
    return { status: 200, headers: NO_STORE, jsonBody: list };
  });
}

export function makeGetSubscriptionHandler(deps: {
  store: Pick<SubscriptionStore, "get">;
  callers: readonly CallerConfig[];
}): Handler {
  return forCaller(deps.callers, async (caller, request) => {
    const subscription = await ownSubscription(deps.store, caller, request.params.id ?? "");
    if (subscription === undefined) return subscriptionNotFound();
    return { status: 200, headers: NO_STORE, jsonBody: toSubscriptionView(subscription) };
  });
}

/** Also what Power Automate calls on the Location when a flow's trigger is removed. */
export function makeDeleteSubscriptionHandler(deps: {
  store: SubscriptionStore;
  callers: readonly CallerConfig[];
}): Handler {
  return forCaller(deps.callers, async (caller, request, context) => {
    const id = request.params.id ?? "";
    if (!(await deleteOwnSubscription(deps.store, caller, id))) return subscriptionNotFound();
    context.info("subscription deleted", { subscriptionId: id, callerId: caller.id });
    return { status: 204 };
  });
}
