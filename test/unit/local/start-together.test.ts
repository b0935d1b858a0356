// How `npm start` starts its emulators at the same time: all running, or, when one cannot start,
// none left running and every failure named by its part.
import { describe, expect, it } from "vitest";
import { StartFailedError, startTogether } from "../../../local/start-together.js";

/** A stand-in for an emulator that records whether it was closed. */
class FakePart {
  closed = false;

  constructor(readonly name: string) {}

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

const later = <T>(value: T, ms: number) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const failLater = (message: string, ms: number) =>
  new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error(message)), ms));

describe("startTogether", () => {
  it("when every part starts, then each is returned by its name and none is closed", async () => {
    const storage = new FakePart("storage");
    const queue = new FakePart("queue");

    const started = await startTogether({ storage: later(storage, 5), queue: Promise.resolve(queue) });

    expect(started.storage).toBe(storage);
    expect(started.queue).toBe(queue);
    expect([storage.closed, queue.closed]).toEqual([false, false]);
  });

  it("when a part is not needed, then it is undefined and the others start", async () => {
    const queue = new FakePart("queue");

    const started = await startTogether({ storage: Promise.resolve(undefined), queue: Promise.resolve(queue) });

    expect(started).toEqual({ storage: undefined, queue });
  });

  it("when one part fails while a slower one is still starting, then the slower one is closed once up and the failure names its part", async () => {
    const storage = new FakePart("storage");
    const sandbox = new FakePart("sandbox");

    const outcome = startTogether({
      Azurite: later(storage, 20),
      "the Service Bus emulator": failLater("listen EADDRINUSE: address already in use 127.0.0.1:5672", 1),
      "the sandbox": Promise.resolve(sandbox),
    });

    await expect(outcome).rejects.toThrow(
      "the Service Bus emulator could not start: listen EADDRINUSE: address already in use 127.0.0.1:5672",
    );
    expect([storage.closed, sandbox.closed]).toEqual([true, true]);
  });

  it("when several parts fail, then each failure is reported", async () => {
    const error = await startTogether({
      Azurite: failLater("exited with 1", 1),
      "the Service Bus emulator": failLater("ENOTDIR", 2),
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(StartFailedError);
    expect(error instanceof StartFailedError ? error.failures.map((failure) => failure.part) : []).toEqual([
      "Azurite",
      "the Service Bus emulator",
    ]);
  });
});
