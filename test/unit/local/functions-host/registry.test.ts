import { describe, it, expect } from "vitest";
import type { FunctionMetadata, HookCallback } from "../../../../local/functions-host/core-types.js";
import { FunctionRegistry, HOOK_NAMES, RegistrationError } from "../../../../local/functions-host/registry.js";
import { httpTriggerBinding, registerIn, serviceBusTriggerBinding, timerTriggerBinding } from "./builders.js";

function metadata(
  name: string,
  bindings: FunctionMetadata["bindings"] = { request: httpTriggerBinding() },
): FunctionMetadata {
  return { name, bindings };
}

function registrationErrorOf(action: () => unknown): RegistrationError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(RegistrationError);
    return error as RegistrationError;
  }
  throw new Error("expected a RegistrationError, the registration was accepted");
}

function hook(calls: string[], label: string): HookCallback {
  return () => calls.push(label);
}

describe("FunctionRegistry", () => {
  describe("functions", () => {
    it("when a function is registered, then it is found by name in any case with its trigger and callback", () => {
      const registry = new FunctionRegistry();
      const callback = (): string => "ran";

      registry.registerFunction(
        metadata("GetOrder", {
          request: httpTriggerBinding({ route: "orders/{id}" }),
          $return: { type: "http", direction: "out" },
        }),
        callback,
      );

      const fn = registry.find("getorder");
      expect(fn?.name).toBe("GetOrder");
      expect(fn?.callback).toBe(callback);
      expect(fn?.trigger).toEqual({
        ...httpTriggerBinding({ route: "orders/{id}" }),
        name: "request",
        type: "httpTrigger",
      });
      expect(registry.functions().map((registered) => registered.name)).toEqual(["GetOrder"]);
    });

    it("when a function is registered, then its RPC metadata carries every binding as raw JSON", () => {
      const fn = registerIn(new FunctionRegistry(), {
        name: "onWork",
        triggerName: "message",
        trigger: serviceBusTriggerBinding(),
      });

      expect(fn.metadata.functionId).toBe("onWork");
      expect(fn.metadata.rawBindings?.map((raw) => JSON.parse(raw) as unknown)).toEqual([
        { ...serviceBusTriggerBinding(), name: "message" },
      ]);
    });

    it("when two functions have the same name in different case, then the second is rejected", () => {
      const registry = new FunctionRegistry();
      registry.registerFunction(metadata("getOrder"), () => undefined);

      const error = registrationErrorOf(() => registry.registerFunction(metadata("GETORDER"), () => undefined));

      expect(error.message).toBe('A function named "GETORDER" is already registered.');
      expect(registry.functions()).toHaveLength(1);
    });

    it("when a function has no name, then it is rejected", () => {
      expect(
        registrationErrorOf(() => new FunctionRegistry().registerFunction(metadata(""), () => undefined)).message,
      ).toBe("A function must have a name.");
    });

    it("when a function has no trigger binding, then it is rejected", () => {
      const error = registrationErrorOf(() =>
        new FunctionRegistry().registerFunction(
          metadata("noTrigger", { output: { type: "queue", direction: "out" } }),
          () => undefined,
        ),
      );

      expect(error.message).toBe('Function "noTrigger" must have exactly one trigger binding.');
    });

    it("when a function has two trigger bindings, then it is rejected", () => {
      const error = registrationErrorOf(() =>
        new FunctionRegistry().registerFunction(
          metadata("twoTriggers", { timer: timerTriggerBinding(), message: serviceBusTriggerBinding() }),
          () => undefined,
        ),
      );

      expect(error.message).toBe('Function "twoTriggers" must have exactly one trigger binding.');
    });

    it("when a trigger type is written in another case, then it still counts as the trigger", () => {
      const fn = registerIn(new FunctionRegistry(), {
        trigger: { type: "TimerTrigger", schedule: "0 * * * * *" },
        extraBindings: { out: { type: "queue", direction: "out" } },
      });

      expect(fn.trigger.type).toBe("TimerTrigger");
    });

    it("when a function is registered after seal(), then it is rejected", () => {
      const registry = new FunctionRegistry();
      registry.seal();

      const error = registrationErrorOf(() => registry.registerFunction(metadata("late"), () => undefined));

      expect(error.message).toBe("A function can only be registered during app startup.");
      expect(registry.functions()).toEqual([]);
    });

    it("when a registration is disposed during startup, then the function is gone and its name is free again", () => {
      const registry = new FunctionRegistry();
      const registration = registry.registerFunction(metadata("temp"), () => undefined);

      registration.dispose();

      expect(registry.find("temp")).toBeUndefined();
      expect(() => registry.registerFunction(metadata("temp"), () => undefined)).not.toThrow();
    });

    it("when a registration is disposed after seal(), then it is refused and the function stays", () => {
      const registry = new FunctionRegistry();
      const registration = registry.registerFunction(metadata("kept"), () => undefined);
      registry.seal();

      expect(registrationErrorOf(() => registration.dispose()).message).toBe(
        "A function can only be disposed during app startup.",
      );
      expect(registry.find("kept")).toBeDefined();
    });
  });

  describe("hooks", () => {
    it("when hooks are registered, then they are kept per name in registration order", () => {
      const registry = new FunctionRegistry();
      const calls: string[] = [];
      const first = hook(calls, "first");
      const second = hook(calls, "second");
      const post = hook(calls, "post");

      registry.registerHook("preInvocation", first);
      registry.registerHook("postInvocation", post);
      registry.registerHook("preInvocation", second);

      expect(registry.hooks("preInvocation")).toEqual([first, second]);
      expect(registry.hooks("postInvocation")).toEqual([post]);
      expect(registry.hooks("appStart")).toEqual([]);
    });

    it("when a hook is disposed, then only that hook is removed", () => {
      const registry = new FunctionRegistry();
      const calls: string[] = [];
      const first = hook(calls, "first");
      const second = hook(calls, "second");
      const registration = registry.registerHook("preInvocation", first);
      registry.registerHook("preInvocation", second);

      registration.dispose();

      expect(registry.hooks("preInvocation")).toEqual([second]);
    });

    it("when the registry is sealed, then hooks can still be registered", () => {
      const registry = new FunctionRegistry();
      registry.seal();
      const calls: string[] = [];

      registry.registerHook("postInvocation", hook(calls, "late"));

      expect(registry.hooks("postInvocation")).toHaveLength(1);
    });

    it.each(HOOK_NAMES)("when the hook name is %j, then it is accepted", (name) => {
      const registry = new FunctionRegistry();

      registry.registerHook(name, () => undefined);

      expect(registry.hooks(name)).toHaveLength(1);
    });

    it.each(["preinvocation", "onStart", ""])("when the hook name is %j, then a RangeError names it", (name) => {
      expect(() => new FunctionRegistry().registerHook(name, () => undefined)).toThrow(
        new RangeError(`Unrecognized hook "${name}"`),
      );
    });
  });
});
