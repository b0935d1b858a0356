// With a data directory, the emulator keeps what it accepted across restarts and crashes.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { start, type RunningEmulator } from "../../../../local/service-bus/index.js";
import { createClient, receiveAtLeast } from "./helpers.js";

const config = {
  UserConfig: {
    Namespaces: [
      {
        Name: "durable",
        Queues: [
          { Name: "jobs", Properties: { LockDuration: "PT1M", MaxDeliveryCount: 5, RequiresDuplicateDetection: true } },
        ],
      },
    ],
  },
};

const CLI = fileURLToPath(new URL("../../../../dist/local/service-bus/cli.js", import.meta.url));

describe("Service Bus emulator: durability", () => {
  const directories: string[] = [];
  const running: RunningEmulator[] = [];
  const children: ChildProcess[] = [];

  function dataDir(): string {
    const directory = mkdtempSync(join(tmpdir(), "sb-durable-"));
    directories.push(directory);
    return directory;
  }

  async function startEmulator(dir?: string): Promise<RunningEmulator> {
    const emulator = await start({ port: 0, config, ...(dir ? { dataDir: dir } : {}) });
    running.push(emulator);
    return emulator;
  }

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
    for (const emulator of running.splice(0)) await emulator.close().catch(() => undefined);
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  it("when the emulator restarts on the same data directory, then messages, locks' counts, deferrals, schedules, dead letters and duplicate ids survive", async () => {
    const dir = dataDir();
    const first = await startEmulator(dir);
    const client = createClient(first.connectionString);
    const sender = client.createSender("jobs");
    await sender.sendMessages([
      { body: "to lock", messageId: "lock" },
      { body: "to defer", messageId: "defer" },
      { body: "to dead-letter", messageId: "dead" },
      { body: "untouched", messageId: "plain", applicationProperties: { kept: 7 } },
    ]);
    const scheduledAt = new Date(Date.now() + 2_500);
    const [scheduledSequence] = await sender.scheduleMessages(
      { body: "scheduled", messageId: "scheduled" },
      scheduledAt,
    );
    const receiver = client.createReceiver("jobs");
    const [toLock, toDefer, toDeadLetter] = await receiveAtLeast(receiver, 3);
    if (toLock === undefined || toDefer?.sequenceNumber === undefined || toDeadLetter === undefined)
      throw new Error("missing messages");
    await receiver.deferMessage(toDefer);
    await receiver.deadLetterMessage(toDeadLetter, {
      deadLetterReason: "Bad",
      deadLetterErrorDescription: "kept across restarts",
    });
    await client.close();
    await first.close();

    const second = await startEmulator(dir);
    const again = createClient(second.connectionString);
    const afterRestart = again.createReceiver("jobs");
    const peeked = await afterRestart.peekMessages(10);
    expect(peeked.map((message): unknown[] => [message.body, message.state])).toEqual([
      ["to lock", "active"],
      ["to defer", "deferred"],
      ["untouched", "active"],
      ["scheduled", "scheduled"],
    ]);
    expect(peeked[3]?.sequenceNumber?.toNumber()).toBe(Number(scheduledSequence));

    await again.createSender("jobs").sendMessages({ body: "duplicate of plain", messageId: "plain" });
    await again.createSender("jobs").sendMessages({ body: "new", messageId: "new" });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, scheduledAt.getTime() - Date.now() + 200)));
    const active = await receiveAtLeast(afterRestart, 4, 6_000);
    expect(active.map((message): unknown[] => [message.body, message.deliveryCount])).toEqual([
      ["to lock", 1],
      ["untouched", 0],
      ["scheduled", 0],
      ["new", 0],
    ]);
    expect(active[1]?.applicationProperties).toEqual({ kept: 7 });
    expect(Number(active[3]?.sequenceNumber)).toBeGreaterThan(Number(scheduledSequence));
    const [deferred] = await afterRestart.receiveDeferredMessages([toDefer.sequenceNumber]);
    expect(deferred?.body).toBe("to defer");
    const [dead] = await receiveAtLeast(again.createReceiver("jobs", { subQueueType: "deadLetter" }), 1);
    expect(dead?.deadLetterReason).toBe("Bad");
    expect(dead?.deadLetterErrorDescription).toBe("kept across restarts");
    await again.close();
  });

  it("when no data directory is given, then a restart starts empty", async () => {
    const first = await startEmulator();
    const client = createClient(first.connectionString);
    await client.createSender("jobs").sendMessages({ body: "memory only" });
    await client.close();
    await first.close();
    const second = await startEmulator();
    const again = createClient(second.connectionString);
    expect(await again.createReceiver("jobs").peekMessages(5)).toHaveLength(0);
    await again.close();
  });

  it("when the emulator process is killed outright, then every accepted message is there after a restart", async () => {
    expect(existsSync(CLI), "run `npm run build` first: the test starts the built CLI").toBe(true);
    const dir = dataDir();
    const configPath = join(dir, "Config.json");
    writeFileSync(configPath, JSON.stringify(config));
    const child = spawn(
      process.execPath,
      [CLI, "--port", "0", "--config", configPath, "--data-dir", join(dir, "data")],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(child);
    const connectionString = await new Promise<string>((resolve, reject) => {
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /connection string: (\S+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.once("exit", (code) => reject(new Error(`emulator exited with ${String(code)}: ${output}`)));
    });
    const client = createClient(connectionString);
    const sender = client.createSender("jobs");
    const bodies = Array.from({ length: 500 }, (_, i) => `accepted-${i}`);
    for (let i = 0; i < bodies.length; i += 50)
      await sender.sendMessages(bodies.slice(i, i + 50).map((body) => ({ body })));
    const [locked] = await receiveAtLeast(client.createReceiver("jobs"), 1);
    expect(locked?.deliveryCount).toBe(0);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    await client.close().catch(() => undefined);

    const restarted = await startEmulator(join(dir, "data"));
    const again = createClient(restarted.connectionString);
    const received = await receiveAtLeast(
      again.createReceiver("jobs", { receiveMode: "receiveAndDelete" }),
      bodies.length,
    );
    expect(received.map((message) => message.body as unknown)).toEqual(bodies);
    expect(received[0]?.deliveryCount).toBe(1);
    await again.close();
  }, 60_000);
});
