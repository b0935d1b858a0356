// Idempotency keys: replay, mismatch, in flight, release on failure.
import { describe, expect, it } from "vitest";
import { INTAKE_SEND_DEADLINE_MS } from "../../../../shared/adapters/service-bus/service-bus-escalation-queue.js";
import {
  checkIdempotencyKey,
  fingerprintOf,
  IDEMPOTENCY_LEASE_MS,
  runIdempotently,
} from "../../../../shared/domain/escalations/idempotency.js";
import { InMemoryIdempotencyStore } from "./fakes.js";

const now = () => new Date("2026-11-26T08:00:00.000Z");
const reservation = () => "esc-reserved";
const accepted = {
  status: 202,
  headers: { location: "/api/escalations/esc-1" },
  body: '{"id":"esc-1","status":"queued"}',
};

describe("runIdempotently", () => {
  it("when the same key and body come twice, then the work runs once and the first answer is replayed", async () => {
    const store = new InMemoryIdempotencyStore();
    let runs = 0;
    const work = () => {
      runs++;
      return Promise.resolve(accepted);
    };
    const first = await runIdempotently(
      store,
      { scope: "caller-a", key: "k1", fingerprint: "f1", now, reservation },
      work,
    );
    const second = await runIdempotently(
      store,
      { scope: "caller-a", key: "k1", fingerprint: "f1", now, reservation },
      work,
    );
    expect(first).toEqual({ kind: "fresh", response: accepted });
    expect(second).toEqual({ kind: "replayed", response: accepted });
    expect(runs).toBe(1);
  });

  it("when the same key comes with another body, then it is a mismatch and the work does not run", async () => {
    const store = new InMemoryIdempotencyStore();
    await runIdempotently(store, { scope: "caller-a", key: "k1", fingerprint: "f1", now, reservation }, () =>
      Promise.resolve(accepted),
    );
    let ran = false;
    const outcome = await runIdempotently(
      store,
      { scope: "caller-a", key: "k1", fingerprint: "f2", now, reservation },
      () => {
        ran = true;
        return Promise.resolve(accepted);
      },
    );
    expect(outcome).toEqual({ kind: "mismatch" });
    expect(ran).toBe(false);
  });

  it("when the first request is still running, then a second with the key is in flight", async () => {
    const store = new InMemoryIdempotencyStore();
    let finish: (() => void) | undefined;
    const slow = runIdempotently(
      store,
      { scope: "caller-a", key: "k1", fingerprint: "f1", now, reservation },
      () => new Promise((resolve) => (finish = () => resolve(accepted))),
    );
    const second = await runIdempotently(
      store,
      { scope: "caller-a", key: "k1", fingerprint: "f1", now, reservation },
      () => Promise.resolve(accepted),
    );
    expect(second).toEqual({ kind: "in-flight" });
    finish?.();
    expect(await slow).toEqual({ kind: "fresh", response: accepted });
  });

  it("when keys are equal but callers differ, then they do not meet", async () => {
    const store = new InMemoryIdempotencyStore();
    await runIdempotently(store, { scope: "caller-a", key: "k1", fingerprint: "f1", now, reservation }, () =>
      Promise.resolve(accepted),
    );
    expect(
      (
        await runIdempotently(store, { scope: "caller-b", key: "k1", fingerprint: "f2", now, reservation }, () =>
          Promise.resolve(accepted),
        )
      ).kind,
    ).toBe("fresh");
  });

  it("when the work throws or answers a server error, then the key is released for a retry", async () => {
    const store = new InMemoryIdempotencyStore();
    await expect(
      runIdempotently(store, { scope: "a", key: "k", fingerprint: "f", now, reservation }, () =>
        Promise.reject(new Error("storage down")),
      ),
    ).rejects.toThrow("storage down");
    await runIdempotently(store, { scope: "a", key: "k", fingerprint: "f", now, reservation }, () =>
      Promise.resolve({ status: 503, headers: {}, body: "" }),
    );
    expect(
      (
        await runIdempotently(store, { scope: "a", key: "k", fingerprint: "f", now, reservation }, () =>
          Promise.resolve(accepted),
        )
      ).kind,
    ).toBe("fresh");
  });
});

describe("the idempotency lease", () => {
  it("when the intake's queue send runs to its deadline, then the claim is still held, so a retry waits rather than takes it over", () => {
    expect(INTAKE_SEND_DEADLINE_MS).toBeLessThan(IDEMPOTENCY_LEASE_MS);
  });
});

describe("checkIdempotencyKey", () => {
  it("when the key is absent, valid, too long or has spaces, then it says so", () => {
    expect(checkIdempotencyKey(null)).toEqual({ ok: true, key: undefined });
    expect(checkIdempotencyKey("a".repeat(255))).toEqual({ ok: true, key: "a".repeat(255) });
    expect(checkIdempotencyKey("a".repeat(256)).ok).toBe(false);
    expect(checkIdempotencyKey("two words").ok).toBe(false);
    expect(checkIdempotencyKey("").ok).toBe(false);
  });
});

describe("fingerprintOf", () => {
  it("when two bodies differ only in key order, then they share a fingerprint; a changed value does not", () => {
    expect(fingerprintOf({ a: 1, b: { c: [1, 2], d: "x" } })).toBe(fingerprintOf({ b: { d: "x", c: [1, 2] }, a: 1 }));
    expect(fingerprintOf({ a: 1 })).not.toBe(fingerprintOf({ a: 2 }));
    expect(fingerprintOf({ a: [1, 2] })).not.toBe(fingerprintOf({ a: [2, 1] }));
  });
});
