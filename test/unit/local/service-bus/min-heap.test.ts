import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { MinHeap } from "../../../../local/service-bus/min-heap.js";

function numberHeap(items: number[] = []): MinHeap<number> {
  const heap = new MinHeap<number>((a, b) => a < b);
  for (const item of items) heap.push(item);
  return heap;
}

function drain<T>(heap: MinHeap<T>): T[] {
  const out: T[] = [];
  for (let item = heap.pop(); item !== undefined; item = heap.pop()) out.push(item);
  return out;
}

describe("MinHeap", () => {
  it("when empty, then size is 0 and peek and pop give undefined", () => {
    const heap = numberHeap();

    expect(heap.size).toBe(0);
    expect(heap.peek()).toBeUndefined();
    expect(heap.pop()).toBeUndefined();
  });

  it("when items are pushed in any order, then they pop in ascending order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1_000, max: 1_000 }), { maxLength: 200 }), (items) => {
        const heap = numberHeap(items);

        expect(heap.size).toBe(items.length);
        expect(drain(heap)).toEqual([...items].sort((a, b) => a - b));
      }),
    );
  });

  it("when pushes and pops interleave, then every pop returns the smallest item present", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constant("pop" as const)), { maxLength: 300 }),
        (operations) => {
          const heap = numberHeap();
          const model: number[] = [];
          for (const operation of operations) {
            if (operation === "pop") {
              model.sort((a, b) => a - b);
              expect(heap.pop()).toBe(model.shift());
            } else {
              heap.push(operation);
              model.push(operation);
            }
            expect(heap.peek()).toBe(model.length === 0 ? undefined : Math.min(...model));
            expect(heap.size).toBe(model.length);
          }
        },
      ),
    );
  });

  it("when ordered by a key, then objects pop by that key", () => {
    const heap = new MinHeap<{ at: number; name: string }>((a, b) => a.at < b.at);
    heap.push({ at: 30, name: "c" });
    heap.push({ at: 10, name: "a" });
    heap.push({ at: 20, name: "b" });

    expect(drain(heap).map((item) => item.name)).toEqual(["a", "b", "c"]);
  });

  it("when cleared, then it is empty and usable again", () => {
    const heap = numberHeap([3, 1, 2]);

    heap.clear();
    heap.push(5);

    expect(heap.size).toBe(1);
    expect(drain(heap)).toEqual([5]);
  });
});
