// The soak's calls to the app and the sandbox over HTTP: submitting an escalation until it is
// accepted whatever the outage, reading its view, and the answers' schemas.
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { EscalationStatus, ForwardingProgress, HistoryEntry } from "../../shared/domain/escalations/escalation.js";
import { buildEscalationRequest } from "../../test/builders/escalation-request.js";
import { FINAL_STATUSES } from "./checks.js";

export const FUNCTION_KEY = { "x-functions-key": "local-dev-key" };
const SUBMIT_GIVE_UP_MS = 180_000;

export const Accepted = z.object({ id: z.string() });
export const View = z.object({
  id: z.string(),
  status: EscalationStatus,
  history: z.array(HistoryEntry.pick({ from: true, to: true })),
  forwarding: ForwardingProgress.optional(),
  vianet: z.object({ code: z.string().optional() }).optional(),
});
export type View = z.infer<typeof View>;
export const SandboxRequests = z.object({
  items: z.array(z.object({ serviceRequest: z.object({ title: z.string() }), timesSeen: z.number() })),
});
export const SandboxFaults = z.object({ injected: z.record(z.string(), z.number()) });

export async function post(url: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  if (response.status >= 300) throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`);
  return response;
}

export interface Submission {
  id: string;
  /** Answers other than 202 and failed connections before it was accepted. */
  retries: string[];
}

/** Submits one escalation, retrying with its Idempotency-Key through the outages until accepted. */
export async function submit(url: string, number: number, seed: number): Promise<Submission> {
  const body = JSON.stringify(buildEscalationRequest({ partnerTicketId: `SOAK-${seed}-${number}` }));
  const headers = {
    "content-type": "application/json",
    "idempotency-key": `soak-${seed}-${number}-${Date.now()}`,
    ...FUNCTION_KEY,
  };
  const retries: string[] = [];
  const giveUpAt = Date.now() + SUBMIT_GIVE_UP_MS;
  for (;;) {
    try {
      const response = await fetch(`${url}/api/escalations`, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(15_000),
      });
      if (response.status === 202) return { id: Accepted.parse(await response.json()).id, retries };
      const text = await response.text();
      // A 4xx other than "in flight" or "slow down" is a refusal of a valid request: a bug, not an outage.
      if (response.status < 500 && response.status !== 409 && response.status !== 429)
        throw new Error(`escalation ${number} refused with ${response.status}: ${text}`);
      retries.push(String(response.status));
    } catch (error) {
      if (error instanceof Error && error.message.startsWith(`escalation ${number} refused`)) throw error;
      retries.push(error instanceof Error && error.name === "TimeoutError" ? "timeout" : "connection");
    }
    if (Date.now() > giveUpAt)
      throw new Error(
        `escalation ${number} was not accepted within ${SUBMIT_GIVE_UP_MS / 1000} s (${retries.join(", ")})`,
      );
    await sleep(500);
  }
}

export async function readView(url: string, id: string): Promise<View | undefined> {
  try {
    const response = await fetch(`${url}/api/escalations/${id}`, {
      headers: FUNCTION_KEY,
      signal: AbortSignal.timeout(15_000),
    });
    // Through an outage the read fails too; the next round reads it again.
    return response.status === 200 ? View.parse(await response.json()) : undefined;
  } catch (error) {
    if (error instanceof z.ZodError) throw error;
    return undefined;
  }
}

export interface Tracked {
  number: number;
  submission: Submission;
  observed: EscalationStatus[];
  view: View | undefined;
}

export function observe(tracked: Tracked, view: View): void {
  tracked.view = view;
  if (tracked.observed.at(-1) !== view.status) tracked.observed.push(view.status);
}

export const isFinal = (tracked: Tracked) => tracked.view !== undefined && FINAL_STATUSES.includes(tracked.view.status);
