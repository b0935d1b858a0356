import { describe, it, expect } from "vitest";
import { Writable } from "node:stream";
import type { RpcLogLevel } from "../../../../local/functions-host/core-types.js";
import { HostLogger, consoleSink, type LogRecord } from "../../../../local/functions-host/logger.js";
import { capturingLogger } from "./builders.js";

const ALL_LEVELS: RpcLogLevel[] = ["trace", "debug", "information", "warning", "error", "critical"];

/** The levels that get through for `category` under `logLevel`. */
function enabledLevels(logLevel: Record<string, string>, category: string): RpcLogLevel[] {
  const logger = new HostLogger(logLevel, () => undefined);
  return ALL_LEVELS.filter((level) => logger.isEnabled(level, category));
}

describe("HostLogger", () => {
  describe("level filtering", () => {
    it("when only a default level is set, then it applies to every category", () => {
      expect(enabledLevels({ default: "Warning" }, "Host.General")).toEqual(["warning", "error", "critical"]);
      expect(enabledLevels({ default: "Warning" }, "Function.tick")).toEqual(["warning", "error", "critical"]);
    });

    it("when no level is set at all, then Information is the threshold", () => {
      expect(enabledLevels({}, "Function.tick")).toEqual(["information", "warning", "error", "critical"]);
    });

    it("when 'Function' is set, then it applies to every function's categories but not to the host's", () => {
      const logLevel = { default: "Information", Function: "Error" };

      expect(enabledLevels(logLevel, "Function.tick")).toEqual(["error", "critical"]);
      expect(enabledLevels(logLevel, "Function.tick.User")).toEqual(["error", "critical"]);
      expect(enabledLevels(logLevel, "Host.General")).toEqual(["information", "warning", "error", "critical"]);
    });

    it("when 'Function.name' is set, then it beats 'Function' for that function only", () => {
      const logLevel = { default: "Information", Function: "Error", "Function.tick": "Debug" };

      expect(enabledLevels(logLevel, "Function.tick")).toEqual([
        "debug",
        "information",
        "warning",
        "error",
        "critical",
      ]);
      expect(enabledLevels(logLevel, "Function.tick.User")).toEqual([
        "debug",
        "information",
        "warning",
        "error",
        "critical",
      ]);
      expect(enabledLevels(logLevel, "Function.other")).toEqual(["error", "critical"]);
    });

    it("when 'Function.name.User' is set, then it beats 'Function.name' for the function's own logs only", () => {
      const logLevel = { "Function.tick": "Warning", "Function.tick.User": "Trace" };

      expect(enabledLevels(logLevel, "Function.tick.User")).toEqual(ALL_LEVELS);
      expect(enabledLevels(logLevel, "Function.tick")).toEqual(["warning", "error", "critical"]);
    });

    it("when the most specific prefix is listed first, then it still wins", () => {
      const logLevel = {
        "Function.tick.User": "Critical",
        "Function.tick": "Trace",
        Function: "Error",
        default: "Debug",
      };

      expect(enabledLevels(logLevel, "Function.tick.User")).toEqual(["critical"]);
      expect(enabledLevels(logLevel, "Function.tick")).toEqual(ALL_LEVELS);
    });

    it("when categories and levels differ in case from host.json, then they still match", () => {
      const logLevel = { DEFAULT: "error", "function.TICK": "DEBUG" };

      expect(enabledLevels(logLevel, "Function.Tick")).toEqual([
        "debug",
        "information",
        "warning",
        "error",
        "critical",
      ]);
      expect(enabledLevels(logLevel, "Host.General")).toEqual(["error", "critical"]);
    });

    it("when a prefix is only the start of a category's name, then it does not apply", () => {
      const logLevel = { default: "Information", "Function.tick": "Error" };

      expect(enabledLevels(logLevel, "Function.ticker")).toEqual(["information", "warning", "error", "critical"]);
    });

    it("when a category is set to None, then nothing is logged for it", () => {
      const logLevel = { default: "Trace", "Function.quiet": "None" };

      expect(enabledLevels(logLevel, "Function.quiet")).toEqual([]);
      expect(enabledLevels(logLevel, "Function.quiet.User")).toEqual([]);
      expect(enabledLevels(logLevel, "Function.loud")).toEqual(ALL_LEVELS);
    });

    it("when default is None, then nothing is logged unless a category allows it", () => {
      const logLevel = { default: "None", "Function.tick": "Information" };

      expect(enabledLevels(logLevel, "Host.General")).toEqual([]);
      expect(enabledLevels(logLevel, "Function.tick")).toEqual(["information", "warning", "error", "critical"]);
    });

    it("when a record's level is none, then it is never logged", () => {
      expect(new HostLogger({ default: "Trace" }, () => undefined).isEnabled("none", "Host.General")).toBe(false);
    });

    it("when a level name is unknown, then Information is used for that prefix", () => {
      expect(enabledLevels({ default: "Verbose" }, "Host.General")).toEqual([
        "information",
        "warning",
        "error",
        "critical",
      ]);
    });
  });

  describe("records", () => {
    it("when a record is filtered out, then the sink is not called", () => {
      const { logger, records } = capturingLogger({ default: "Warning" });

      logger.log("information", "Function.tick", "ignored");

      expect(records).toEqual([]);
    });

    it("when an invocation is given, then the record carries its function name and invocation id", () => {
      const { logger, records } = capturingLogger();

      logger.log("warning", "Function.tick.User", "hello", { functionName: "tick", invocationId: "inv-1" });

      expect(records).toEqual([
        {
          time: expect.any(Date) as unknown,
          level: "warning",
          category: "Function.tick.User",
          message: "hello",
          functionName: "tick",
          invocationId: "inv-1",
        },
      ]);
    });

    it("when no invocation is given, then the record has no function name or invocation id", () => {
      const { logger, records } = capturingLogger();

      logger.log("error", "Host.General", "oops");

      expect(records).toHaveLength(1);
      expect(records[0]).not.toHaveProperty("functionName");
      expect(records[0]).not.toHaveProperty("invocationId");
    });

    it("when host() is used, then the record's category is Host.General", () => {
      const { logger, records } = capturingLogger();

      logger.host("information", "started");

      expect(records.map((record) => [record.category, record.level, record.message])).toEqual([
        ["Host.General", "information", "started"],
      ]);
    });
  });
});

describe("consoleSink", () => {
  it("when a record is written, then one line holds its ISO time and message, written by the end of the turn", async () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString("utf8"));
        callback();
      },
    });
    const record: LogRecord = {
      time: new Date("2025-01-01T12:00:00.000Z"),
      level: "information",
      category: "Host.General",
      message: "Host started",
    };

    consoleSink(stream)(record);
    await new Promise((resolve) => setImmediate(resolve));

    expect(chunks.join("")).toBe("[2025-01-01T12:00:00.000Z] Host started\n");
  });

  it("when several records come in one turn, then they go out in order in one write", async () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString("utf8"));
        callback();
      },
    });
    const sink = consoleSink(stream);
    const at = new Date("2025-01-01T12:00:00.000Z");

    sink({ time: at, level: "information", category: "Host.General", message: "first" });
    sink({ time: at, level: "warning", category: "Host.General", message: "second" });
    expect(chunks).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));

    expect(chunks).toEqual(["[2025-01-01T12:00:00.000Z] first\n[2025-01-01T12:00:00.000Z] second\n"]);
  });
});
