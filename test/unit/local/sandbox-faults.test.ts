// The sandbox's fault queue: random faults at set rates come from a seeded generator, queued
// faults come first, and every fault handed out is counted by kind.
import { describe, expect, it } from "vitest";
import { FaultQueue, seededRandom } from "../../../local/vianet-sandbox/faults.js";

function kindsOf(queue: FaultQueue, requests: number): (string | undefined)[] {
  return Array.from({ length: requests }, () => queue.take("create")?.kind);
}

describe("random faults", () => {
  it("when rates are set, then about that share of requests gets each kind, and the counts say how many did", () => {
    const queue = new FaultQueue();
    queue.setRandom({ operation: "create", rates: { "status-503": 0.05, "status-429": 0.02 }, seed: 42 });

    const kinds = kindsOf(queue, 10_000);

    const unavailable = kinds.filter((kind) => kind === "status-503").length;
    const throttled = kinds.filter((kind) => kind === "status-429").length;
    expect(unavailable).toBeGreaterThan(400);
    expect(unavailable).toBeLessThan(600);
    expect(throttled).toBeGreaterThan(120);
    expect(throttled).toBeLessThan(280);
    expect(queue.injectedCounts()).toEqual({ "status-503": unavailable, "status-429": throttled });
  });

  it("when the same seed is set again, then the same sequence of requests draws the same faults", () => {
    const first = new FaultQueue();
    const second = new FaultQueue();
    const spec = { operation: "create", rates: { timeout: 0.1, "created-response-lost": 0.1 }, seed: 7 } as const;
    first.setRandom(spec);
    second.setRandom(spec);

    expect(kindsOf(first, 200)).toEqual(kindsOf(second, 200));
  });

  it("when a fault is queued as well, then the queued one comes first and random ones only hit their operation", () => {
    const queue = new FaultQueue();
    queue.setRandom({ operation: "create", rates: { "status-503": 1 } });
    queue.add({ operation: "create", kind: "status-429" });

    expect(queue.take("create")?.kind).toBe("status-429");
    expect(queue.take("create")?.kind).toBe("status-503");
    expect(queue.take("list")).toBeUndefined();
  });

  it("when cleared, then no fault is drawn any more but the counts stay until a reset", () => {
    const queue = new FaultQueue();
    queue.setRandom({ operation: "any", rates: { "status-503": 1 } });
    expect(queue.take("token")?.kind).toBe("status-503");

    queue.clear();
    expect(queue.take("token")).toBeUndefined();
    expect(queue.injectedCounts()).toEqual({ "status-503": 1 });
    queue.reset();
    expect(queue.injectedCounts()).toEqual({});
  });

  it("when the rates add up to more than 1, then they are refused", () => {
    expect(() => new FaultQueue().setRandom({ rates: { "status-503": 0.6, timeout: 0.5 } })).toThrow(/at most 1/);
  });

  it("draws numbers in [0, 1)", () => {
    const next = seededRandom(1);
    const draws = Array.from({ length: 1_000 }, next);
    expect(draws.every((draw) => draw >= 0 && draw < 1)).toBe(true);
    expect(new Set(draws).size).toBe(1_000);
  });
});
