// An operator replays a failed escalation: it goes back to queued with a history entry, a fresh
// retry budget, and a new message. At most one 21Vianet request still holds: an attempt whose
// outcome was never known stays open, so the forwarder looks for that request before sending.
// The message is sent after the status is stored, and the replay is confirmed after that: a
// replay whose message could not be sent is sent again by the operator's next call.
import { changeEscalation, type Decision } from "../escalations/change-escalation.js";
import type { Escalation } from "../escalations/escalation.js";
import type { Clock, EscalationStore } from "../escalations/ports.js";
import type { RetryQueue } from "./ports.js";

export interface ReplayDependencies {
  store: Pick<EscalationStore, "get" | "replace">;
  retries: RetryQueue;
  clock: Clock;
}

export type ReplayOutcome =
  | { ok: true; escalation: Escalation; etag: string }
  | { ok: false; error: "not-found" }
  | { ok: false; error: "not-failed"; status: Escalation["status"] }
  /** Its personal data was erased: the request 21Vianet would get has no title, description or contact left. */
  | { ok: false; error: "personal-data-erased" }
  | { ok: false; error: "conflict" };

/** The retry number a new message of this escalation takes: past every number used before. */
export function nextRetryNumber(escalation: Escalation): number {
  return Math.max(escalation.forwarding?.retries ?? 0, escalation.replay?.retry ?? 0) + 1;
}

export async function replayFailed(
  id: string,
  operator: string,
  deps: ReplayDependencies,
  mayAct: (escalation: Escalation) => boolean,
): Promise<ReplayOutcome> {
  type Ready =
    | { kind: "ready"; escalation: Escalation }
    | { kind: "not-failed"; status: Escalation["status"] }
    | { kind: "personal-data-erased" };
  const change = await changeEscalation(deps.store, id, ({ value }): Decision<Ready> | undefined => {
    if (!mayAct(value)) return undefined;
    // Replayed before, but its message was never confirmed sent: send it now.
    if (value.status === "queued" && value.replay?.sent === false)
      return { stop: { kind: "ready", escalation: value } };
    if (value.status !== "failed") return { stop: { kind: "not-failed", status: value.status } };
    if (value.erasure !== undefined) return { stop: { kind: "personal-data-erased" } };
    const replayed = replayedEscalation(value, operator, deps.clock.now().toISOString());
    return { write: replayed, answer: { kind: "ready", escalation: replayed } };
  });
  if (!change.ok) return { ok: false, error: change.error === "not-found" ? "not-found" : "conflict" };
  if (change.answer.kind === "not-failed") return { ok: false, error: "not-failed", status: change.answer.status };
  if (change.answer.kind === "personal-data-erased") return { ok: false, error: "personal-data-erased" };
  const { escalation } = change.answer;
  const replay = escalation.replay;
  if (replay === undefined) throw new Error(`escalation ${id} is being replayed without a replay record`);
  // Its own MessageId: a second send of the same replay is a duplicate, and no earlier retry's id is reused.
  await deps.retries.scheduleRetry(
    { escalationId: escalation.id, correlationId: escalation.correlationId },
    replay.retry,
    deps.clock.now(),
  );
  const confirmed: Escalation = { ...escalation, replay: { ...replay, sent: true } };
  const marked = await deps.store.replace(confirmed, change.etag);
  // A conflict means the forwarder already took the message: it was sent either way.
  return marked.ok
    ? { ok: true, escalation: confirmed, etag: marked.etag }
    : { ok: true, escalation, etag: change.etag };
}

/** Back to queued with a history entry and a fresh budget; an open attempt stays, so its request is looked for first. */
function replayedEscalation(escalation: Escalation, operator: string, at: string): Escalation {
  const retry = nextRetryNumber(escalation);
  const open = escalation.forwarding?.openAttempt !== undefined;
  return {
    ...escalation,
    status: "queued",
    updatedAt: at,
    dispatch: "sent",
    ...(escalation.forwarding === undefined
      ? {}
      : { forwarding: { ...escalation.forwarding, firstAttemptAt: at, nextAttemptAt: undefined, retries: retry } }),
    replay: { retry, requestedAt: at, by: operator, sent: false },
    history: [
      ...escalation.history,
      {
        at,
        from: "failed",
        to: "queued",
        actor: operator,
        detail: `replayed by an operator: forwarding starts again${open ? "; the request an earlier attempt may have created is looked for first" : ""}`,
      },
    ],
  };
}
