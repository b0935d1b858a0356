// Read, decide, write conditionally, and read again if someone else wrote first: the one loop for
// every change made on an escalation that others may change at the same time.
import type { Escalation } from "./escalation.js";
import type { EscalationStore, Versioned } from "./ports.js";

/** What a change decides on the version it read: write this escalation, or stop with an answer. */
export type Decision<T> = { write: Escalation; answer: T } | { stop: T };

export type ChangeOutcome<T> =
  { ok: true; answer: T; etag: string; wrote: boolean } | { ok: false; error: "not-found" | "kept-changing" };

/**
 * Tries `attempts` times; a version that is gone, or that `decide` is not shown, is `not-found`.
 * `read`: a version the caller read already, tried first without reading again (one request
 * fewer); if it is no longer current the write is refused and the attempts read afresh.
 */
export async function changeEscalation<T>(
  store: Pick<EscalationStore, "get" | "replace">,
  id: string,
  decide: (stored: Versioned<Escalation>) => Decision<T> | undefined,
  attempts = 3,
  read?: Versioned<Escalation>,
): Promise<ChangeOutcome<T>> {
  /** The outcome of deciding on one version and writing it; undefined when someone else wrote first. */
  async function tryOn(stored: Versioned<Escalation>): Promise<ChangeOutcome<T> | undefined> {
    const decision = decide(stored);
    if (decision === undefined) return { ok: false, error: "not-found" };
    if ("stop" in decision) return { ok: true, answer: decision.stop, etag: stored.etag, wrote: false };
    const saved = await store.replace(decision.write, stored.etag);
    if (saved.ok) return { ok: true, answer: decision.answer, etag: saved.etag, wrote: true };
    return saved.error === "not-found" ? { ok: false, error: "not-found" } : undefined;
  }

  // A given version that turns out stale costs no attempt: the attempts read afresh.
  const first = read === undefined ? undefined : await tryOn(read);
  if (first !== undefined) return first;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const stored = await store.get(id);
    if (stored === undefined) return { ok: false, error: "not-found" };
    const outcome = await tryOn(stored);
    if (outcome !== undefined) return outcome;
  }
  return { ok: false, error: "kept-changing" };
}
