import { describe, it, expect, afterEach, vi } from "vitest";
import type { FunctionCallback, RpcBindingInfo, RpcTypedData } from "../../../../local/functions-host/core-types.js";
import { FunctionRegistry, type RegisteredFunction } from "../../../../local/functions-host/registry.js";
import { TimerRunner, resolveTimerSchedule, toTimerInput } from "../../../../local/functions-host/timer-trigger.js";
import {
  FakeProgrammingModel,
  appConfigErrorOf,
  capturingLogger,
  deferred,
  jsonOf,
  registerIn,
  registeredFunction,
  settle,
  timerTriggerBinding,
  type Deferred,
} from "./builders.js";

const NEVER = "0001-01-01T00:00:00.000Z";
const T0 = new Date("2025-01-01T12:00:00.000Z");

function at(isoTime: string): Date {
  return new Date(isoTime);
}

function timerFunction(trigger: RpcBindingInfo = {}): RegisteredFunction {
  return registeredFunction({ name: "tick", triggerName: "timer", trigger: timerTriggerBinding(trigger) });
}

interface TimerInputJson {
  Schedule: { AdjustForDST: boolean };
  ScheduleStatus: { Last: string; Next: string | null; LastUpdated: string };
  IsPastDue: boolean;
}

function timerJson(data: unknown): TimerInputJson {
  return jsonOf(data as RpcTypedData) as TimerInputJson;
}

describe("resolveTimerSchedule", () => {
  it("when the schedule has 6 fields, then it is accepted with runOnStartup off by default", () => {
    const fn = timerFunction({ schedule: "0 */5 * * * *" });

    const schedule = resolveTimerSchedule(fn, {});

    expect(schedule.fn).toBe(fn);
    expect(schedule.expression).toBe("0 */5 * * * *");
    expect(schedule.runOnStartup).toBe(false);
  });

  it("when runOnStartup is true, then the schedule says so", () => {
    expect(resolveTimerSchedule(timerFunction({ runOnStartup: true }), {}).runOnStartup).toBe(true);
  });

  it("when the schedule has surrounding or repeated spaces, then it is still 6 fields", () => {
    expect(resolveTimerSchedule(timerFunction({ schedule: "  0  */5 * * * *  " }), {}).expression).toBe(
      "0  */5 * * * *",
    );
  });

  it("when the schedule is evaluated, then the first field is seconds and times are UTC", () => {
    const schedule = resolveTimerSchedule(timerFunction({ schedule: "15 30 9 * * *" }), {});

    expect(schedule.cron.nextRun(at("2025-01-01T10:00:00.000Z"))?.toISOString()).toBe("2025-01-02T09:30:15.000Z");
  });

  it("when WEBSITE_TIME_ZONE is set, then the schedule is evaluated in that zone", () => {
    const schedule = resolveTimerSchedule(timerFunction({ schedule: "0 30 9 * * *" }), {
      WEBSITE_TIME_ZONE: "Europe/Berlin",
    });

    expect(schedule.cron.nextRun(at("2025-01-01T10:00:00.000Z"))?.toISOString()).toBe("2025-01-02T08:30:00.000Z");
  });

  it("when the day-of-week field is set, then 0 is Sunday", () => {
    const schedule = resolveTimerSchedule(timerFunction({ schedule: "0 0 0 * * 0" }), {});

    // 2025-01-01 is a Wednesday; the next Sunday is the 5th.
    expect(schedule.cron.nextRun(at("2025-01-01T10:00:00.000Z"))?.toISOString()).toBe("2025-01-05T00:00:00.000Z");
  });

  it.each([
    ["*/5 * * * *", 5],
    ["0 0 */5 * * * *", 7],
    ["*", 1],
  ])("when the schedule is %j (%d fields), then an AppConfigError asks for 6 fields", (expression) => {
    const error = appConfigErrorOf(() => resolveTimerSchedule(timerFunction({ schedule: expression }), {}));

    expect(error.message).toBe(
      `tick: schedule '${expression}' must be a 6-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week})`,
    );
  });

  it("when the schedule is a %SETTING% expression, then the app setting is the schedule", () => {
    const schedule = resolveTimerSchedule(timerFunction({ schedule: "%TickSchedule%" }), {
      TickSchedule: "*/10 * * * * *",
    });

    expect(schedule.expression).toBe("*/10 * * * * *");
  });

  it("when the schedule's setting is missing, then an AppConfigError names it", () => {
    const error = appConfigErrorOf(() => resolveTimerSchedule(timerFunction({ schedule: "%TickSchedule%" }), {}));

    expect(error.message).toBe("tick: app setting 'TickSchedule' is not set");
  });

  it("when the schedule's setting holds 5 fields, then an AppConfigError shows the resolved schedule", () => {
    const error = appConfigErrorOf(() =>
      resolveTimerSchedule(timerFunction({ schedule: "%TickSchedule%" }), { TickSchedule: "*/5 * * * *" }),
    );

    expect(error.message).toContain("schedule '*/5 * * * *' must be a 6-field NCRONTAB expression");
  });

  it.each(["61 * * * * *", "0 0 25 * * *", "0 0 0 * 13 *", "a b c d e f"])(
    "when the schedule is %j, then an AppConfigError says it is not valid",
    (expression) => {
      const error = appConfigErrorOf(() => resolveTimerSchedule(timerFunction({ schedule: expression }), {}));

      expect(error.message).toContain(`tick: schedule '${expression}' is not valid NCRONTAB`);
    },
  );

  it.each([undefined, "", "   ", 5])(
    "when the schedule is %j, then an AppConfigError says a schedule is needed",
    (schedule) => {
      const error = appConfigErrorOf(() => resolveTimerSchedule(timerFunction({ schedule }), {}));

      expect(error.message).toBe("tick: timerTrigger needs a schedule");
    },
  );
});

