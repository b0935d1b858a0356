// Taking one queued escalation to 21Vianet exactly once, whatever is redelivered or crashes:
// an open-attempt marker is stored before calling out; after an unknown outcome the next attempt
// first looks for the request it may have created, and reuses its MS-RequestId. Transient
// failures are retried later by a new scheduled message (the caller sends it), within a budget;
// permanent answers end in `rejected` with 21Vianet's code.
import { isBridgeError } from "../../lib/errors.js";
import type { Escalation, EscalationStatus, HistoryEntry } from "../escalations/escalation.js";
import { EscalationMessage } from "../escalations/escalation.js";
import type { Clock, EscalationStore } from "../escalations/ports.js";
import type { EscalationTelemetry } from "../escalations/telemetry.js";
import { retryDelayMs, type BackoffPolicy } from "./backoff.js";
import type { ChannelName, ChannelOutcome, RetryFailure, VianetChannel } from "./channel.js";
import { nextRetryNumber } from "./replay.js";
import { chooseChannel, type RoutingRule } from "./routing.js";

export interface ForwardDependencies {
  store: EscalationStore;
  channels: Partial<Record<ChannelName, VianetChannel>>;
  routing: readonly RoutingRule[];
  clock: Clock;
  backoff: BackoffPolicy;
  newRequestId: () => string;
  random?: () => number;
  /** Told of each outcome once it is stored: forwarded, rejected, or failed when the budget is spent. */
  telemetry?: EscalationTelemetry;
}

/** What the queue trigger does with the message once forwarding has run. */
export type ForwardResult =
  | { kind: "done"; status: EscalationStatus }
  /** Send `message` again after `delayMs` as retry number `retry` (its own MessageId). */
  | {
      kind: "retry";
      delayMs: number;
      retry: number;
      message: EscalationMessage;
      failure: RetryFailure;
      /** The error behind the failure (a socket error, a refused lookup), for the log only. */
      cause?: unknown;
    }
  | { kind: "dead-letter"; reason: string; description: string }
  /** Someone changed the escalation meanwhile: let the message be redelivered and look again. */
  | { kind: "conflict" };

const ACTOR = "forwarder";

function moved(escalation: Escalation, to: EscalationStatus, at: string, detail: string): Escalation {
  const entry: HistoryEntry = { at, from: escalation.status, to, actor: ACTOR, detail };
  return { ...escalation, status: to, updatedAt: at, history: [...escalation.history, entry] };
}

