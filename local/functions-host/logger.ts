// Host logs in the shape `func start` prints, filtered by host.json `logging.logLevel` the way the
// Functions host filters them: the most specific category prefix wins.
import type { RpcLogLevel } from "./core-types.js";

const LEVELS: Record<string, number> = {
  trace: 0,
  debug: 1,
  information: 2,
  warning: 3,
  error: 4,
  critical: 5,
  none: 6,
};

export interface LogRecord {
  time: Date;
  level: RpcLogLevel;
  category: string;
  message: string;
  functionName?: string;
  invocationId?: string;
}

export type LogSink = (record: LogRecord) => void;

/**
 * Writes log lines to a stream, gathered per event-loop turn: two lines per invocation written
 * one by one cost more than the invocation's own bookkeeping. Lines keep their order, and what
 * is pending is written before the process exits.
 */
export function consoleSink(stream: NodeJS.WritableStream = process.stdout): LogSink {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join("");
    pending = [];
    stream.write(text);
  };
  process.once("exit", flush);
  // Lines come in bursts (two or three per invocation): the timestamp is formatted once per millisecond.
  let stampedAt = Number.NaN;
  let stamp = "";
  return (record) => {
    if (pending.length === 0) setImmediate(flush);
    const at = record.time.getTime();
    if (at !== stampedAt) {
      stampedAt = at;
      stamp = record.time.toISOString();
    }
    pending.push(`[${stamp}] ${record.message}\n`);
  };
}

export class HostLogger {
  readonly #levels: [string, number][];
  readonly #sink: LogSink;
  readonly #thresholds = new Map<string, number>();

  /** `logLevel` is host.json `logging.logLevel`: category prefix -> level name. */
  constructor(logLevel: Record<string, string>, sink: LogSink) {
    this.#sink = sink;
    this.#levels = Object.entries(logLevel)
      .map(([category, level]): [string, number] => [
        category.toLowerCase(),
        LEVELS[level.toLowerCase()] ?? LEVELS.information ?? 2,
      ])
      .sort((a, b) => b[0].length - a[0].length);
  }

  #threshold(category: string): number {
    let threshold = this.#thresholds.get(category);
    if (threshold === undefined) {
      threshold = this.#computeThreshold(category);
      this.#thresholds.set(category, threshold);
    }
    return threshold;
  }

  #computeThreshold(category: string): number {
    const lower = category.toLowerCase();
    for (const [prefix, level] of this.#levels) {
      if (prefix !== "default" && (lower === prefix || lower.startsWith(`${prefix}.`))) return level;
    }
    return this.#levels.find(([prefix]) => prefix === "default")?.[1] ?? LEVELS.information ?? 2;
  }

  isEnabled(level: RpcLogLevel, category: string): boolean {
    const value = LEVELS[level] ?? 2;
    return value < (LEVELS.none ?? 6) && value >= this.#threshold(category);
  }

  log(
    level: RpcLogLevel,
    category: string,
    message: string,
    invocation?: { functionName: string; invocationId: string },
  ): void {
    if (!this.isEnabled(level, category)) return;
    this.#sink({
      time: new Date(),
      level,
      category,
      message,
      ...(invocation ? { functionName: invocation.functionName, invocationId: invocation.invocationId } : {}),
    });
  }

  host(level: RpcLogLevel, message: string): void {
    this.log(level, "Host.General", message);
  }
}
