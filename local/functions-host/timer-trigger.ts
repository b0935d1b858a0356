// Timer triggers on 6-field NCRONTAB schedules (croner evaluates them), with `%SETTING%`
// schedules, runOnStartup, isPastDue and scheduleStatus as the Functions host provides them.
// Like the host, one invocation of a timer function runs at a time; an occurrence missed while
// it ran fires as soon as it ends, marked past due.
import { Cron } from "croner";
import { AppConfigError, resolveSettingExpression } from "./app-config.js";
import type { RpcTypedData } from "./core-types.js";
import { InvocationError, invoke } from "./invoke.js";
import type { HostLogger } from "./logger.js";
import type { FunctionRegistry, RegisteredFunction } from "./registry.js";

/** .NET's DateTime.MinValue: what the host reports as the last run of a timer that never ran. */
const NEVER = new Date("0001-01-01T00:00:00.000Z");

/** The host waits this long past an occurrence before calling it past due. */
const PAST_DUE_TOLERANCE_MS = 1_000;

export interface TimerSchedule {
  fn: RegisteredFunction;
  expression: string;
  cron: Cron;
  runOnStartup: boolean;
}

export function resolveTimerSchedule(fn: RegisteredFunction, settings: Record<string, string>): TimerSchedule {
  const schedule = fn.trigger.schedule;
  if (typeof schedule !== "string" || schedule.trim() === "")
    throw new AppConfigError(`${fn.name}: timerTrigger needs a schedule`);
  const expression = resolveSettingExpression(schedule, settings, fn.name).trim();
  const fields = expression.split(/\s+/);
  if (fields.length !== 6) {
    throw new AppConfigError(
      `${fn.name}: schedule '${expression}' must be a 6-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week})`,
    );
  }
  let cron: Cron;
  try {
    // NCrontab, which the Functions host uses, needs both day fields to match (cron's OR rule does not apply).
    cron = new Cron(expression, { paused: true, domAndDow: true, timezone: settings.WEBSITE_TIME_ZONE ?? "Etc/UTC" });
  } catch (error) {
    throw new AppConfigError(`${fn.name}: schedule '${expression}' is not valid NCRONTAB: ${(error as Error).message}`);
  }
  return { fn, expression, cron, runOnStartup: fn.trigger.runOnStartup === true };
}

export interface TimerInfo {
  isPastDue: boolean;
  last: Date | undefined;
  next: Date | undefined;
}

/** The timer input as the host serializes it; the library camel-cases it for the function. */
export function toTimerInput(info: TimerInfo, now: Date): RpcTypedData {
  return {
    json: JSON.stringify({
      Schedule: { AdjustForDST: true },
      ScheduleStatus: {
        Last: (info.last ?? NEVER).toISOString(),
        Next: info.next?.toISOString() ?? null,
        LastUpdated: now.toISOString(),
      },
      IsPastDue: info.isPastDue,
    }),
  };
}

export interface TimerRunnerOptions {
  schedule: TimerSchedule;
  registry: FunctionRegistry;
  logger: HostLogger;
  track<T>(work: Promise<T>): Promise<T>;
  now?: () => Date;
}

export class TimerRunner {
  readonly #options: TimerRunnerOptions;
  readonly #now: () => Date;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #last: Date | undefined;
  #next: Date | undefined;
  #stopped = false;

  constructor(options: TimerRunnerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  get nextOccurrence(): Date | undefined {
    return this.#next;
  }

  start(): void {
    this.#next = this.#options.schedule.cron.nextRun(this.#now()) ?? undefined;
    if (this.#options.schedule.runOnStartup) void this.runNow("Timer fired at startup (runOnStartup)", false);
    this.#arm();
  }

  #arm(): void {
    if (this.#stopped || this.#next === undefined) return;
    const due = this.#next;
    // setTimeout holds at most ~24.8 days; longer waits re-arm on the way.
    const delay = Math.min(Math.max(0, due.getTime() - this.#now().getTime()), 2 ** 31 - 1);
    this.#timer = setTimeout(() => {
      if (this.#now().getTime() < due.getTime()) {
        this.#arm();
        return;
      }
      void this.#fire(due);
    }, delay);
  }

  async #fire(scheduled: Date): Promise<void> {
    if (this.#running) await this.#running;
    if (this.#stopped) return;
    const now = this.#now();
    const isPastDue = now.getTime() - scheduled.getTime() > PAST_DUE_TOLERANCE_MS;
    this.#next = this.#options.schedule.cron.nextRun(scheduled) ?? undefined;
    await this.runNow("Timer fired", isPastDue);
    this.#last = scheduled;
    this.#arm();
  }

  /** Invokes the function now (a schedule occurrence, runOnStartup or the admin API). */
  runNow(reason: string, isPastDue: boolean): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.#running) await this.#running.catch(() => undefined);
      const { fn } = this.#options.schedule;
      try {
        await invoke({
          registry: this.#options.registry,
          logger: this.#options.logger,
          fn,
          reason,
          request: {
            inputData: [
              {
                name: fn.trigger.name,
                data: toTimerInput({ isPastDue, last: this.#last, next: this.#next }, this.#now()),
              },
            ],
            triggerMetadata: {},
          },
        });
      } catch (error) {
        if (!(error instanceof InvocationError)) throw error;
      }
    };
    const running = this.#options.track(run());
    this.#running = running;
    const clear = () => {
      if (this.#running === running) this.#running = undefined;
    };
    running.then(clear, clear);
    return running;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }
}
