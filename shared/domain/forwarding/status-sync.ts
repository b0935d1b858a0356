// The status sync of the Partner Center channel: each run reads the service requests of open
// escalations, the longest unsynced first, and records 21Vianet's status changes and new notes.
// A run spends at most its budget of calls, stops (or waits, within its time) when Partner Center
// asks it to slow down, never reads a closed escalation's request, and one request's failure
// never stops the others: a visited escalation goes to the back of the line, failed or not.
// A visit also re-sends the message of a partner note left queued with no attempt (its message
// never reached the queue): the sync's line is the outbox of notes.
import { changeEscalation } from "../escalations/change-escalation.js";
import type { Escalation } from "../escalations/escalation.js";
import type { Clock, EscalationStore } from "../escalations/ports.js";
import { recordVianetUpdate, type VianetStatus } from "../escalations/vianet-updates.js";
import type { PartnerNoteQueue } from "./send-partner-note.js";
import {
  isPartnerNote,
  type ServiceRequestState,
  type ServiceRequestFailure,
  type VianetServiceRequests,
} from "./service-requests.js";

/** One open Partner Center escalation in the sync's line, with the time it is ordered by. */
export interface SyncEntry {
  escalationId: string;
  /** The time this entry is ordered by: the escalation's last sync, or its creation before any. */
  orderedBy: string;
}

/** The line of open Partner Center escalations, kept beside the escalations by the store. */
export interface SyncSchedule {
  /** Up to `limit` entries, the longest unsynced first. */
  oldestSynced(limit: number): Promise<SyncEntry[]>;
  /** Removes an entry that no longer matches its escalation (closed, gone, or left by a write cut short). */
  drop(entry: SyncEntry): Promise<void>;
}

export interface StatusSyncDependencies {
  store: Pick<EscalationStore, "get" | "replace">;
  schedule: SyncSchedule;
  requests: VianetServiceRequests;
  clock: Clock;
  /** At most this many Partner Center calls a run (STATUS_SYNC_MAX_REQUESTS). */
  maxRequests: number;
  /** Calls in flight at once. Default 4. */
  concurrency?: number;
  /** How long a run may wait for a Retry-After before it stops instead. Default 60 s. */
  maxWaitMs?: number;
  /** How the run waits out a Retry-After; tests pass a recorder. */
  pause?: (ms: number) => Promise<unknown>;
  log?: (message: string, detail: Record<string, unknown>) => void;
  /** Where a partner note's message is sent again when it never reached the queue. */
  noteQueue?: PartnerNoteQueue;
}

/**
 * How long a queued partner note may wait for its first attempt before the sync sends its message
 * again. The message's MessageId names the note, so a re-send of a message that did arrive is
 * dropped by duplicate detection; only a send that never reached the queue is made good.
 */
export const NOTE_RESEND_AFTER_MS = 5 * 60_000;

/** Partner notes still queued with no attempt made, older than NOTE_RESEND_AFTER_MS. */
export function notesToResend(escalation: Escalation, now: Date): string[] {
  return (escalation.notes ?? [])
    .filter(
      (note) =>
        note.author === "partner" &&
        note.delivery === "queued" &&
        note.sendAttempt === undefined &&
        (note.sendRetries ?? 0) === 0 &&
        now.getTime() - Date.parse(note.at) >= NOTE_RESEND_AFTER_MS,
    )
    .map((note) => note.id);
}

export interface SyncRunSummary {
  /** Partner Center calls made. */
  requests: number;
  /** Escalations whose request was read and recorded. */
  visited: number;
  /** Of those, escalations that changed (a status, a note). */
  changed: number;
  /** Escalations whose read failed; they go to the back of the line like the others. */
  failed: number;
  /** Entries dropped because their escalation is closed, gone or not on the Partner Center channel. */
  dropped: number;
  /** Partner notes whose message was sent again (see NOTE_RESEND_AFTER_MS). */
  notesResent: number;
  /** Set when Partner Center throttled the run and it stopped before spending its budget. */
  throttled?: { retryAfterMs?: number };
}

