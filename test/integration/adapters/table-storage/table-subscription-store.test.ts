// Subscriptions in Table Storage against Azurite with the real SDK: stored and read back whole,
// listed per caller oldest first, all of them for the fan-out, deleted once, damaged rows refused.
import { TableClient } from "@azure/data-tables";
import { describe, expect, inject, it } from "vitest";
import { freshTable } from "./fresh-table.js";
import {
  InvalidStoredSubscriptionError,
  TableSubscriptionStore,
} from "../../../../shared/adapters/table-storage/table-subscription-store.js";
import { joinKey } from "../../../../shared/adapters/table-storage/table-keys.js";
import type { Subscription } from "../../../../shared/domain/events/subscription.js";
import { recordTableOperations, type TimedTableOperation } from "../../../builders/table-operations.js";

function buildSubscription(overrides: Partial<Subscription> = {}): Subscription {
  return {
    id: "sub_0001",
    callerId: "contoso-desk",
    tenants: ["6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"],
    url: "https://psa.example.com/hooks/escalations?token=abc",
    events: ["escalation.forwarded", "escalation.note_added"],
    format: "json",
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    description: "PSA tool — 工单",
    createdAt: "2026-11-26T08:00:00.000Z",
    ...overrides,
  };
}

describe("TableSubscriptionStore against Azurite", () => {
  const table = freshTable("subscriptions");
  const store = new TableSubscriptionStore(table);

  it("when a subscription is created, then get answers it whole, and an unknown id answers undefined", async () => {
    const subscription = buildSubscription();
    await store.create(subscription);
    expect(await store.get("sub_0001")).toEqual(subscription);
    expect(await store.get("sub_missing")).toBeUndefined();
  });

  it("when several callers subscribe, then each lists only its own, oldest first, and all lists every one", async () => {
    await store.create(
      buildSubscription({ id: "sub_0003", createdAt: "2026-11-26T09:00:00.000Z", events: ["*"], tenants: "all" }),
    );
    await store.create(buildSubscription({ id: "sub_0002", createdAt: "2026-11-26T08:30:00.000Z", format: "teams" }));
    const withoutDescription = buildSubscription({ id: "sub_0004", callerId: "fabrikam-desk" });
    delete withoutDescription.description;
    await store.create(withoutDescription);

    expect((await store.listByCaller("contoso-desk")).map((s) => s.id)).toEqual(["sub_0001", "sub_0002", "sub_0003"]);
    expect(await store.listByCaller("fabrikam-desk")).toEqual([withoutDescription]);
    expect(await store.listByCaller("nobody")).toEqual([]);
    const all = await store.all();
    expect(all.map((s) => s.id).sort()).toEqual(["sub_0001", "sub_0002", "sub_0003", "sub_0004"]);
    expect(all.find((s) => s.id === "sub_0003")).toMatchObject({ events: ["*"], tenants: "all" });
  });

  it("when a subscription is deleted, then true once and false after, and it is gone from every read", async () => {
    expect(await store.delete("sub_0002")).toBe(true);
    expect(await store.delete("sub_0002")).toBe(false);
    expect(await store.get("sub_0002")).toBeUndefined();
    expect((await store.listByCaller("contoso-desk")).map((s) => s.id)).toEqual(["sub_0001", "sub_0003"]);
    expect((await store.all()).map((s) => s.id)).not.toContain("sub_0002");
  });

  it("when the id is taken, then create throws and the first subscription stays", async () => {
    await expect(store.create(buildSubscription({ url: "https://other.example.com/" }))).rejects.toThrow();
    expect((await store.get("sub_0001"))?.url).toBe(buildSubscription().url);
  });

  it("when a row is damaged, then reading it throws InvalidStoredSubscriptionError", async () => {
    await table.upsertEntity({
      partitionKey: joinKey("subscription"),
      rowKey: joinKey("sub_damaged"),
      callerId: "contoso-desk",
      document: JSON.stringify({ id: "sub_damaged", events: ["escalation.lost"] }),
    });
    await expect(store.get("sub_damaged")).rejects.toBeInstanceOf(InvalidStoredSubscriptionError);
    await expect(store.all()).rejects.toBeInstanceOf(InvalidStoredSubscriptionError);
    await table.deleteEntity(joinKey("subscription"), joinKey("sub_damaged"));
  });

  it("when other rows share the table, then the subscriptions' reads never see them", async () => {
    // A row of another kind with a caller column and a document: only the subscriptions' partition is read.
    await table.upsertEntity({
      partitionKey: joinKey("esc_0001"),
      rowKey: joinKey("escalation"),
      callerId: "contoso-desk",
      document: "{}",
    });
    expect((await store.listByCaller("contoso-desk")).map((s) => s.id)).toEqual(["sub_0001", "sub_0003"]);
    expect(await store.all()).toHaveLength(3);
  });

  it("when the fan-out's store remembers the set, then it reads the partition again only after a create or delete, by any store", async () => {
    const operations: TimedTableOperation[] = [];
    const fanOutTable = recordTableOperations(
      TableClient.fromConnectionString(inject("tableConnectionString"), table.tableName, {
        allowInsecureConnection: true,
      }),
      operations,
    );
    const remembering = new TableSubscriptionStore(fanOutTable, { remembersAll: true });
    const before = (await remembering.all()).map((s) => s.id).sort();
    operations.length = 0;

    expect((await remembering.all()).map((s) => s.id).sort()).toEqual(before);
    expect(operations.map((operation) => operation.kind)).toEqual(["get"]);

    await store.create(buildSubscription({ id: "sub_0005", createdAt: "2026-11-26T10:00:00.000Z" }));
    expect((await remembering.all()).map((s) => s.id)).toContain("sub_0005");
    expect(await store.delete("sub_0005")).toBe(true);
    expect((await remembering.all()).map((s) => s.id)).not.toContain("sub_0005");
    expect((await remembering.all()).map((s) => s.id).sort()).toEqual(before);
  });
});