describe("toTimerInput", () => {
  it("when the timer never ran, then Last is .NET's DateTime.MinValue", () => {
    const input = timerJson(
      toTimerInput({ isPastDue: false, last: undefined, next: at("2025-01-01T12:05:00.000Z") }, T0),
    );

    expect(input).toEqual({
      Schedule: { AdjustForDST: true },
      ScheduleStatus: { Last: NEVER, Next: "2025-01-01T12:05:00.000Z", LastUpdated: "2025-01-01T12:00:00.000Z" },
      IsPastDue: false,
    });
  });

  it("when the timer ran and is past due, then Last, Next and IsPastDue say so", () => {
    const input = timerJson(
      toTimerInput({ isPastDue: true, last: at("2025-01-01T11:55:00.000Z"), next: at("2025-01-01T12:05:00.000Z") }, T0),
    );

    expect(input.ScheduleStatus).toEqual({
      Last: "2025-01-01T11:55:00.000Z",
      Next: "2025-01-01T12:05:00.000Z",
      LastUpdated: "2025-01-01T12:00:00.000Z",
    });
    expect(input.IsPastDue).toBe(true);
  });

  it("when there is no next occurrence, then Next is null", () => {
    expect(
      timerJson(toTimerInput({ isPastDue: false, last: undefined, next: undefined }, T0)).ScheduleStatus.Next,
    ).toBeNull();
  });
});

/** A clock the test moves by hand. */
class Clock {
  time: Date;
  constructor(start: Date) {
    this.time = start;
  }
  set(isoTime: string): void {
    this.time = at(isoTime);
  }
}

interface RunnerSetup {
  runner: TimerRunner;
  clock: Clock;
  inputs: TimerInputJson[];
  /** The reasons in the "Executing" log lines, in order. */
  reasons: () => string[];
  tracked: Promise<unknown>[];
}

/**
 * A TimerRunner over the real registry and invoke(), with a fake programming model. The function
 * records its timer input; `callback` can add behaviour (such as waiting on a gate).
 */
