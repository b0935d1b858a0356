// Accepting an escalation: validate it, check the caller may act for the customer, hold it to the
// criteria (recording the decision either way), store it, then queue it. Once its own record is
// stored it is accepted, whatever fails after: the dispatch sweep writes what is missing and
// sends it later with the same MessageId.
import { z } from "zod";
import { toFieldIssues, type FieldIssue } from "./field-issues.js";
import { evaluateCriteria, type CriteriaRules, type CriterionDecision } from "./criteria.js";
import type { Escalation } from "./escalation.js";
import { escalationRequestFor } from "./escalation-request.js";
import {
  EscalationExistsError,
  type Clock,
  type EscalationQueue,
  type EscalationStore,
  type IdGenerator,
} from "./ports.js";

/** Who is calling, as its key identifies it, and which customers it may act for. */
export interface Caller {
  id: string;
  tenants: readonly string[] | "all";
}

export interface SubmitDependencies {
  store: EscalationStore;
  queue: EscalationQueue;
  clock: Clock;
  ids: IdGenerator;
  rules: CriteriaRules;
  /** Service ids offered by 21Vianet (the catalogue). */
  services: readonly string[];
  /** The escalation is stored and accepted, but not queued yet: the sweep will. */
  onDispatchFailure?: (escalationId: string, error: unknown) => void;
}

/**
 * The id an idempotency key reserved for this request. `resumed`: an earlier attempt with the key
 * failed or crashed after claiming it, so that attempt may have stored the escalation already.
 */
export interface Reservation {
  id: string;
  resumed: boolean;
}

export type SubmitOutcome =
  | { ok: true; escalation: Escalation }
  | { ok: false; error: "invalid"; invalidParams: FieldIssue[] }
  | { ok: false; error: "criteria-unmet"; decisions: CriterionDecision[] };

export function callerMayActFor(caller: Caller, tenantId: string): boolean {
  return caller.tenants === "all" || caller.tenants.some((tenant) => tenant.toLowerCase() === tenantId.toLowerCase());
}

/** One schema per catalogue, built once: zod compiles a schema on its first parse. */
const schemasByCatalogue = new WeakMap<readonly string[], ReturnType<typeof escalationRequestFor>>();

function requestSchemaFor(services: readonly string[]): ReturnType<typeof escalationRequestFor> {
  let schema = schemasByCatalogue.get(services);
  if (schema === undefined) {
    schema = escalationRequestFor(services);
    schemasByCatalogue.set(services, schema);
  }
  return schema;
}

/** The customer a body names, read on its own so the caller's permission is judged even when other fields are bad. */
const NamedCustomer = z.object({ customer: z.object({ tenantId: z.uuid() }) });

