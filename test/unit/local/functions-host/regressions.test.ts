// Regression tests for local host bugs found while writing the unit tests; each failed before
// its fix.
import { describe, it, expect } from "vitest";
import { AppConfigError, resolveSettingExpression } from "../../../../local/functions-host/app-config.js";
import { FunctionRegistry, RegistrationError } from "../../../../local/functions-host/registry.js";
import {
  RouteTemplateError,
  compileRoute,
  matchRoute,
  type CompiledRoute,
} from "../../../../local/functions-host/routes.js";
import { TimerRunner, resolveTimerSchedule } from "../../../../local/functions-host/timer-trigger.js";
import { capturingLogger, registerIn, registeredFunction, settle, timerTriggerBinding } from "./builders.js";

/** The template the host picks for `path`, as http-server.ts does: sorted by specificity (stable), first match wins. */
function winner(templates: string[], path: string): string | undefined {
  const routes: CompiledRoute[] = templates.map(compileRoute).sort((a, b) => b.specificity - a.specificity);
  return routes.find((route) => matchRoute(route, path) !== undefined)?.template;
}

describe("timer-trigger.ts: NCRONTAB requires BOTH day-of-month and day-of-week", () => {
  // The Functions host evaluates schedules with NCrontab, which matches a day only when the
  // day-of-month AND the day-of-week fields both match (CrontabSchedule.TryGetNextOccurrence
  // checks _daysOfWeek after finding the day). croner 11 defaults to the Vixie-cron OR rule
  // (domAndDow: false), and resolveTimerSchedule does not pass domAndDow: true, so "Friday the
  // 13th" fires on every 13th and on every Friday.
  it("when the schedule is '0 0 0 13 * 5', then it fires only on a Friday the 13th", () => {
    const schedule = resolveTimerSchedule(
      registeredFunction({ name: "tick", trigger: timerTriggerBinding({ schedule: "0 0 0 13 * 5" }) }),
      {},
    );

    const next = schedule.cron.nextRuns(2, new Date("2024-01-01T00:00:00.000Z")).map((date) => date.toISOString());

    // Today: ["2024-01-05T00:00:00.000Z", "2024-01-12T00:00:00.000Z"] (any Friday, or any 13th).
    expect(next).toEqual(["2024-09-13T00:00:00.000Z", "2024-12-13T00:00:00.000Z"]);
  });
});

describe("routes.ts: an optional parameter or a catch-all must not make a route more specific", () => {
  // specificity is a sum over segments, and an optional parameter adds 1 while a catch-all adds
  // 0. So "items/{id?}" (4 + 1) outranks "items" (4) for the path /items, and a template made of
  // many parameters outranks one whose first segment is a literal. The Functions host routes
  // with ASP.NET Core's precedence, compared segment by segment from the left (literal, then
  // constrained, then plain parameter, then catch-all; RoutePrecedence.ComputeInbound), where
  // "items" beats "items/{id?}" and "x/{*rest}" beats "{a}/{b}/{c}/{d}/{e}".
  it("when 'items' and 'items/{id?}' both match /items, then the literal route wins", () => {
    expect(winner(["items/{id?}", "items"], "/items")).toBe("items");
  });

  it("when 'files' and 'files/{*rest}' both match /files, then the literal route wins whichever came first", () => {
    expect(winner(["files/{*rest}", "files"], "/files")).toBe("files");
  });

  it("when a literal-first catch-all and an all-parameter route both match, then the literal-first route wins", () => {
    expect(winner(["{a}/{b}/{c}/{d}/{e}", "x/{*rest}"], "/x/1/2/3/4")).toBe("x/{*rest}");
  });
});

describe("routes.ts: constraint names are looked up on a plain object", () => {
  // CONSTRAINTS is an object literal, so CONSTRAINTS["constructor"] is Object, not undefined:
  // "{id:constructor}" compiles into the pattern "/(function Object() { [native code] })"
  // instead of being rejected as an unknown constraint.
  it("when the constraint is 'constructor', then a RouteTemplateError names it as unknown", () => {
    expect(() => compileRoute("items/{id:constructor}")).toThrow(RouteTemplateError);
  });
});

describe("routes.ts: literal segments are compared with the still-encoded path", () => {
  // http-server.ts matches url.pathname, which keeps percent-encoding, and matchRoute decodes
  // only parameter values. A template literal with a space or a non-ASCII letter can never
  // match; ASP.NET Core matches literals against the decoded path.
  it("when the template is 'hello world', then /hello%20world matches it", () => {
    expect(matchRoute(compileRoute("hello world"), new URL("http://localhost/hello world").pathname)).toEqual({});
  });
});

describe("app-config.ts: setting names are looked up on a plain object", () => {
  // resolveSettingExpression reads settings[name]; settings is an object literal, so
  // %constructor% resolves to "function Object() { [native code] }" and %__proto__% to
  // "[object Object]" instead of throwing "app setting ... is not set".
  it.each(["constructor", "__proto__", "toString"])(
    "when the setting %j is not set, then an AppConfigError names it",
    (name) => {
      expect(() => resolveSettingExpression(`%${name}%`, {}, "onWork")).toThrow(
        new AppConfigError(`onWork: app setting '${name}' is not set`),
      );
    },
  );
});

describe("registry.ts: duplicate names are checked by functionId", () => {
  // registerFunction keys functions by (functionId ?? name).toLowerCase(), while find() looks
  // them up by name. A function given a functionId that differs from its name can be registered
  // twice under the same name, and find(name) does not find it.
  it("when two functions share a name but not a functionId, then the second is rejected", () => {
    const registry = new FunctionRegistry();
    registry.registerFunction(
      { name: "tick", functionId: "id-1", bindings: { timer: timerTriggerBinding() } },
      () => undefined,
    );

    expect(() =>
      registry.registerFunction(
        { name: "TICK", functionId: "id-2", bindings: { timer: timerTriggerBinding() } },
        () => undefined,
      ),
    ).toThrow(RegistrationError);
  });

  it("when a function has a functionId, then find() still finds it by name", () => {
    const registry = new FunctionRegistry();
    registry.registerFunction(
      { name: "tick", functionId: "id-1", bindings: { timer: timerTriggerBinding() } },
      () => undefined,
    );

    expect(registry.find("tick")?.name).toBe("tick");
  });
});

describe("timer-trigger.ts: a rejected runNow leaves an unhandled rejection behind", () => {
  // runNow does `void running.finally(...)`. finally() returns a new promise that rejects with
  // the same reason, and nothing handles it: even when the caller awaits runNow and handles the
  // rejection, Node reports an unhandled rejection (which ends a process run with the default
  // --unhandled-rejections=throw). It happens whenever invoke() throws something other than an
  // InvocationError, e.g. when the app set no programming model.
  it("when the caller handles runNow's rejection, then no unhandled rejection is reported", async () => {
    const registry = new FunctionRegistry();
    const fn = registerIn(registry, { name: "tick", trigger: timerTriggerBinding() });
    const runner = new TimerRunner({
      schedule: resolveTimerSchedule(fn, {}),
      registry,
      logger: capturingLogger().logger,
      track: (work) => work,
    });
    const unhandled: unknown[] = [];
    const listener = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on("unhandledRejection", listener);
    try {
      await expect(runner.runNow("manual", false)).rejects.toThrow("no programming model");
      await settle();
      await settle();
    } finally {
      process.off("unhandledRejection", listener);
    }

    expect(unhandled).toEqual([]);
  });
});
