// One read-decide-write loop for changes that race other writers.
import { describe, expect, it } from "vitest";
import { changeEscalation } from "../../../../shared/domain/escalations/change-escalation.js";
import type { Escalation } from "../../../../shared/domain/escalations/escalation.js";
import type { InMemoryEscalationStore } from "./fakes.js";
import { queuedEscalation } from "../forwarding/fakes.js";

const noted = (escalation: Escalation, note: string): Escalation => ({ ...escalation, updatedAt: note });

describe("changeEscalation", () => {
  it("when another writer changes the escalation between the read and the write, then it reads again and writes on the new version", async () => {
    const { store, escalation } = await queuedEscalation();
    let raced = false;
    const racing = Object.assign(Object.create(store) as InMemoryEscalationStore, {
      get: (id: string) => store.get(id),
      replace: async (next: Escalation, etag: string) => {
        if (!raced) {
          raced = true;
          const latest = await store.get(next.id);
          if (latest) await store.replace(noted(latest.value, "2026-11-26T09:00:00.000Z"), latest.etag);
        }
        return store.replace(next, etag);
      },
    });
    const seen: string[] = [];
    const outcome = await changeEscalation(racing, escalation.id, ({ value }) => {
      seen.push(value.updatedAt);
      return { write: { ...value, dispatch: "sent" }, answer: "done" };
    });
    expect(outcome).toMatchObject({ ok: true, answer: "done", wrote: true });
    expect(seen).toEqual([escalation.updatedAt, "2026-11-26T09:00:00.000Z"]);
    expect((await store.get(escalation.id))?.value).toMatchObject({
      dispatch: "sent",
      updatedAt: "2026-11-26T09:00:00.000Z",
    });
  });

  it("when every write loses, then kept-changing after the attempts; a stop writes nothing; a missing or hidden escalation is not-found", async () => {
    const { store, escalation } = await queuedEscalation();
    const alwaysBehind = Object.assign(Object.create(store) as InMemoryEscalationStore, {
      get: (id: string) => store.get(id),
      replace: () => Promise.resolve({ ok: false as const, error: "conflict" as const }),
    });
    expect(
      await changeEscalation(alwaysBehind, escalation.id, ({ value }) => ({ write: value, answer: 1 }), 2),
    ).toEqual({ ok: false, error: "kept-changing" });
    expect(await changeEscalation(store, escalation.id, () => ({ stop: "unchanged" }))).toMatchObject({
      ok: true,
      answer: "unchanged",
      wrote: false,
    });
    expect(await changeEscalation(store, "esc-none", () => ({ stop: 1 }))).toEqual({ ok: false, error: "not-found" });
    expect(await changeEscalation(store, escalation.id, () => undefined)).toEqual({ ok: false, error: "not-found" });
  });

  it("when given the version the caller read, then it writes on it without reading; when that version is stale, then it reads afresh with every attempt left", async () => {
    const { store, escalation } = await queuedEscalation();
    const reads: string[] = [];
    const counting = Object.assign(Object.create(store) as InMemoryEscalationStore, {
      get: (id: string) => {
        reads.push(id);
        return store.get(id);
      },
      replace: (next: Escalation, etag: string) => store.replace(next, etag),
    });
    const read = await store.get(escalation.id);
    if (read === undefined) throw new Error("gone");

    const first = await changeEscalation(
      counting,
      escalation.id,
      ({ value }) => ({ write: noted(value, "a"), answer: 1 }),
      3,
      read,
    );
    expect(first).toMatchObject({ ok: true, wrote: true });
    expect(reads).toEqual([]);

    const stale = await changeEscalation(
      counting,
      escalation.id,
      ({ value }) => ({ write: noted(value, "b"), answer: 2 }),
      1,
      read,
    );
    expect(stale).toMatchObject({ ok: true, wrote: true });
    expect(reads).toEqual([escalation.id]);
    expect((await store.get(escalation.id))?.value.updatedAt).toBe("b");
  });
});
