// Idempotency keys in Table Storage: one entity per (caller, key). Creating it is the claim, so
// of concurrent requests with one key exactly one wins; the key itself is hashed into the
// RowKey, since a 255-character key may hold anything. The entity keeps the key's reservation
// (the escalation id) through releases and takeovers, until the key itself expires.
import { createHash } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { z } from "zod";
import {
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_RETENTION_MS,
  type ClaimResult,
  type IdempotencyStore,
  type StoredResponse,
} from "../../domain/escalations/idempotency.js";
import { joinKey } from "./table-keys.js";
import { tableStatusOf } from "./table-errors.js";

const IdempotencyEntity = z.object({
  etag: z.string(),
  fingerprint: z.string(),
  state: z.enum(["in-flight", "completed", "released"]),
  /** Absent on claims stored before reservations existed. */
  reservation: z.string().optional(),
  claimedAt: z.string(),
  completedAt: z.string().optional(),
  response: z.string().optional(),
});

const StoredResponseSchema = z.object({
  status: z.number().int(),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
});

function keysOf(scope: string, key: string): { partitionKey: string; rowKey: string } {
  return { partitionKey: joinKey("idempotency", scope), rowKey: createHash("sha256").update(key).digest("hex") };
}

export class TableIdempotencyStore implements IdempotencyStore {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  async claim(scope: string, key: string, fingerprint: string, now: Date, reservation: string): Promise<ClaimResult> {
    const keys = keysOf(scope, key);
    const fresh = { ...keys, fingerprint, state: "in-flight", claimedAt: now.toISOString(), reservation };
    try {
      await this.#table.createEntity(fresh);
      return { state: "claimed", reservation, resumed: false };
    } catch (error) {
      if (tableStatusOf(error) !== 409) throw error;
    }
    let existing: z.infer<typeof IdempotencyEntity>;
    try {
      existing = IdempotencyEntity.parse(await this.#table.getEntity(keys.partitionKey, keys.rowKey));
    } catch (error) {
      // Deleted between our create and this read (an expired key cleaned up): the caller may simply retry.
      if (tableStatusOf(error) === 404) return { state: "in-flight" };
      throw error;
    }
    // A completed key past retention is forgotten: the same key may start a new escalation.
    if (
      existing.state === "completed" &&
      now.getTime() - Date.parse(existing.completedAt ?? existing.claimedAt) > IDEMPOTENCY_RETENTION_MS
    ) {
      return this.#takeOver(fresh, existing.etag, { reservation, resumed: false });
    }
    if (existing.fingerprint !== fingerprint) return { state: "mismatch" };
    if (existing.state === "completed")
      return { state: "completed", response: StoredResponseSchema.parse(JSON.parse(existing.response ?? "null")) };
    // Released after a failure, or abandoned by a crashed attempt: carry on with its reservation.
    if (existing.state === "released" || now.getTime() - Date.parse(existing.claimedAt) > IDEMPOTENCY_LEASE_MS) {
      const kept = existing.reservation ?? reservation;
      return this.#takeOver({ ...fresh, reservation: kept }, existing.etag, { reservation: kept, resumed: true });
    }
    return { state: "in-flight" };
  }

  async #takeOver(
    entity: Record<string, unknown> & { partitionKey: string; rowKey: string },
    etag: string,
    claim: { reservation: string; resumed: boolean },
  ): Promise<ClaimResult> {
    try {
      await this.#table.updateEntity(entity, "Replace", { etag });
      return { state: "claimed", ...claim };
    } catch (error) {
      if (tableStatusOf(error) === 412) return { state: "in-flight" };
      throw error;
    }
  }

  async complete(scope: string, key: string, response: StoredResponse, now: Date): Promise<void> {
    await this.#table.updateEntity(
      { ...keysOf(scope, key), state: "completed", completedAt: now.toISOString(), response: JSON.stringify(response) },
      "Merge",
    );
  }

  async release(scope: string, key: string): Promise<void> {
    try {
      await this.#table.updateEntity({ ...keysOf(scope, key), state: "released" }, "Merge");
    } catch (error) {
      if (tableStatusOf(error) !== 404) throw error;
    }
  }
}