function timerRunner(
  options: { schedule?: string; runOnStartup?: boolean; callback?: FunctionCallback } = {},
): RunnerSetup {
  const clock = new Clock(T0);
  const inputs: TimerInputJson[] = [];
  const registry = new FunctionRegistry();
  registry.programmingModel = new FakeProgrammingModel();
  const fn = registerIn(registry, {
    name: "tick",
    triggerName: "timer",
    trigger: timerTriggerBinding({
      schedule: options.schedule ?? "*/10 * * * * *",
      runOnStartup: options.runOnStartup ?? false,
    }),
    callback: (timer, ...rest) => {
      inputs.push(timerJson(timer));
      return options.callback?.(timer, ...rest);
    },
  });
  registry.seal();
  const log = capturingLogger();
  const tracked: Promise<unknown>[] = [];
  const runner = new TimerRunner({
    schedule: resolveTimerSchedule(fn, {}),
    registry,
    logger: log.logger,
    now: () => clock.time,
    track: (work) => {
      tracked.push(work);
      return work;
    },
  });
  const reasons = (): string[] =>
    log.messages().flatMap((message) => /^Executing 'Functions\.tick' \(Reason='(.*)', Id=/.exec(message)?.[1] ?? []);
  return { runner, clock, inputs, reasons, tracked };
}

/** Waits (on real macrotasks) until `condition` holds; fails the test if it never does. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (condition()) return;
    await settle();
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe("TimerRunner", () => {
  const runners: TimerRunner[] = [];

  afterEach(() => {
    for (const runner of runners.splice(0)) runner.stop();
    vi.useRealTimers();
  });

  function started(setup: RunnerSetup): RunnerSetup {
    runners.push(setup.runner);
    setup.runner.start();
    return setup;
  }

  describe("runNow", () => {
    it.each([false, true])(
      "when runNow is called with isPastDue %s, then the function gets that IsPastDue",
      async (isPastDue) => {
        const { runner, inputs } = timerRunner();

        await runner.runNow("This function was programmatically called via the host APIs.", isPastDue);

        expect(inputs.map((input) => input.IsPastDue)).toEqual([isPastDue]);
      },
    );

    it("when the timer never ran and was not started, then Last is DateTime.MinValue, Next is null and LastUpdated is now", async () => {
      const { runner, inputs } = timerRunner();

      await runner.runNow("manual", false);

      expect(inputs[0]?.ScheduleStatus).toEqual({ Last: NEVER, Next: null, LastUpdated: T0.toISOString() });
    });

    it("when runNow is called, then the reason is logged and the work is tracked", async () => {
      const { runner, reasons, tracked } = timerRunner();

      const work = runner.runNow("manual run", false);
      await work;

      expect(reasons()).toEqual(["manual run"]);
      expect(tracked).toEqual([work]);
    });

    it("when a run is still going, then a second runNow waits for it to end before invoking", async () => {
      const gates: Deferred<void>[] = [deferred(), deferred()];
      const calls: string[] = [];
      let count = 0;
      const { runner } = timerRunner({
        callback: async () => {
          const index = count++;
          calls.push(`start ${index}`);
          await gates[index]?.promise;
          calls.push(`end ${index}`);
        },
      });

      const first = runner.runNow("first", false);
      const second = runner.runNow("second", true);
      await until(() => calls.length > 0, "the first run starts");
      await settle();

      expect(calls).toEqual(["start 0"]);

      gates[0]?.resolve();
      await first;
      await until(() => calls.length > 2, "the second run starts");

      expect(calls).toEqual(["start 0", "end 0", "start 1"]);

      gates[1]?.resolve();
      await second;

      expect(calls).toEqual(["start 0", "end 0", "start 1", "end 1"]);
    });

    it("when three runs are requested at once, then they run one after another in request order", async () => {
      const calls: string[] = [];
      const { runner, reasons } = timerRunner({
        callback: async () => {
          calls.push("start");
          await settle();
          calls.push("end");
        },
      });

      await Promise.all([runner.runNow("a", false), runner.runNow("b", false), runner.runNow("c", false)]);

      expect(calls).toEqual(["start", "end", "start", "end", "start", "end"]);
      expect(reasons()).toEqual(["a", "b", "c"]);
    });

    it("when the function fails, then runNow still resolves and the next run happens", async () => {
      let fail = true;
      const { runner, inputs } = timerRunner({
        callback: () => {
          if (fail) throw new Error("boom");
        },
      });

      await expect(runner.runNow("failing", false)).resolves.toBeUndefined();
      fail = false;
      await runner.runNow("next", false);

      expect(inputs).toHaveLength(2);
    });
  });

  describe("schedule", () => {
    it("when started, then the next occurrence is computed from the injected clock", () => {
      const { runner } = started(timerRunner({ schedule: "0 */5 * * * *" }));

      expect(runner.nextOccurrence?.toISOString()).toBe("2025-01-01T12:05:00.000Z");
    });

    it("when started, then a manual run reports the next occurrence as Next", async () => {
      const { runner, inputs } = started(timerRunner({ schedule: "0 */5 * * * *" }));

      await runner.runNow("manual", false);

      expect(inputs[0]?.ScheduleStatus.Next).toBe("2025-01-01T12:05:00.000Z");
    });

    it("when runOnStartup is set, then start() invokes the function at once, not past due", async () => {
      const { inputs, reasons } = started(timerRunner({ schedule: "0 0 0 1 1 *", runOnStartup: true }));

      await until(() => inputs.length === 1, "the startup run happens");

      expect(inputs[0]?.IsPastDue).toBe(false);
      expect(reasons()).toEqual(["Timer fired at startup (runOnStartup)"]);
    });

    it("when runOnStartup is not set, then start() does not invoke the function", async () => {
      const { inputs } = started(timerRunner({ schedule: "0 0 0 1 1 *" }));

      await settle();

      expect(inputs).toEqual([]);
    });

    it("when an occurrence fires on time, then it is not past due and Next is the following occurrence", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const { clock, inputs, reasons } = started(timerRunner({ schedule: "*/10 * * * * *" }));

      clock.set("2025-01-01T12:00:10.200Z");
      await vi.advanceTimersByTimeAsync(10_000);
      await until(() => inputs.length === 1, "the occurrence fires");

      expect(reasons()).toEqual(["Timer fired"]);
      expect(inputs[0]).toEqual({
        Schedule: { AdjustForDST: true },
        ScheduleStatus: { Last: NEVER, Next: "2025-01-01T12:00:20.000Z", LastUpdated: "2025-01-01T12:00:10.200Z" },
        IsPastDue: false,
      });
    });

    it("when an occurrence fires more than a second late, then it is past due", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const { clock, inputs } = started(timerRunner({ schedule: "*/10 * * * * *" }));

      clock.set("2025-01-01T12:00:15.000Z");
      await vi.advanceTimersByTimeAsync(10_000);
      await until(() => inputs.length === 1, "the occurrence fires");

      expect(inputs[0]?.IsPastDue).toBe(true);
    });

    it("when the timer wakes before the occurrence by the clock, then it waits again instead of firing", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const { clock, inputs } = started(timerRunner({ schedule: "*/10 * * * * *" }));

      clock.set("2025-01-01T12:00:09.000Z");
      await vi.advanceTimersByTimeAsync(10_000);
      await settle();

      expect(inputs).toEqual([]);

      clock.set("2025-01-01T12:00:10.000Z");
      await vi.advanceTimersByTimeAsync(1_000);
      await until(() => inputs.length === 1, "the occurrence fires");

      expect(inputs[0]?.IsPastDue).toBe(false);
    });

    it("when a second occurrence fires, then Last is the previous occurrence", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const { clock, inputs } = started(timerRunner({ schedule: "*/10 * * * * *" }));
      clock.set("2025-01-01T12:00:10.000Z");
      await vi.advanceTimersByTimeAsync(10_000);
      await until(() => inputs.length === 1, "the first occurrence fires");
      await settle();

      clock.set("2025-01-01T12:00:20.000Z");
      await vi.advanceTimersByTimeAsync(10_000);
      await until(() => inputs.length === 2, "the second occurrence fires");

      expect(inputs[1]?.ScheduleStatus).toEqual({
        Last: "2025-01-01T12:00:10.000Z",
        Next: "2025-01-01T12:00:30.000Z",
        LastUpdated: "2025-01-01T12:00:20.000Z",
      });
      expect(inputs[1]?.IsPastDue).toBe(false);
    });

    it("when an occurrence comes while a run is going, then it fires after the run ends, past due", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const gate = deferred();
      let count = 0;
      const { runner, clock, inputs } = started(
        timerRunner({
          schedule: "*/10 * * * * *",
          callback: async () => {
            if (count++ === 0) await gate.promise;
          },
        }),
      );
      clock.set("2025-01-01T12:00:05.000Z");
      const manual = runner.runNow("manual", false);
      await until(() => inputs.length === 1, "the manual run starts");

      clock.set("2025-01-01T12:00:10.000Z");
      await vi.advanceTimersByTimeAsync(10_000);
      await settle();

      expect(inputs).toHaveLength(1);

      clock.set("2025-01-01T12:00:13.000Z");
      gate.resolve();
      await manual;
      await until(() => inputs.length === 2, "the occurrence fires");

      expect(inputs[1]?.IsPastDue).toBe(true);
    });

    it("when the runner is stopped, then due occurrences no longer fire", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const { runner, clock, inputs } = started(timerRunner({ schedule: "*/10 * * * * *" }));

      runner.stop();
      clock.set("2025-01-01T12:00:10.000Z");
      await vi.advanceTimersByTimeAsync(10_000);
      await settle();

      expect(inputs).toEqual([]);
      expect(vi.getTimerCount()).toBe(0);
    });

    it("when the runner is stopped while a due occurrence waits for a run, then that occurrence does not fire", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const gate = deferred();
      const { runner, clock, inputs } = started(
        timerRunner({ schedule: "*/10 * * * * *", callback: () => gate.promise }),
      );
      clock.set("2025-01-01T12:00:05.000Z");
      const manual = runner.runNow("manual", false);
      await until(() => inputs.length === 1, "the manual run starts");
      clock.set("2025-01-01T12:00:10.000Z");
      await vi.advanceTimersByTimeAsync(10_000);

      runner.stop();
      gate.resolve();
      await manual;
      await settle();

      expect(inputs).toHaveLength(1);
    });

    it("when the runner is stopped while an occurrence runs, then no later occurrence is scheduled", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const gate = deferred();
      const { runner, clock, inputs } = started(
        timerRunner({ schedule: "*/10 * * * * *", callback: () => gate.promise }),
      );
      clock.set("2025-01-01T12:00:10.000Z");
      await vi.advanceTimersByTimeAsync(10_000);
      await until(() => inputs.length === 1, "the occurrence starts");

      runner.stop();
      gate.resolve();
      await settle();

      expect(vi.getTimerCount()).toBe(0);

      clock.set("2025-01-01T12:00:20.000Z");
      await vi.advanceTimersByTimeAsync(10_000);
      await settle();

      expect(inputs).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
