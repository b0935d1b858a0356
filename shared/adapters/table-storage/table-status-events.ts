// Status changes as time-bucketed rows, for metrics that read only their window: every history
// entry of an escalation becomes one row in a partition of its UTC day, keyed by time, with what
// a report needs (submission time, customer, service, severity, channel, 21Vianet's code). Each
// day is spread over SHARDS partitions by escalation id, so no single partition takes every
// status change of the day (Table Storage serves about 2,000 entities/s per partition; Azurite
// looks a row up by scanning its partition). Rows are upserted once per history entry, so a
// retried write is the same row; a report reads the day partitions its window overlaps.
// Beside them, one partition lists the escalations 21Vianet has and has not answered yet, a row
// each from forwarding until the first 21Vianet response: a report finds those still waiting at
// its end however long ago they were forwarded, reading what waits now, never the history.
import { odata, type TableClient } from "@azure/data-tables";
import { z } from "zod";
import type { Escalation } from "../../domain/escalations/escalation.js";
import { Severity } from "../../domain/escalations/escalation-request.js";
import { vianetMilestones, type VianetMilestones } from "../../domain/metrics/facts.js";
import { StatusEvent } from "../../domain/metrics/status-event.js";
import { deleteIfPresent } from "./table-errors.js";
import { joinKey, timestampKey, toTableKey } from "./table-keys.js";

const DAY_MS = 24 * 60 * 60_000;

/** Partitions per day. */
const SHARDS = 16;

/** A stable small number from the escalation id (FNV-1a), the same for every event of it. */
function shardOf(escalationId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < escalationId.length; index++) {
    hash ^= escalationId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % SHARDS;
}

const dayPartition = (day: string, shard: number) => joinKey("events", day, String(shard).padStart(2, "0"));

function rowKey(at: string, escalationId: string, index: number): string {
  const key = toTableKey(timestampKey(new Date(at)), escalationId, String(index).padStart(4, "0"));
  if (!key.ok) throw new RangeError(`status event key too long for escalation ${escalationId}`);
  return key.key;
}

/** What every metrics row says of its escalation: who, what, how urgent, through which channel. */
function whatRowsSayOf(escalation: Escalation) {
  const channel = escalation.vianet?.channel ?? escalation.forwarding?.channel;
  return {
    escalationId: escalation.id,
    submittedAt: escalation.createdAt,
    tenantId: escalation.request.customer.tenantId,
    customerName: escalation.request.customer.name,
    service: escalation.request.service,
    severity: escalation.request.severity,
    ...(channel === undefined ? {} : { channel }),
  };
}

/** The rows for the history entries from `fromIndex` on. */
function eventRows(escalation: Escalation, fromIndex: number, milestones: VianetMilestones) {
  const about = whatRowsSayOf(escalation);
  const { history } = escalation;
  const atIndex = (index: number | undefined, upTo: number) =>
    index === undefined || index > upTo ? undefined : history[index]?.at;
  return history.slice(fromIndex).map((entry, offset) => {
    const forwardedAt = atIndex(milestones.forwarded, fromIndex + offset);
    const vianetRespondedAt = atIndex(milestones.firstResponse, fromIndex + offset);
    const event: StatusEvent = {
      ...about,
      at: entry.at,
      from: entry.from,
      to: entry.to,
      ...(entry.to === "rejected" && escalation.vianet?.code !== undefined
        ? { vianetCode: escalation.vianet.code }
        : {}),
      ...(forwardedAt === undefined ? {} : { forwardedAt }),
      ...(vianetRespondedAt === undefined ? {} : { vianetRespondedAt }),
    };
    // A null `from` is left out: Table Storage has no null property.
    const { from, ...stored } = event;
    return {
      partitionKey: dayPartition(entry.at.slice(0, 10), shardOf(escalation.id)),
      rowKey: rowKey(entry.at, escalation.id, fromIndex + offset),
      ...stored,
      ...(from === null ? {} : { from }),
    };
  });
}

export const WAITING_PARTITION = joinKey("vianet-waiting");

/** Oldest forwarding first. The forwarding time never changes, so the key is the same at every write. */
export function waitingRowKey(escalationId: string, forwardedAt: string): string {
  const key = toTableKey(timestampKey(new Date(forwardedAt)), escalationId);
  if (!key.ok) throw new RangeError(`waiting row key too long for escalation ${escalationId}`);
  return key.key;
}

