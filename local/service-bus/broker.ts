// The emulated namespace: its queues, their dead-letter queues, the clock that drives locks,
// schedules and expiry, and the journal when the broker is durable.
import type { BrokerSettings } from "./config.js";
import { Journal } from "./journal.js";
import { Queue } from "./queue.js";

const DEAD_LETTER_SUFFIX = "/$deadletterqueue";
const TICK_INTERVAL_MS = 50;

export type EntityResolution =
  | { ok: true; queue: Queue; kind: "queue" | "deadLetterQueue" | "management"; queuePath: string }
  | { ok: false; reason: "notFound" | "unsupported"; description: string };

export class Broker {
  readonly settings: BrokerSettings;
  readonly #queues = new Map<string, Queue>();
  readonly #journal: Journal | undefined;
  readonly #timer: NodeJS.Timeout;

  constructor(settings: BrokerSettings, options: { dataDir?: string; now?: () => number } = {}) {
    this.settings = settings;
    const now = options.now ?? Date.now;
    const opened = options.dataDir === undefined ? undefined : Journal.open(options.dataDir);
    this.#journal = opened?.journal;
    for (const queueSettings of settings.queues) {
      const journal = this.#journal?.forQueue(queueSettings.name);
      const queue = new Queue({ settings: queueSettings, now, ...(journal ? { journal } : {}) });
      this.#queues.set(queueSettings.name.toLowerCase(), queue);
    }
    if (opened) {
      this.#restore(opened.recovered);
      opened.journal.setSnapshotSources(() => this.#snapshotSources());
      opened.journal.compact();
    }
    this.#timer = setInterval(() => {
      this.tick();
    }, TICK_INTERVAL_MS);
    this.#timer.unref();
  }

  #allQueues(): Queue[] {
    const all: Queue[] = [];
    for (const queue of this.#queues.values()) {
      all.push(queue);
      if (queue.deadLetterQueue) all.push(queue.deadLetterQueue);
    }
    return all;
  }

  #snapshotSources() {
    return this.#allQueues().map((queue) => ({
      journalName: queue.name,
      nextSequenceNumber: queue.nextSequenceNumber,
      storedMessages: () => queue.storedMessages(),
      recentMessageIds: () => queue.recentMessageIds(),
    }));
  }

  #restore(recovered: ReturnType<typeof Journal.open>["recovered"]): void {
    const lostLocks: { queue: Queue; sequenceNumber: number }[] = [];
    for (const queue of this.#allQueues()) {
      const saved = recovered.get(queue.name.toLowerCase());
      if (saved === undefined) continue;
      queue.restoreSequenceNumber(saved.nextSequenceNumber);
      for (const [key, seenAt] of saved.messageIds) queue.restoreMessageId(key, seenAt);
      for (const { stored, lockedWhenStopped } of saved.messages.values()) {
        queue.restore(stored);
        if (lockedWhenStopped) lostLocks.push({ queue, sequenceNumber: stored.sequenceNumber });
      }
    }
    for (const { queue, sequenceNumber } of lostLocks) queue.restoreLostLock(sequenceNumber);
    this.#journal?.flush();
  }

  /** Resolves an AMQP address such as `q`, `q/$DeadLetterQueue` or `q/$management` (case-insensitive). */
  resolve(address: string): EntityResolution {
    let path = address
      .toLowerCase()
      .replace(/^amqps?:\/\/[^/]+\//, "")
      .replace(/^sb:\/\/[^/]+\//, "");
    let kind: "queue" | "deadLetterQueue" | "management" = "queue";
    if (path.endsWith("/$management")) {
      kind = "management";
      path = path.slice(0, -"/$management".length);
    }
    let deadLetter = false;
    if (path.endsWith(DEAD_LETTER_SUFFIX)) {
      deadLetter = true;
      path = path.slice(0, -DEAD_LETTER_SUFFIX.length);
    }
    if (path.includes("/subscriptions/") || path.includes("/$transfer")) {
      return {
        ok: false,
        reason: "unsupported",
        description: `The messaging entity '${address}' is not supported by the emulator (topics, subscriptions and transfer queues are not).`,
      };
    }
    const queue = this.#queues.get(path);
    if (queue === undefined) {
      return { ok: false, reason: "notFound", description: `The messaging entity '${address}' could not be found.` };
    }
    const target = deadLetter ? queue.deadLetterQueue : queue;
    if (target === undefined)
      return { ok: false, reason: "notFound", description: `The messaging entity '${address}' could not be found.` };
    if (kind === "management") return { ok: true, queue: target, kind, queuePath: target.name };
    return { ok: true, queue: target, kind: deadLetter ? "deadLetterQueue" : "queue", queuePath: target.name };
  }

  queue(name: string): Queue | undefined {
    return this.#queues.get(name.toLowerCase());
  }

  tick(): void {
    for (const queue of this.#allQueues()) queue.tick();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#journal?.close();
  }
}