/** Partner Center's status in our words; `none` (and anything unknown) changes nothing. */
const OUR_STATUS: Readonly<Record<string, VianetStatus>> = {
  open: "forwarded",
  attention_needed: "attention_needed",
  closed: "closed",
};

const OPEN: ReadonlySet<Escalation["status"]> = new Set(["forwarded", "attention_needed"]);

/** Whether an escalation takes part in the sync: open, on the Partner Center channel, with a request id. */
export function isSyncable(escalation: Escalation): boolean {
  return (
    OPEN.has(escalation.status) &&
    escalation.vianet?.channel === "partner-center" &&
    escalation.vianet.serviceRequestId !== undefined
  );
}

/** The time an escalation is ordered by in the sync's line. */
export function syncOrder(escalation: Escalation): string {
  return escalation.vianet?.syncedAt ?? escalation.createdAt;
}

/** A Partner Center time, or `now` when it is missing or later than now (a clock ahead of ours). */
function notAfter(iso: string | undefined, now: Date): Date {
  if (iso === undefined) return now;
  const time = Date.parse(iso);
  return Number.isNaN(time) || time > now.getTime() ? now : new Date(time);
}

/**
 * What the read tells, recorded on the escalation: new 21Vianet notes first (oldest first, the
 * partner's own notes sent by the bridge left out), then the status, so a closing note is kept
 * before `closed` ends the story. Each note's id is derived from its date (its position when it is
 * undated) and text, as Partner Center gives notes no id, so a note re-read is recorded once.
 */
export function applyServiceRequestState(
  escalation: Escalation,
  request: ServiceRequestState,
  now: Date,
): { escalation: Escalation; changed: boolean } {
  let current = escalation;
  let changed = false;
  for (const [index, note] of request.notes.entries()) {
    if (note.text.trim() === "" || isPartnerNote(note.text)) continue;
    // Partner Center's own date, never ours: a note dated ahead of our clock keeps one id.
    const id = note.id ?? `partner-center|${note.createdAt ?? `#${String(index)}`}|${note.text}`;
    const result = recordVianetUpdate(
      current,
      {
        note: { text: note.text, id },
        at: notAfter(note.createdAt, now),
        source: "partner-center",
      },
      now,
    );
    if (result.ok && result.changed) {
      current = result.escalation;
      changed = true;
    }
  }
  const status = OUR_STATUS[request.status];
  if (status !== undefined) {
    const result = recordVianetUpdate(
      current,
      { status, vianetStatus: request.status, at: notAfter(request.lastModifiedAt, now), source: "partner-center" },
      now,
    );
    if (result.ok && result.changed) {
      current = result.escalation;
      changed = true;
    }
  }
  return { escalation: current, changed };
}

function withSyncedAt(escalation: Escalation, now: Date): Escalation {
  return escalation.vianet === undefined
    ? escalation
    : { ...escalation, vianet: { ...escalation.vianet, syncedAt: now.toISOString() } };
}

type Visit =
  | { kind: "visited"; changed: boolean }
  | { kind: "failed"; failure: ServiceRequestFailure }
  | { kind: "dropped" }
  | { kind: "budget-spent" }
  | { kind: "throttled"; retryAfterMs?: number };