/** What a report needs of an escalation 21Vianet has not answered yet. */
const WaitingRow = z.object({
  escalationId: z.string(),
  forwardedAt: z.iso.datetime(),
  submittedAt: z.iso.datetime(),
  tenantId: z.string(),
  customerName: z.string(),
  service: z.string(),
  severity: Severity,
  channel: z.enum(["partner-center", "portal"]).optional(),
});
export type WaitingForVianet = z.infer<typeof WaitingRow>;

/**
 * Keeps the escalation's row in the waiting partition in step with the history entries just
 * written: added with the forwarding, deleted with 21Vianet's first response (or when the
 * escalation left `forwarded` otherwise). A whole rewrite (`fromIndex` 0) puts either right.
 */
async function alignWaitingRow(
  table: TableClient,
  escalation: Escalation,
  fromIndex: number,
  milestones: VianetMilestones,
): Promise<void> {
  const { forwarded, firstResponse } = milestones;
  const forwardedAt = forwarded === undefined ? undefined : escalation.history[forwarded]?.at;
  if (forwarded === undefined || forwardedAt === undefined) return;
  const waiting = firstResponse === undefined && escalation.status === "forwarded";
  if (waiting) {
    if (forwarded < fromIndex) return;
    const row: WaitingForVianet = { ...whatRowsSayOf(escalation), forwardedAt };
    await table.upsertEntity(
      { partitionKey: WAITING_PARTITION, rowKey: waitingRowKey(escalation.id, forwardedAt), ...row },
      "Replace",
    );
    return;
  }
  const stoppedWaiting =
    fromIndex === 0 ||
    (firstResponse !== undefined && firstResponse >= fromIndex) ||
    escalation.history.slice(fromIndex).some((entry) => entry.from === "forwarded" && entry.to !== "forwarded");
  if (stoppedWaiting) await deleteIfPresent(table, WAITING_PARTITION, waitingRowKey(escalation.id, forwardedAt));
}

/**
 * Writes the status events of history entries `fromIndex` onwards (a new escalation: 0), and
 * keeps its row among those waiting for 21Vianet's first response in step.
 */
export async function writeStatusEvents(table: TableClient, escalation: Escalation, fromIndex: number): Promise<void> {
  const milestones = vianetMilestones(escalation.history);
  await Promise.all([
    ...eventRows(escalation, fromIndex, milestones).map((row) => table.upsertEntity(row, "Replace")),
    alignWaitingRow(table, escalation, fromIndex, milestones),
  ]);
}

/** The escalations forwarded to 21Vianet and not answered by it yet, oldest forwarding first: one partition. */
export async function readWaitingForVianet(table: TableClient): Promise<WaitingForVianet[]> {
  const waiting: WaitingForVianet[] = [];
  const filter = odata`PartitionKey eq ${WAITING_PARTITION}`;
  for await (const row of table.listEntities({ queryOptions: { filter } })) waiting.push(WaitingRow.parse(row));
  return waiting;
}

/** The UTC days [from, to) touches, oldest first. */
export function daysOf(from: Date, to: Date): string[] {
  const days: string[] = [];
  for (
    let day = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
    day < to.getTime();
    day += DAY_MS
  ) {
    days.push(new Date(day).toISOString().slice(0, 10));
  }
  return days;
}

/** Status events that happened in [from, to), oldest first: one query per day and shard the window touches. */
export async function readStatusEvents(table: TableClient, from: Date, to: Date): Promise<StatusEvent[]> {
  const lower = timestampKey(from);
  const upper = timestampKey(to);
  const partitions = daysOf(from, to).flatMap((day) =>
    Array.from({ length: SHARDS }, (_, shard) => dayPartition(day, shard)),
  );
  const perPartition = await Promise.all(
    partitions.map(async (partition) => {
      const events: StatusEvent[] = [];
      const filter = odata`PartitionKey eq ${partition} and RowKey ge ${lower} and RowKey lt ${upper}`;
      for await (const row of table.listEntities({ queryOptions: { filter } })) {
        events.push(StatusEvent.parse({ from: null, ...row }));
      }
      return events;
    }),
  );
  return perPartition.flat().sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}