export async function forwardEscalation(body: unknown, deps: ForwardDependencies): Promise<ForwardResult> {
  const message = EscalationMessage.safeParse(body);
  if (!message.success) {
    return {
      kind: "dead-letter",
      reason: "InvalidMessage",
      description: message.error.issues
        .map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`)
        .join("; "),
    };
  }
  // The intake marks the escalation sent right after queueing it, so the first write here often
  // races that update: nothing has gone out yet, so read again and retry rather than redeliver.
  for (let attempt = 1; attempt <= MARK_ATTEMPTS; attempt++) {
    const prepared = await prepareAttempt(message.data, deps);
    if (prepared.kind === "ready") return submitAttempt(prepared, message.data, deps);
    if (prepared.kind !== "conflict") return prepared;
  }
  return { kind: "conflict" };
}

const MARK_ATTEMPTS = 3;

/** How a retry's failure reads in the history. */
const FAILURE_WORDS: Record<RetryFailure, string> = {
  throttled: "21Vianet asked us to slow down",
  unavailable: "21Vianet was unavailable",
  "unknown-outcome": "no answer from 21Vianet",
  authorisation:
    "our Partner Center credentials were refused (a configuration problem on our side, not 21Vianet's refusal)",
};

/** A delivery this much before the scheduled retry is due is taken for the retry itself (clock skew). */
const DUE_TOLERANCE_MS = 5_000;

/**
 * A delivery that comes before the scheduled retry is due: the message whose retry could not be
 * scheduled, given back and delivered again. It must not call 21Vianet early (that would ignore
 * Retry-After): it schedules the same retry again, whose MessageId makes a second copy a duplicate.
 */
function earlyRedelivery(escalation: Escalation, now: Date, message: EscalationMessage): ForwardResult | undefined {
  const forwarding = escalation.forwarding;
  if (forwarding?.nextAttemptAt === undefined || forwarding.retries === undefined) return undefined;
  const dueInMs = Date.parse(forwarding.nextAttemptAt) - now.getTime();
  if (dueInMs <= DUE_TOLERANCE_MS) return undefined;
  return {
    kind: "retry",
    delayMs: dueInMs,
    retry: forwarding.retries,
    message,
    failure: forwarding.lastFailure?.kind ?? "unavailable",
  };
}

/** Why the lookup after an unknown outcome failed, in words safe for the history. */
function lookupFailure(error: unknown): string {
  return isBridgeError(error, "partner-center-failed") ? error.message : "lookup failed";
}

interface ReadyAttempt {
  kind: "ready";
  escalation: Escalation;
  etag: string;
  channel: VianetChannel;
  requestId: string;
}

/** Reads the escalation and stores the open-attempt marker, or says why there is nothing to send. */
async function prepareAttempt(
  message: EscalationMessage,
  deps: ForwardDependencies,
): Promise<ReadyAttempt | ForwardResult> {
  const stored = await deps.store.get(message.escalationId);
  if (stored === undefined)
    return { kind: "dead-letter", reason: "UnknownEscalation", description: `no escalation ${message.escalationId}` };
  const escalation = stored.value;
  // Redelivered after the outcome was recorded: nothing left to send. The write that recorded it
  // may have been cut short before its list entries and status events, so those are written again.
  if (escalation.status !== "queued") {
    await deps.store.restoreFollowingRows(stored);
    return { kind: "done", status: escalation.status };
  }

  const now = deps.clock.now().toISOString();
  const early = earlyRedelivery(escalation, deps.clock.now(), message);
  if (early !== undefined) return early;
  const channelName =
    escalation.forwarding?.channel ??
    chooseChannel(deps.routing, escalation.request.service, escalation.request.severity);
  const channel = deps.channels[channelName];
  if (channel === undefined)
    return {
      kind: "dead-letter",
      reason: "ChannelNotConfigured",
      description: `channel ${channelName} is not configured`,
    };

  const open = escalation.forwarding?.openAttempt;
  if (open !== undefined) {
    // The last attempt's outcome is unknown: it may have created the request.
    let existing: Awaited<ReturnType<VianetChannel["findExisting"]>>;
    try {
      existing = await channel.findExisting(escalation);
    } catch (error) {
      // Cannot tell yet whether it exists: try again later, still without creating anything.
      return record(
        escalation,
        stored.etag,
        { kind: "unknown", reason: `could not look for the earlier request: ${lookupFailure(error)}`, cause: error },
        channelName,
        deps,
        now,
        message,
      );
    }
    if (existing !== undefined)
      return record(escalation, stored.etag, { kind: "created", ...existing }, channelName, deps, now, message);
  }
  // Erased while an attempt was in flight (so not withdrawn then), and 21Vianet has no request: a
  // new one would carry no title, description or contact, so none is made.
  if (escalation.erasure !== undefined) return withdrawErased(escalation, stored.etag, deps, now);
  const attempts = (escalation.forwarding?.attempts ?? 0) + 1;
  const requestId = open?.requestId ?? deps.newRequestId();
  // Bookkeeping, not a change anyone sees: updatedAt stays (it dates what the API shows).
  const marked: Escalation = {
    ...escalation,
    dispatch: "sent",
    forwarding: {
      ...escalation.forwarding,
      channel: channelName,
      attempts,
      firstAttemptAt: escalation.forwarding?.firstAttemptAt ?? now,
      openAttempt: { requestId, startedAt: now },
    },
  };
  const markedResult = await deps.store.replace(marked, stored.etag);
  if (!markedResult.ok)
    return markedResult.error === "conflict"
      ? { kind: "conflict" }
      : { kind: "dead-letter", reason: "UnknownEscalation", description: "the escalation disappeared" };
  return { kind: "ready", escalation: marked, etag: markedResult.etag, channel, requestId };
}

/** Moves an erased escalation that never reached 21Vianet to `failed`, as an erasure on request does. */
async function withdrawErased(
  escalation: Escalation,
  etag: string,
  deps: ForwardDependencies,
  now: string,
): Promise<ForwardResult> {
  const failed = moved(
    escalation,
    "failed",
    now,
    "withdrawn: the customer's personal data was erased before 21Vianet received the escalation",
  );
  const withdrawn: Escalation = {
    ...failed,
    ...(escalation.forwarding === undefined
      ? {}
      : { forwarding: { ...escalation.forwarding, openAttempt: undefined, nextAttemptAt: undefined } }),
  };
  const saved = await deps.store.replace(withdrawn, etag);
  if (saved.ok) return { kind: "done", status: "failed" };
  return saved.error === "conflict"
    ? { kind: "conflict" }
    : { kind: "dead-letter", reason: "UnknownEscalation", description: "the escalation disappeared" };
}

async function submitAttempt(
  ready: ReadyAttempt,
  message: EscalationMessage,
  deps: ForwardDependencies,
): Promise<ForwardResult> {
  const { escalation, etag, channel, requestId } = ready;
  const outcome = await channel.submit(escalation, { requestId, correlationId: escalation.correlationId });
  return record(escalation, etag, outcome, channel.name, deps, deps.clock.now().toISOString(), message);
}

async function record(
  escalation: Escalation,
  etag: string,
  outcome: ChannelOutcome,
  channel: ChannelName,
  deps: ForwardDependencies,
  at: string,
  message: EscalationMessage,
): Promise<ForwardResult> {
  const forwarding = escalation.forwarding ?? { channel, attempts: 0, firstAttemptAt: at };
  let next: Escalation;
  let result: ForwardResult;
  switch (outcome.kind) {
    case "created":
      next = {
        ...moved(
          escalation,
          "forwarded",
          at,
          `21Vianet service request ${outcome.serviceRequestId} created through ${channel}`,
        ),
        vianet: { channel, serviceRequestId: outcome.serviceRequestId, status: outcome.status },
      };
      next.forwarding = { ...forwarding, openAttempt: undefined, nextAttemptAt: undefined };
      result = { kind: "done", status: "forwarded" };
      break;
    case "awaiting-portal":
      next = {
        ...moved(
          escalation,
          "awaiting_portal",
          at,
          `waiting for a person to submit it through the portal: ${outcome.portalPath}`,
        ),
        vianet: { channel, status: "awaiting_portal" },
      };
      next.forwarding = { ...forwarding, openAttempt: undefined, nextAttemptAt: undefined };
      result = { kind: "done", status: "awaiting_portal" };
      break;
    case "permanent":
      next = {
        ...moved(escalation, "rejected", at, `21Vianet refused it: ${outcome.code} ${outcome.description}`),
        vianet: { channel, status: "rejected", code: outcome.code, description: outcome.description },
      };
      next.forwarding = { ...forwarding, openAttempt: undefined, nextAttemptAt: undefined };
      result = { kind: "done", status: "rejected" };
      break;
    case "transient":
    case "unknown": {
      const budgetSpent = Date.parse(at) - Date.parse(forwarding.firstAttemptAt) >= deps.backoff.budgetMs;
      const { reason } = outcome;
      const failure: RetryFailure = outcome.kind === "unknown" ? "unknown-outcome" : outcome.failure;
      const lastFailure = { kind: failure, at, reason };
      if (budgetSpent) {
        next = moved(
          escalation,
          "failed",
          at,
          `gave up after ${forwarding.attempts} attempt(s) within the retry budget; last failure: ${FAILURE_WORDS[failure]} (${reason})`,
        );
        // An attempt whose outcome is unknown stays open: a replay must look for its request first.
        next.forwarding = {
          ...forwarding,
          ...(outcome.kind === "unknown" ? {} : { openAttempt: undefined }),
          nextAttemptAt: undefined,
          lastError: reason,
          lastFailure,
        };
        result = { kind: "done", status: "failed" };
        break;
      }
      // After a definite transient answer the next attempt gets a new MS-RequestId; after an unknown one it keeps it.
      // Stored before the message is sent, so no two retries of one escalation share a number.
      const retry = nextRetryNumber(escalation);
      const delayMs = retryDelayMs(
        deps.backoff,
        forwarding.attempts,
        outcome.kind === "transient" ? outcome.retryAfterMs : undefined,
        deps.random,
      );
      const nextAttemptAt = new Date(Date.parse(at) + delayMs).toISOString();
      next = {
        ...escalation,
        forwarding: {
          ...forwarding,
          lastError: reason,
          lastFailure,
          nextAttemptAt,
          retries: retry,
          ...(outcome.kind === "unknown" ? {} : { openAttempt: undefined }),
        },
      };
      result = {
        kind: "retry",
        delayMs,
        retry,
        message,
        failure,
        ...(outcome.cause === undefined ? {} : { cause: outcome.cause }),
      };
      break;
    }
  }
  const saved = await deps.store.replace(next, etag);
  if (!saved.ok) return { kind: "conflict" };
  if (deps.telemetry !== undefined) reportOutcome(next, deps.telemetry);
  return result;
}

/** Only a stored change is reported, so a redelivery that finds the outcome recorded counts nothing. */
function reportOutcome(escalation: Escalation, telemetry: EscalationTelemetry): void {
  const { id: escalationId, correlationId, vianet } = escalation;
  switch (escalation.status) {
    case "forwarded":
      telemetry.forwarded({
        escalationId,
        correlationId,
        channel: vianet?.channel ?? "unknown",
        severity: escalation.request.severity,
        timeToForwardMs: Date.parse(escalation.updatedAt) - Date.parse(escalation.createdAt),
      });
      return;
    case "rejected":
      telemetry.rejected({
        escalationId,
        correlationId,
        channel: vianet?.channel ?? "unknown",
        code: vianet?.code ?? "unknown",
      });
      return;
    case "failed":
      telemetry.failed({ escalationId, reason: "retry-budget-spent" });
      return;
    default:
      return;
  }
}