/** One status-sync run. Throws only when the line itself cannot be read. */
export async function runStatusSync(deps: StatusSyncDependencies): Promise<SyncRunSummary> {
  const summary: SyncRunSummary = { requests: 0, visited: 0, changed: 0, failed: 0, dropped: 0, notesResent: 0 };
  if (deps.maxRequests <= 0) return summary;
  const entries = await deps.schedule.oldestSynced(deps.maxRequests);
  const maxWaitMs = deps.maxWaitMs ?? 60_000;
  const deadline = deps.clock.now().getTime() + maxWaitMs;
  const pause = deps.pause ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  let next = 0;
  const run = { stopped: false };
  /** Read through a call: another worker may stop the run while this one waits. */
  const isStopped = () => run.stopped;
  /** While Partner Center asked us to wait, no worker calls it. */
  let holdUntil = 0;

  async function visit(entry: SyncEntry): Promise<Visit> {
    const stored = await deps.store.get(entry.escalationId);
    // Closed, gone, or another channel: never read. An entry from a write cut short is dropped too.
    if (stored === undefined || !isSyncable(stored.value) || syncOrder(stored.value) !== entry.orderedBy) {
      await deps.schedule.drop(entry);
      return { kind: "dropped" };
    }
    const escalation = stored.value;
    if (deps.noteQueue !== undefined) {
      for (const noteId of notesToResend(escalation, deps.clock.now())) {
        await deps.noteQueue.queueNote(escalation.id, noteId);
        summary.notesResent++;
      }
    }
    const serviceRequestId = escalation.vianet?.serviceRequestId ?? "";
    // Checked and counted with no await between, so workers in parallel never overspend.
    if (summary.requests >= deps.maxRequests) return { kind: "budget-spent" };
    summary.requests++;
    const outcome = await deps.requests.read(serviceRequestId, escalation.correlationId);
    if (outcome.kind === "transient" && outcome.failure === "throttled")
      return {
        kind: "throttled",
        ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
      };
    const now = deps.clock.now();
    // Recorded on the newest version: the one read above unless it changed meanwhile (then its
    // write is refused and it is read again), so a change made meanwhile is kept, and a closed one
    // is left alone.
    const change = await changeEscalation(
      deps.store,
      escalation.id,
      ({ value }) => {
        if (!isSyncable(value)) return { stop: false };
        if (outcome.kind !== "read") return { write: withSyncedAt(value, now), answer: false };
        const applied = applyServiceRequestState(value, outcome.request, now);
        return { write: withSyncedAt(applied.escalation, now), answer: applied.changed };
      },
      3,
      stored,
    );
    if (outcome.kind !== "read") return { kind: "failed", failure: outcome };
    return { kind: "visited", changed: change.ok && change.answer === true };
  }

  async function worker(): Promise<void> {
    while (!run.stopped) {
      const entry = entries[next];
      if (entry === undefined) return;
      if (summary.requests >= deps.maxRequests) return;
      next++;
      const wait = holdUntil - deps.clock.now().getTime();
      if (wait > 0) await pause(wait);
      if (isStopped()) return;
      let result: Visit;
      try {
        result = await visit(entry);
      } catch (error) {
        // A storage failure on one escalation: the others still get their turn.
        summary.failed++;
        deps.log?.("status sync of one escalation failed", {
          escalationId: entry.escalationId,
          error: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
      switch (result.kind) {
        case "visited":
          summary.visited++;
          if (result.changed) summary.changed++;
          break;
        case "dropped":
          summary.dropped++;
          break;
        case "budget-spent":
          return;
        case "failed":
          summary.failed++;
          deps.log?.("status sync could not read a service request", {
            escalationId: entry.escalationId,
            failure: result.failure.kind,
            reason: "reason" in result.failure ? result.failure.reason : result.failure.code,
          });
          break;
        case "throttled": {
          const retryAfterMs = result.retryAfterMs ?? 0;
          const resumeAt = deps.clock.now().getTime() + retryAfterMs;
          if (result.retryAfterMs !== undefined && resumeAt <= deadline && summary.requests < deps.maxRequests) {
            // Wait within the run's time, then try this one again; it keeps its place meanwhile.
            holdUntil = Math.max(holdUntil, resumeAt);
            entries.push(entry);
          } else {
            run.stopped = true;
            summary.throttled = result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs };
          }
          break;
        }
      }
    }
  }

  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency ?? 4) }, () => worker()));
  return summary;
}
