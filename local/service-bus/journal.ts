// Durability for the emulator: an append-only log of queue changes, replayed and compacted at
// start-up. Records are written with one synchronous write per broker operation, before the
// broker answers, so an accepted message survives the emulator process being killed.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
  writevSync,
} from "node:fs";
import { join } from "node:path";
import { decodeMessage, encodeForStorage } from "./message-codec.js";
import type { MessageState, StoredMessage } from "./queue.js";

const RECORD = { put: 1, remove: 2, update: 3, lock: 4, messageId: 5, sequence: 6 } as const;
const STATES: MessageState[] = ["active", "deferred", "scheduled"];
const JOURNAL_FILE = "servicebus.journal";
/** Compact once the log is this much larger than the live data it describes. */
const COMPACTION_RATIO = 4;
const COMPACTION_MIN_BYTES = 64 * 1024 * 1024;

export interface QueueJournal {
  recordPut(stored: StoredMessage): void;
  recordDelete(sequenceNumber: number): void;
  recordUpdate(stored: StoredMessage): void;
  recordLock(sequenceNumber: number): void;
  recordMessageId(key: string, seenAt: number): void;
  flush(): void;
  forDeadLetterQueue(): QueueJournal;
}

/** What replay found for one queue (or dead-letter queue), by its journal name. */
export interface RecoveredQueue {
  messages: Map<number, { stored: StoredMessage; lockedWhenStopped: boolean }>;
  nextSequenceNumber: number;
  messageIds: Map<string, number>;
}

/** The queues a journal needs to write a compacted snapshot. */
export interface JournalSnapshotSource {
  journalName: string;
  nextSequenceNumber: number;
  storedMessages(): Iterable<StoredMessage>;
  recentMessageIds(): Iterable<[string, number]>;
}

function encodeName(name: string): Buffer {
  return Buffer.from(name.toLowerCase(), "utf8");
}

function record(type: number, name: Buffer, payload: Buffer): Buffer {
  const head = Buffer.allocUnsafe(7);
  head.writeUInt32BE(3 + name.length + payload.length, 0);
  head.writeUInt8(type, 4);
  head.writeUInt16BE(name.length, 5);
  return Buffer.concat([head, name, payload]);
}

function encodePut(stored: StoredMessage): Buffer {
  const fixed = Buffer.allocUnsafe(37);
  fixed.writeDoubleBE(stored.sequenceNumber, 0);
  fixed.writeDoubleBE(stored.enqueuedTimeMs, 8);
  fixed.writeDoubleBE(stored.expiresAtMs, 16);
  fixed.writeUInt32BE(stored.deliveryCount, 24);
  fixed.writeUInt8(STATES.indexOf(stored.state), 28);
  fixed.writeDoubleBE(stored.scheduledEnqueueTimeMs ?? Number.NaN, 29);
  return Buffer.concat([fixed, encodeForStorage(stored.message)]);
}

function encodeNumber(value: number): Buffer {
  const buffer = Buffer.allocUnsafe(8);
  buffer.writeDoubleBE(value, 0);
  return buffer;
}

export class Journal {
  readonly #directory: string;
  readonly #path: string;
  #fd: number;
  #pending: Buffer[] = [];
  #bytesWritten = 0;
  #liveBytesAtCompaction = 0;
  #snapshotSources: () => JournalSnapshotSource[] = () => [];
  #closed = false;

  private constructor(directory: string) {
    this.#directory = directory;
    this.#path = join(directory, JOURNAL_FILE);
    this.#fd = openSync(this.#path, "a");
  }

  /** Opens (creating) the journal in a directory and returns what it recorded. */
  static open(directory: string): { journal: Journal; recovered: Map<string, RecoveredQueue> } {
    mkdirSync(directory, { recursive: true });
    const path = join(directory, JOURNAL_FILE);
    const recovered = existsSync(path) ? replay(readFileSync(path)) : new Map<string, RecoveredQueue>();
    return { journal: new Journal(directory), recovered };
  }

  /** Where to read live state from when the log is compacted. */
  setSnapshotSources(sources: () => JournalSnapshotSource[]): void {
    this.#snapshotSources = sources;
  }

  forQueue(name: string): QueueJournal {
    const encodedName = encodeName(name);
    const append = (type: number, payload: Buffer): void => {
      this.#pending.push(record(type, encodedName, payload));
    };
    return {
      recordPut: (stored) => append(RECORD.put, encodePut(stored)),
      recordDelete: (sequenceNumber) => append(RECORD.remove, encodeNumber(sequenceNumber)),
      recordUpdate: (stored) => {
        const payload = Buffer.allocUnsafe(13);
        payload.writeDoubleBE(stored.sequenceNumber, 0);
        payload.writeUInt32BE(stored.deliveryCount, 8);
        payload.writeUInt8(STATES.indexOf(stored.state), 12);
        append(RECORD.update, payload);
      },
      recordLock: (sequenceNumber) => append(RECORD.lock, encodeNumber(sequenceNumber)),
      recordMessageId: (key, seenAt) =>
        append(RECORD.messageId, Buffer.concat([encodeNumber(seenAt), Buffer.from(key, "utf8")])),
      flush: () => this.flush(),
      forDeadLetterQueue: () => this.forQueue(`${name}/$DeadLetterQueue`),
    };
  }