export async function submitEscalation(
  input: unknown,
  caller: Caller,
  deps: SubmitDependencies,
  reservation?: Reservation,
): Promise<SubmitOutcome> {
  // Every bad field in one answer: the schema (catalogue included) and the caller's tenants.
  // The tenant check reads configuration only, so the answer never shows whether a customer exists.
  const parsed = requestSchemaFor(deps.services).safeParse(input);
  const invalid: FieldIssue[] = parsed.success ? [] : toFieldIssues(parsed.error.issues);
  const named = NamedCustomer.safeParse(input);
  if (named.success && !callerMayActFor(caller, named.data.customer.tenantId)) {
    invalid.push({ name: "customer.tenantId", reason: "this key may not act for that customer" });
  }
  if (!parsed.success || invalid.length > 0) return { ok: false, error: "invalid", invalidParams: invalid };
  const request = parsed.data;

  if (reservation?.resumed === true) {
    const earlier = await acceptedEarlier(reservation.id, caller, deps);
    if (earlier !== undefined) return { ok: true, escalation: earlier };
  }

  const now = deps.clock.now().toISOString();
  const outcome = evaluateCriteria(request, deps.rules);
  const id = outcome.met ? (reservation?.id ?? deps.ids.escalationId()) : undefined;
  await deps.store.recordGateDecision({
    at: now,
    callerId: caller.id,
    tenantId: request.customer.tenantId,
    service: request.service,
    severity: request.severity,
    met: outcome.met,
    decisions: outcome.decisions,
    escalationId: id,
  });
  if (id === undefined)
    return { ok: false, error: "criteria-unmet", decisions: outcome.decisions.filter((decision) => !decision.met) };

  const escalation: Escalation = {
    id,
    status: "queued",
    request,
    callerId: caller.id,
    correlationId: deps.ids.correlationId(),
    createdAt: now,
    updatedAt: now,
    dispatch: "pending",
    criteria: outcome.decisions,
    history: [
      { at: now, from: null, to: "queued", actor: caller.id, detail: "accepted: every escalation criterion met" },
    ],
  };
  let stored: Awaited<ReturnType<EscalationStore["create"]>>;
  try {
    stored = await deps.store.create(escalation);
  } catch (error) {
    // Another attempt with the same idempotency key stored it first: that one is the answer.
    const earlier =
      reservation !== undefined && error instanceof EscalationExistsError
        ? await acceptedEarlier(id, caller, deps)
        : undefined;
    if (earlier === undefined) throw error;
    return { ok: true, escalation: earlier };
  }
  if (stored.followingRowsError !== undefined) {
    // Its list entries or status events are missing: the sweep writes them before it queues it.
    deps.onDispatchFailure?.(id, stored.followingRowsError);
    return { ok: true, escalation: stored.value };
  }
  return { ok: true, escalation: await dispatch(stored.value, stored.etag, deps) };
}

/**
 * The escalation an earlier attempt of this caller stored under `id`, queued now if it was not
 * yet (its following rows first, as the sweep does); undefined when there is none.
 */
async function acceptedEarlier(id: string, caller: Caller, deps: SubmitDependencies): Promise<Escalation | undefined> {
  const stored = await deps.store.get(id);
  if (stored === undefined || stored.value.callerId !== caller.id) return undefined;
  if (stored.value.dispatch !== "pending") return stored.value;
  try {
    await deps.store.restoreFollowingRows(stored);
  } catch (error) {
    deps.onDispatchFailure?.(id, error);
    return stored.value;
  }
  return dispatch(stored.value, stored.etag, deps);
}

/** Sends the queue message and marks it sent; a failure leaves it pending for the sweep. */
async function dispatch(
  escalation: Escalation,
  etag: string,
  deps: Pick<SubmitDependencies, "queue" | "store" | "clock" | "onDispatchFailure">,
): Promise<Escalation> {
  try {
    await deps.queue.send({ escalationId: escalation.id, correlationId: escalation.correlationId });
  } catch (error) {
    deps.onDispatchFailure?.(escalation.id, error);
    return escalation;
  }
  // Bookkeeping only: updatedAt dates what the API shows, so it stays.
  const sent: Escalation = { ...escalation, dispatch: "sent" };
  let replaced: Awaited<ReturnType<EscalationStore["replace"]>>;
  try {
    replaced = await deps.store.replace(sent, etag);
  } catch (error) {
    // The message is out; left pending, the sweep sends it again and duplicate detection drops it.
    deps.onDispatchFailure?.(escalation.id, error);
    return escalation;
  }
  // A conflict means someone else moved it on (the forwarder was quick): the message is out either way.
  return replaced.ok ? sent : escalation;
}

/** Re-sends escalations stored but never confirmed queued (a crash between store and send). */
export async function dispatchPending(
  deps: Pick<SubmitDependencies, "queue" | "store" | "clock" | "onDispatchFailure">,
  olderThanMs: number,
  limit = 100,
): Promise<number> {
  const pending = await deps.store.listPendingDispatch(new Date(deps.clock.now().getTime() - olderThanMs), limit);
  let sent = 0;
  for (const escalation of pending) {
    const current = await deps.store.get(escalation.id);
    if (current?.value.dispatch !== "pending") continue;
    const result = await dispatch(current.value, current.etag, deps);
    if (result.dispatch === "sent") sent++;
  }
  return sent;
}
