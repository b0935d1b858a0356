// Idempotency keys in Azurite: one claim among concurrent requests, replay, mismatch, takeover.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { freshTable } from "./fresh-table.js";
import { TableIdempotencyStore } from "../../../../shared/adapters/table-storage/table-idempotency-store.js";

const accepted = { status: 202, headers: { location: "/api/escalations/esc-1" }, body: '{"id":"esc-1"}' };
const at = (iso: string) => new Date(iso);
const RESERVED = "esc-reserved";
const claimed = (reservation = RESERVED, resumed = false) => ({ state: "claimed", reservation, resumed });

describe("TableIdempotencyStore", () => {
  const table = freshTable("idem");
  const store = new TableIdempotencyStore(table);

  it("when twenty requests claim one key at once, then exactly one wins", async () => {
    const key = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => store.claim("caller-a", key, "f1", at("2026-11-26T08:00:00Z"), RESERVED)),
    );
    expect(results.filter((result) => result.state === "claimed")).toHaveLength(1);
    expect(results.filter((result) => result.state === "in-flight")).toHaveLength(19);
  });

  it("when a claim is completed, then the same body replays it and another body is a mismatch", async () => {
    const key = "order 42 / retry #3 ? \u4e2d\u6587 \u{1f600}";
    expect(await store.claim("caller-a", key, "f1", at("2026-11-26T08:00:00Z"), RESERVED)).toEqual(claimed());
    await store.complete("caller-a", key, accepted, at("2026-11-26T08:00:01Z"));
    expect(await store.claim("caller-a", key, "f1", at("2026-11-26T08:05:00Z"), RESERVED)).toEqual({
      state: "completed",
      response: accepted,
    });
    expect(await store.claim("caller-a", key, "f2", at("2026-11-26T08:05:00Z"), RESERVED)).toEqual({
      state: "mismatch",
    });
    expect(await store.claim("caller-b", key, "f2", at("2026-11-26T08:05:00Z"), RESERVED)).toEqual(claimed());
  });

  it("when a claim is released, then the key can be claimed again at once, for the escalation it reserved first; another body is still a mismatch", async () => {
    const key = randomUUID();
    await store.claim("caller-a", key, "f1", at("2026-11-26T08:00:00Z"), RESERVED);
    await store.release("caller-a", key);
    expect(await store.claim("caller-a", key, "f2", at("2026-11-26T08:00:01Z"), "esc-other")).toEqual({
      state: "mismatch",
    });
    expect(await store.claim("caller-a", key, "f1", at("2026-11-26T08:00:01Z"), "esc-other")).toEqual(
      claimed(RESERVED, true),
    );
    expect(await store.claim("caller-a", key, "f1", at("2026-11-26T08:00:02Z"), "esc-other")).toEqual({
      state: "in-flight",
    });
  });

  it("when a released key is claimed by many requests at once, then exactly one takes it over", async () => {
    const key = randomUUID();
    await store.claim("caller-a", key, "f1", at("2026-11-26T08:00:00Z"), RESERVED);
    await store.release("caller-a", key);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        store.claim("caller-a", key, "f1", at("2026-11-26T08:00:01Z"), `esc-${String(index)}`),
      ),
    );
    expect(results.filter((result) => result.state === "claimed")).toEqual([claimed(RESERVED, true)]);
  });

  it("when a claim outlives its lease (a crashed attempt), then the next request takes it over", async () => {
    const key = randomUUID();
    await store.claim("caller-a", key, "f1", at("2026-11-26T08:00:00Z"), RESERVED);
    expect(await store.claim("caller-a", key, "f1", at("2026-11-26T08:00:30Z"), RESERVED)).toEqual({
      state: "in-flight",
    });
    expect(await store.claim("caller-a", key, "f1", at("2026-11-26T08:01:00Z"), "esc-other")).toEqual(
      claimed(RESERVED, true),
    );
  });

  it("when a completed key is older than seven days, then it is forgotten", async () => {
    const key = randomUUID();
    await store.claim("caller-a", key, "f1", at("2026-11-01T08:00:00Z"), RESERVED);
    await store.complete("caller-a", key, accepted, at("2026-11-01T08:00:01Z"));
    expect(await store.claim("caller-a", key, "f2", at("2026-11-08T08:00:02Z"), "esc-new")).toEqual(
      claimed("esc-new", false),
    );
  });
});