  flush(): void {
    if (this.#closed) throw new Error("the journal is closed");
    if (this.#pending.length === 0) return;
    const buffers = this.#pending;
    this.#pending = [];
    let bytes = 0;
    for (const buffer of buffers) bytes += buffer.length;
    let written = 0;
    while (written < bytes) {
      written +=
        written === 0 ? writevSync(this.#fd, buffers) : writeSync(this.#fd, Buffer.concat(buffers).subarray(written));
    }
    this.#bytesWritten += bytes;
    if (
      this.#bytesWritten > COMPACTION_MIN_BYTES &&
      this.#bytesWritten > COMPACTION_RATIO * Math.max(this.#liveBytesAtCompaction, 1)
    ) {
      this.compact();
    }
  }

  /** Rewrites the log as a snapshot of live state, atomically (write, fsync, rename). */
  compact(): void {
    this.flush();
    const temporary = `${this.#path}.compacting`;
    const fd = openSync(temporary, "w");
    let bytes = 0;
    try {
      for (const source of this.#snapshotSources()) {
        const name = encodeName(source.journalName);
        const chunks: Buffer[] = [record(RECORD.sequence, name, encodeNumber(source.nextSequenceNumber))];
        for (const [key, seenAt] of source.recentMessageIds()) {
          chunks.push(record(RECORD.messageId, name, Buffer.concat([encodeNumber(seenAt), Buffer.from(key, "utf8")])));
        }
        for (const stored of source.storedMessages()) {
          chunks.push(record(RECORD.put, name, encodePut(stored)));
          if (stored.lock !== undefined) chunks.push(record(RECORD.lock, name, encodeNumber(stored.sequenceNumber)));
        }
        const data = Buffer.concat(chunks);
        writeSync(fd, data);
        bytes += data.length;
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    closeSync(this.#fd);
    renameSync(temporary, this.#path);
    this.#fd = openSync(this.#path, "a");
    this.#bytesWritten = bytes;
    this.#liveBytesAtCompaction = bytes;
  }

  close(): void {
    if (this.#closed) return;
    this.flush();
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#closed = true;
  }

  get directory(): string {
    return this.#directory;
  }
}

function recoveredQueue(queues: Map<string, RecoveredQueue>, name: string): RecoveredQueue {
  let queue = queues.get(name);
  if (queue === undefined) {
    queue = { messages: new Map(), nextSequenceNumber: 1, messageIds: new Map() };
    queues.set(name, queue);
  }
  return queue;
}

/** Reads every whole record; a torn last record (a crash mid-write) is ignored. */
function replay(data: Buffer): Map<string, RecoveredQueue> {
  const queues = new Map<string, RecoveredQueue>();
  let offset = 0;
  while (offset + 7 <= data.length) {
    const length = data.readUInt32BE(offset);
    const end = offset + 4 + length;
    if (length < 3 || end > data.length) break;
    const type = data.readUInt8(offset + 4);
    const nameLength = data.readUInt16BE(offset + 5);
    const name = data.toString("utf8", offset + 7, offset + 7 + nameLength);
    const payload = data.subarray(offset + 7 + nameLength, end);
    applyRecord(recoveredQueue(queues, name), type, payload);
    offset = end;
  }
  return queues;
}

function applyRecord(queue: RecoveredQueue, type: number, payload: Buffer): void {
  switch (type) {
    case RECORD.put: {
      const sequenceNumber = payload.readDoubleBE(0);
      const scheduledAt = payload.readDoubleBE(29);
      const existing = queue.messages.get(sequenceNumber);
      const stored: StoredMessage = {
        sequenceNumber,
        message: decodeMessage(Buffer.from(payload.subarray(37))),
        enqueuedTimeMs: payload.readDoubleBE(8),
        expiresAtMs: payload.readDoubleBE(16),
        deliveryCount: payload.readUInt32BE(24),
        state: STATES[payload.readUInt8(28)] ?? "active",
        scheduledEnqueueTimeMs: Number.isNaN(scheduledAt) ? undefined : scheduledAt,
        lock: undefined,
        ready: false,
      };
      queue.messages.set(sequenceNumber, { stored, lockedWhenStopped: existing?.lockedWhenStopped ?? false });
      queue.nextSequenceNumber = Math.max(queue.nextSequenceNumber, sequenceNumber + 1);
      break;
    }
    case RECORD.remove: {
      const sequenceNumber = payload.readDoubleBE(0);
      queue.messages.delete(sequenceNumber);
      queue.nextSequenceNumber = Math.max(queue.nextSequenceNumber, sequenceNumber + 1);
      break;
    }
    case RECORD.update: {
      const entry = queue.messages.get(payload.readDoubleBE(0));
      if (entry === undefined) break;
      entry.stored.deliveryCount = payload.readUInt32BE(8);
      entry.stored.state = STATES[payload.readUInt8(12)] ?? "active";
      entry.lockedWhenStopped = false;
      break;
    }
    case RECORD.lock: {
      const entry = queue.messages.get(payload.readDoubleBE(0));
      if (entry !== undefined) entry.lockedWhenStopped = true;
      break;
    }
    case RECORD.messageId:
      queue.messageIds.set(payload.toString("utf8", 8), payload.readDoubleBE(0));
      break;
    case RECORD.sequence:
      queue.nextSequenceNumber = Math.max(queue.nextSequenceNumber, payload.readDoubleBE(0));
      break;
    default:
      break;
  }
}
