// Event subscriptions in the escalations table: one partition of their own (tens of rows, read
// whole for every event's fan-out), a row per subscription keyed by its id, the subscription as a
// JSON document checked by a schema when read, and the caller as a column to list by. Beside them
// a version row, written in the same transaction as every create and delete, so a reader can tell
// by one point read whether the set it read last is still the set.
import { odata, type TableClient, type TableEntityResult } from "@azure/data-tables";
import { z } from "zod";
import { BridgeError } from "../../lib/errors.js";
import { parseJsonOrUndefined } from "../../lib/parse-json.js";
import { EVENT_TYPES, type Subscription, type SubscriptionStore } from "../../domain/events/subscription.js";
import { EVENT_FORMATS } from "../../domain/events/manage-subscriptions.js";
import { joinKey } from "./table-keys.js";
import { tableStatusOf } from "./table-errors.js";

const PARTITION = joinKey("subscription");
/** Two components: no subscription's key (one component, never holding "!") can be this. */
const VERSION_ROW = joinKey("subscriptions", "version");

/** A stored subscription, as written by this adapter; anything else is damaged data. */
const StoredSubscription = z.object({
  id: z.string().min(1),
  callerId: z.string().min(1),
  tenants: z.union([z.literal("all"), z.array(z.string())]),
  url: z.string().min(1),
  events: z.union([z.tuple([z.literal("*")]), z.array(z.enum(EVENT_TYPES))]),
  format: z.enum(EVENT_FORMATS),
  secret: z.string().startsWith("whsec_"),
  description: z.string().optional(),
  createdAt: z.string().min(1),
});

/** A row that is not what this adapter writes: damaged data or a bug, never user input. */
export class InvalidStoredSubscriptionError extends BridgeError {
  override readonly name = "InvalidStoredSubscriptionError";

  constructor(message: string) {
    super("invalid-stored-data", message);
  }
}

function fromSubscriptionEntity(row: TableEntityResult<Record<string, unknown>>): Subscription {
  const document = typeof row.document === "string" ? parseJsonOrUndefined(row.document) : undefined;
  const parsed = StoredSubscription.safeParse(document);
  if (!parsed.success)
    throw new InvalidStoredSubscriptionError(`subscription row ${row.rowKey ?? "?"}: ${parsed.error.message}`);
  const { description, ...subscription } = parsed.data;
  return description === undefined ? subscription : { ...subscription, description };
}

/** The version row as written with a change: any write gives it a new ETag. */
const versionRow = () => ({ partitionKey: PARTITION, rowKey: VERSION_ROW, changedAt: new Date().toISOString() });

export class TableSubscriptionStore implements SubscriptionStore {
  readonly #table: TableClient;
  readonly #remembersAll: boolean;
  /** The set `all` read last, with the version row's ETag read just before it ("none" before any write of it). */
  #lastAll: { version: string; subscriptions: Subscription[] } | undefined;

  /**
   * `remembersAll`: `all` reads the version row (a point read) and answers the set it read last
   * while that row is unchanged, instead of reading the partition again; for the fan-out, which
   * reads every subscription for every change. Every create and delete changes the row in the
   * same transaction, so no change made through this adapter is ever missed: a set read before a
   * change is never answered after it.
   */
  constructor(table: TableClient, options: { remembersAll?: boolean } = {}) {
    this.#table = table;
    this.#remembersAll = options.remembersAll ?? false;
  }

  /** Ids are random: a taken one (409 from the SDK) is a bug, and thrown as it is. */
  async create(subscription: Subscription): Promise<void> {
    await this.#table.submitTransaction([
      [
        "create",
        {
          partitionKey: PARTITION,
          rowKey: joinKey(subscription.id),
          callerId: subscription.callerId,
          createdAt: subscription.createdAt,
          document: JSON.stringify(subscription),
        },
      ],
      ["upsert", versionRow(), "Replace"],
    ]);
  }

  async get(id: string): Promise<Subscription | undefined> {
    try {
      return fromSubscriptionEntity(await this.#table.getEntity(PARTITION, joinKey(id)));
    } catch (error) {
      if (tableStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async listByCaller(callerId: string): Promise<Subscription[]> {
    return this.#list(odata`PartitionKey eq ${PARTITION} and callerId eq ${callerId}`);
  }

  async delete(id: string): Promise<boolean> {
    try {
      await this.#table.submitTransaction([
        ["delete", { partitionKey: PARTITION, rowKey: joinKey(id) }],
        ["upsert", versionRow(), "Replace"],
      ]);
      return true;
    } catch (error) {
      if (tableStatusOf(error) === 404) return false;
      throw error;
    }
  }

  async all(): Promise<Subscription[]> {
    if (!this.#remembersAll) return this.#list(odata`PartitionKey eq ${PARTITION}`);
    // Read before the set: a change landing between the two is seen as a new version next time.
    const version = await this.#version();
    if (this.#lastAll?.version !== version) {
      this.#lastAll = { version, subscriptions: await this.#list(odata`PartitionKey eq ${PARTITION}`) };
    }
    return structuredClone(this.#lastAll.subscriptions);
  }

  async #version(): Promise<string> {
    try {
      return (await this.#table.getEntity(PARTITION, VERSION_ROW, { queryOptions: { select: ["changedAt"] } })).etag;
    } catch (error) {
      if (tableStatusOf(error) === 404) return "none";
      throw error;
    }
  }

  /** Oldest first: ids are time-ordered too, but creation time is what the port promises. */
  async #list(filter: string): Promise<Subscription[]> {
    const subscriptions: Subscription[] = [];
    for await (const row of this.#table.listEntities({ queryOptions: { filter } }))
      if (row.rowKey !== VERSION_ROW) subscriptions.push(fromSubscriptionEntity(row));
    return subscriptions.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }
}
