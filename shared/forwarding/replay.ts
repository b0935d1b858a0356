// An operator replays a failed escalation: it goes back to queued with a history entry, a fresh
// retry budget, and a new message. At most one 21Vianet request still holds: an attempt whose
// outcome was never known stays open, so the forwarder looks for that request before sending.
// The message is sent after the status is stored, and the replay is confirmed after that: a
// replay whose message could not be sent is sent again by the operator's next call.
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
  const stored = await deps.store.get(id);
  if (stored === undefined || !mayAct(stored.value)) return { ok: false, error: "not-found" };
  let { value: escalation, etag } = stored;
  const unsent = escalation.status === "queued" && escalation.replay?.sent === false;
  if (escalation.status !== "failed" && !unsent) return { ok: false, error: "not-failed", status: escalation.status };
  if (escalation.status === "failed") {
    const at = deps.clock.now().toISOString();
    const retry = nextRetryNumber(escalation);
    const open = escalation.forwarding?.openAttempt !== undefined;
    const replayed: Escalation = {
      ...escalation,
      status: "queued",
      updatedAt: at,
      dispatch: "sent",
      // A fresh budget; the open attempt, if any, stays so its request is looked for first.
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
    const saved = await deps.store.replace(replayed, etag);
    if (!saved.ok)
      return saved.error === "not-found" ? { ok: false, error: "not-found" } : { ok: false, error: "conflict" };
    escalation = replayed;
    etag = saved.etag;
  }
  const replay = escalation.replay;
  if (replay === undefined) throw new Error(`escalation ${id} is being replayed without a replay record`);
  // Its own MessageId: a second send of the same replay is a duplicate, and no earlier retry's id is reused.
  await deps.retries.scheduleRetry(
    { escalationId: escalation.id, correlationId: escalation.correlationId },
    replay.retry,
    deps.clock.now(),
  );
  const confirmed: Escalation = { ...escalation, replay: { ...replay, sent: true } };
  const marked = await deps.store.replace(confirmed, etag);
  // A conflict means the forwarder already took the message: it was sent either way.
  return marked.ok ? { ok: true, escalation: confirmed, etag: marked.etag } : { ok: true, escalation, etag };
}
