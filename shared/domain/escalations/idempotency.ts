// Idempotency keys (IETF draft, Stripe's practice): the same key with the same body replays the
// first answer, with a different body is refused (422), while the first is still running is a
// conflict (409). Keys are scoped per caller, at most 255 characters, and kept 7 days. Each key
// reserves the id of the escalation it creates: every later attempt with it (after a failure or a
// crash) works on that same escalation, so a retried request can never create a second one.
import { createHash } from "node:crypto";

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
export const IDEMPOTENCY_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * A claim older than this is taken to be from a crashed attempt and may be taken over. A takeover
 * works on the escalation the key reserved, so even a live attempt overtaken can never make a
 * second one: the lease only spares concurrent duplicates the work, and its length is what a
 * caller whose request died waits before its retry is served. It outlasts the intake's longest
 * step, the queue send (30 s at most).
 */
export const IDEMPOTENCY_LEASE_MS = 45 * 1000;

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type ClaimResult =
  /**
   * The caller may run the work, for the escalation `reservation` names. `resumed`: an earlier
   * attempt with this key got this far and then failed or crashed, so it may have stored it.
   */
  | { state: "claimed"; reservation: string; resumed: boolean }
  | { state: "in-flight" }
  | { state: "mismatch" }
  | { state: "completed"; response: StoredResponse };

export interface IdempotencyStore {
  /**
   * Claims `key` for `scope` unless a live claim or a completed answer exists. A new key keeps
   * `reservation`; a released or abandoned claim is taken over with the reservation it had.
   */
  claim(scope: string, key: string, fingerprint: string, now: Date, reservation: string): Promise<ClaimResult>;
  complete(scope: string, key: string, response: StoredResponse, now: Date): Promise<void>;
  /** Gives a claim up after a failure, so a retry can run at once; its reservation stays. */
  release(scope: string, key: string): Promise<void>;
}

export type KeyCheck = { ok: true; key: string | undefined } | { ok: false; reason: string };

export function checkIdempotencyKey(value: string | null): KeyCheck {
  if (value === null) return { ok: true, key: undefined };
  if (value.length === 0 || value.length > MAX_IDEMPOTENCY_KEY_LENGTH)
    return { ok: false, reason: `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` };
  if (!/^[\x21-\x7e]+$/.test(value)) return { ok: false, reason: "must be printable ASCII without spaces" };
  return { ok: true, key: value };
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The same JSON document gives the same fingerprint whatever its key order or spacing. */
export function fingerprintOf(body: unknown): string {
  return createHash("sha256").update(canonical(body)).digest("hex");
}

export type IdempotentOutcome =
  | { kind: "fresh"; response: StoredResponse }
  | { kind: "replayed"; response: StoredResponse }
  | { kind: "in-flight" }
  | { kind: "mismatch" };

/**
 * Runs `work` at most once per (scope, key): answers that should not be replayed (server errors)
 * release the key so the caller's retry runs again, on the same reservation. Once the work has
 * answered, that answer stands: if it cannot be recorded, `onUnrecorded` hears of it and the
 * answer is returned all the same (a retry takes the claim over and finds what the work stored).
 */
export async function runIdempotently(
  store: IdempotencyStore,
  request: {
    scope: string;
    key: string;
    fingerprint: string;
    now: () => Date;
    reservation: () => string;
    onUnrecorded?: (error: unknown) => void;
  },
  work: (claim: { reservation: string; resumed: boolean }) => Promise<StoredResponse>,
): Promise<IdempotentOutcome> {
  const claim = await store.claim(
    request.scope,
    request.key,
    request.fingerprint,
    request.now(),
    request.reservation(),
  );
  if (claim.state === "completed") return { kind: "replayed", response: claim.response };
  if (claim.state === "in-flight") return { kind: "in-flight" };
  if (claim.state === "mismatch") return { kind: "mismatch" };
  let response: StoredResponse;
  try {
    response = await work({ reservation: claim.reservation, resumed: claim.resumed });
  } catch (error) {
    await store
      .release(request.scope, request.key)
      .catch((releaseError: unknown) => request.onUnrecorded?.(releaseError));
    throw error;
  }
  try {
    if (response.status >= 500) await store.release(request.scope, request.key);
    else await store.complete(request.scope, request.key, response, request.now());
  } catch (error) {
    request.onUnrecorded?.(error);
  }
  return { kind: "fresh", response };
}
