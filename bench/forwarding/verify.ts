// What the forwarding benchmark checks after every measurement, or fails: the sandbox holds exactly
// one request per escalation, carrying its marker, and nothing else; the store shows each one
// forwarded with that request's id; the queue and its dead-letter queue are empty.
import type { CreatedRecord } from "../../local/vianet-sandbox/index.js";
import type { TableEscalationStore } from "../../shared/adapters/table-storage/table-escalation-store.js";
import { requestMarker } from "../../shared/domain/forwarding/channel.js";
import { inPool, VerificationError } from "../kit/index.js";
import type { Rig } from "./rig.js";
import { QUEUE, VERIFY_IN_FLIGHT } from "./settings.js";

export interface Check {
  escalations: number;
  sandboxRequests: number;
  createCalls: number;
  /** Escalations read back from the store (forwarding only). */
  storeChecked: number;
  problems: string[];
}

/** The escalation id in a request's title, by the shape requestMarker gives it. */
function markedId(record: CreatedRecord): string | undefined {
  const [prefix = "", suffix = ""] = requestMarker("\u0000").split("\u0000");
  const title = record.serviceRequest.title;
  const start = title.lastIndexOf(prefix);
  if (start < 0) return undefined;
  const end = title.indexOf(suffix, start + prefix.length);
  if (end < 0) return undefined;
  const id = title.slice(start + prefix.length, end);
  return title.includes(requestMarker(id)) ? id : undefined;
}

const sample = (items: readonly string[], count = 3) =>
  `${items.slice(0, count).join(", ")}${items.length > count ? ", ..." : ""}`;

/** The sandbox holds exactly one request per id, and nothing else; one create call reached it per id. */
export function checkSandbox(
  rig: Rig,
  ids: readonly string[],
): { check: Check; requestOf: Map<string, CreatedRecord> } {
  const records = rig.sandbox.requests();
  const problems: string[] = [];
  const byId = new Map<string, CreatedRecord[]>();
  const expected = new Set(ids);
  const foreign: string[] = [];
  for (const record of records) {
    const id = markedId(record);
    if (id === undefined || !expected.has(id)) {
      foreign.push(record.serviceRequest.id);
      continue;
    }
    byId.set(id, [...(byId.get(id) ?? []), record]);
  }
  const missing = ids.filter((id) => !byId.has(id));
  const duplicated = ids.filter((id) => (byId.get(id)?.length ?? 0) > 1);
  if (missing.length > 0)
    problems.push(
      `${missing.length} escalation(s) without a sandbox request carrying their marker: ${sample(missing)}`,
    );
  if (duplicated.length > 0)
    problems.push(`${duplicated.length} escalation(s) with more than one sandbox request: ${sample(duplicated)}`);
  if (foreign.length > 0)
    problems.push(
      `${foreign.length} sandbox request(s) carrying no marker of this measurement's escalations: ${sample(foreign)}`,
    );
  const createCalls = Object.values(rig.sandbox.requestIdsSeen()).reduce((sum, times) => sum + times, 0);
  if (createCalls !== ids.length)
    problems.push(
      `${createCalls} create calls reached the sandbox for ${ids.length} escalations (retries or replays in a run without faults)`,
    );
  const requestOf = new Map<string, CreatedRecord>();
  for (const [id, found] of byId) if (found.length === 1 && found[0] !== undefined) requestOf.set(id, found[0]);
  return {
    check: { escalations: ids.length, sandboxRequests: records.length, createCalls, storeChecked: 0, problems },
    requestOf,
  };
}

/** checkSandbox, then every escalation forwarded in the store with its request's id, and the queue empty. */
export async function verifyForwarding(rig: Rig, store: TableEscalationStore, ids: readonly string[]): Promise<Check> {
  const { check, requestOf } = checkSandbox(rig, ids);
  const notForwarded: string[] = [];
  const wrongReference: string[] = [];
  const openAttempt: string[] = [];
  await inPool(ids.length, VERIFY_IN_FLIGHT, async (n) => {
    const id = ids[n] ?? "";
    const stored = (await store.get(id))?.value;
    check.storeChecked++;
    if (stored?.status !== "forwarded") {
      notForwarded.push(`${id} ${stored?.status ?? "missing"}`);
      return;
    }
    const request = requestOf.get(id);
    if (request !== undefined && stored.vianet?.serviceRequestId !== request.serviceRequest.id) wrongReference.push(id);
    if (stored.forwarding?.openAttempt !== undefined) openAttempt.push(id);
  });
  if (notForwarded.length > 0)
    check.problems.push(`${notForwarded.length} escalation(s) not forwarded in the store: ${sample(notForwarded)}`);
  if (wrongReference.length > 0)
    check.problems.push(
      `${wrongReference.length} escalation(s) whose stored service request id is not the sandbox's: ${sample(wrongReference)}`,
    );
  if (openAttempt.length > 0)
    check.problems.push(
      `${openAttempt.length} forwarded escalation(s) still holding an open attempt: ${sample(openAttempt)}`,
    );
  for (const subQueueType of [undefined, "deadLetter"] as const) {
    const receiver = rig.serviceBus.createReceiver(QUEUE, subQueueType === undefined ? {} : { subQueueType });
    try {
      const left = await receiver.peekMessages(10);
      if (left.length > 0)
        check.problems.push(
          `${left.length}${left.length === 10 ? "+" : ""} message(s) left in ${QUEUE}${subQueueType === undefined ? "" : "/$DeadLetterQueue"} after the host stopped: ${sample(left.map((message) => String(message.messageId)))}`,
        );
    } finally {
      await receiver.close();
    }
  }
  return check;
}

export function failIfProblems(what: string, check: Check): void {
  if (check.problems.length > 0)
    throw new VerificationError(`${what}: verification failed:\n  ${check.problems.join("\n  ")}`);
}

/** verifyForwarding without the queue, which the probe does not use. */
export async function verifyForwardingStoreOnly(
  rig: Rig,
  store: TableEscalationStore,
  ids: readonly string[],
): Promise<Check> {
  const { check } = checkSandbox(rig, ids);
  const notForwarded: string[] = [];
  await inPool(ids.length, VERIFY_IN_FLIGHT, async (n) => {
    const id = ids[n] ?? "";
    const stored = (await store.get(id))?.value;
    check.storeChecked++;
    if (stored?.status !== "forwarded" || stored.forwarding?.openAttempt !== undefined)
      notForwarded.push(`${id} ${stored?.status ?? "missing"}`);
  });
  if (notForwarded.length > 0)
    check.problems.push(`${notForwarded.length} escalation(s) not forwarded in the store: ${sample(notForwarded)}`);
  return check;
}
