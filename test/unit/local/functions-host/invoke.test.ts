import { describe, it, expect } from "vitest";
import type {
  FunctionCallback,
  HookCallback,
  InvocationState,
  RpcInvocationRequest,
} from "../../../../local/functions-host/core-types.js";
import { InvocationError, invoke, type InvocationOutcome } from "../../../../local/functions-host/invoke.js";
import { FunctionRegistry, type RegisteredFunction } from "../../../../local/functions-host/registry.js";
import {
  FakeProgrammingModel,
  capturingLogger,
  jsonOf,
  registerIn,
  type CapturingLogger,
  type FakeInvocationContext,
} from "./builders.js";

/** What a preInvocation hook is given. */
interface PreContext {
  inputs: unknown[];
  functionCallback: FunctionCallback;
  hookData: Record<string, unknown>;
  appHookData: Record<string, unknown>;
  invocationContext: FakeInvocationContext;
}

/** What a postInvocation hook is given. */
interface PostContext {
  inputs: unknown[];
  result: unknown;
  error: unknown;
  hookData: Record<string, unknown>;
  appHookData: Record<string, unknown>;
  invocationContext: FakeInvocationContext;
}

function preHook(hook: (context: PreContext) => unknown): HookCallback {
  return hook;
}

function postHook(hook: (context: PostContext) => unknown): HookCallback {
  return hook;
}

interface Setup {
  registry: FunctionRegistry;
  model: FakeProgrammingModel;
  log: CapturingLogger;
  fn: RegisteredFunction;
}

function setup(callback: FunctionCallback = () => "done", name = "work"): Setup {
  const registry = new FunctionRegistry();
  const model = new FakeProgrammingModel();
  registry.programmingModel = model;
  const fn = registerIn(registry, {
    name,
    triggerName: "message",
    trigger: { type: "serviceBusTrigger", queueName: "work" },
    callback,
  });
  registry.seal();
  return { registry, model, log: capturingLogger(), fn };
}

const REQUEST: Omit<RpcInvocationRequest, "invocationId" | "functionId"> = {
  inputData: [{ name: "message", data: { string: "hello" } }],
  triggerMetadata: { DeliveryCount: { json: "1" } },
};

function run(
  { registry, log, fn }: Setup,
  reason = "New ServiceBus message detected on 'work'.",
): Promise<InvocationOutcome> {
  return invoke({ registry, logger: log.logger, fn, request: REQUEST, reason });
}

async function invocationErrorOf(work: Promise<unknown>): Promise<InvocationError> {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(InvocationError);
    return error as InvocationError;
  }
  throw new Error("expected an InvocationError, the invocation succeeded");
}

describe("invoke", () => {
  describe("the function", () => {
    it("when a function runs, then it gets the model's inputs and its result becomes the response", async () => {
      const received: unknown[] = [];
      const context = setup((input) => {
        received.push(input);
        return { handled: true };
      });

      const outcome = await run(context);

      expect(received).toEqual([{ string: "hello" }]);
      expect(jsonOf(outcome.response.returnValue)).toEqual({ handled: true });
      expect(outcome.response.invocationId).toBe(outcome.invocationId);
    });

    it("when a function runs, then the model sees the request with the invocation and function ids", async () => {
      const context = setup();

      const outcome = await run(context);

      const { coreContext } = context.model.only();
      expect(coreContext.invocationId).toBe(outcome.invocationId);
      expect(coreContext.request).toEqual({ ...REQUEST, invocationId: outcome.invocationId, functionId: "work" });
      expect(coreContext.metadata).toBe(context.fn.metadata);
    });

    it("when two invocations run, then each gets its own invocation id", async () => {
      const context = setup();

      const first = await run(context);
      const second = await run(context);

      expect(first.invocationId).not.toBe(second.invocationId);
      expect(first.invocationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });

    it("when the function throws, then an InvocationError carries the error as its cause and the invocation id", async () => {
      const boom = new Error("boom");
      const context = setup(() => {
        throw boom;
      });

      const error = await invocationErrorOf(run(context));

      expect(error.message).toBe("Function 'work' failed: boom");
      expect(error.cause).toBe(boom);
      expect(error.invocationId).toBe(context.model.only().coreContext.invocationId);
      expect(context.model.only().responseFor).toBeUndefined();
    });

    it("when the function rejects with a non-error, then the InvocationError describes the value", async () => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a function may reject with anything
      const context = setup(() => Promise.reject({ code: 42 }));

      const error = await invocationErrorOf(run(context));

      expect(error.message).toBe("Function 'work' failed: the function threw a non-error: {\"code\":42}");
    });

    it("when the app set no programming model, then invoke rejects naming @azure/functions", async () => {
      const context = setup();
      context.registry.programmingModel = undefined;

      await expect(run(context)).rejects.toThrow("The app set no programming model: is @azure/functions installed?");
    });
  });

  describe("hooks", () => {
    it("when pre and post hooks are registered, then they run in order around the function", async () => {
      const calls: string[] = [];
      const context = setup(() => calls.push("function"));
      context.registry.registerHook("preInvocation", () => calls.push("pre-1"));
      context.registry.registerHook("postInvocation", () => calls.push("post-1"));
      context.registry.registerHook("preInvocation", () => calls.push("pre-2"));
      context.registry.registerHook("postInvocation", () => calls.push("post-2"));

      await run(context);

      expect(calls).toEqual(["pre-1", "pre-2", "function", "post-1", "post-2"]);
    });

    it("when a hook is async, then the next step waits for it", async () => {
      const calls: string[] = [];
      const context = setup(() => calls.push("function"));
      context.registry.registerHook(
        "preInvocation",
        preHook(async () => {
          await new Promise((resolve) => setImmediate(resolve));
          calls.push("slow pre");
        }),
      );

      await run(context);

      expect(calls).toEqual(["slow pre", "function"]);
    });

    it("when a pre hook replaces the inputs, then the function gets the new inputs and post hooks see them", async () => {
      const received: unknown[] = [];
      let postInputs: unknown[] = [];
      const context = setup((input) => received.push(input));
      context.registry.registerHook(
        "preInvocation",
        preHook((hook) => {
          hook.inputs = [{ string: "replaced" }];
        }),
      );
      context.registry.registerHook(
        "postInvocation",
        postHook((hook) => {
          postInputs = hook.inputs;
        }),
      );

      await run(context);

      expect(received).toEqual([{ string: "replaced" }]);
      expect(postInputs).toEqual([{ string: "replaced" }]);
    });

    it("when a pre hook replaces the function callback, then the replacement runs instead of the function", async () => {
      const calls: string[] = [];
      const context = setup(() => calls.push("original"));
      context.registry.registerHook(
        "preInvocation",
        preHook((hook) => {
          const original = hook.functionCallback;
          expect(original).toBe(context.fn.callback);
          hook.functionCallback = () => {
            calls.push("replacement");
            return "wrapped";
          };
        }),
      );

      const outcome = await run(context);

      expect(calls).toEqual(["replacement"]);
      expect(jsonOf(outcome.response.returnValue)).toBe("wrapped");
    });

    it("when the function succeeds, then post hooks see its result and no error", async () => {
      const seen: { result: unknown; error: unknown }[] = [];
      const context = setup(() => ({ total: 3 }));
      context.registry.registerHook(
        "postInvocation",
        postHook((hook) => {
          seen.push({ result: hook.result, error: hook.error });
        }),
      );

      await run(context);

      expect(seen).toEqual([{ result: { total: 3 }, error: null }]);
    });

    it("when a post hook changes the result, then the response is made from the changed result", async () => {
      const context = setup(() => "original");
      context.registry.registerHook(
        "postInvocation",
        postHook((hook) => {
          hook.result = "changed";
        }),
      );

      const outcome = await run(context);

      expect(context.model.only().responseFor).toBe("changed");
      expect(jsonOf(outcome.response.returnValue)).toBe("changed");
    });

    it("when the function throws, then post hooks see the error before the InvocationError is thrown", async () => {
      const boom = new Error("boom");
      const seen: unknown[] = [];
      const context = setup(() => {
        throw boom;
      });
      context.registry.registerHook(
        "postInvocation",
        postHook((hook) => {
          seen.push(hook.error);
        }),
      );

      const error = await invocationErrorOf(run(context));

      expect(seen).toEqual([boom]);
      expect(error.cause).toBe(boom);
    });

    it("when a post hook clears the error, then the invocation succeeds with the hook's result", async () => {
      const context = setup(() => {
        throw new Error("boom");
      });
      context.registry.registerHook(
        "postInvocation",
        postHook((hook) => {
          hook.error = null;
          hook.result = "recovered";
        }),
      );

      const outcome = await run(context);

      expect(jsonOf(outcome.response.returnValue)).toBe("recovered");
    });

    it("when a post hook replaces the error, then the InvocationError carries the replacement", async () => {
      const replacement = new Error("replaced");
      const context = setup(() => {
        throw new Error("boom");
      });
      context.registry.registerHook(
        "postInvocation",
        postHook((hook) => {
          hook.error = replacement;
        }),
      );

      const error = await invocationErrorOf(run(context));

      expect(error.cause).toBe(replacement);
    });

    it("when a pre hook throws, then the function does not run and an InvocationError carries the hook's error", async () => {
      const calls: string[] = [];
      const hookError = new Error("pre failed");
      const context = setup(() => calls.push("function"));
      context.registry.registerHook("preInvocation", () => {
        throw hookError;
      });

      const error = await invocationErrorOf(run(context));

      expect(calls).toEqual([]);
      expect(error.cause).toBe(hookError);
    });

    it("when hooks run, then pre and post hooks of one invocation share hookData and see the invocation context", async () => {
      const seen: { data: unknown; context: unknown }[] = [];
      const context = setup();
      context.registry.registerHook(
        "preInvocation",
        preHook((hook) => {
          hook.hookData.startedBy = "pre";
        }),
      );
      context.registry.registerHook(
        "postInvocation",
        postHook((hook) => {
          seen.push({ data: { ...hook.hookData }, context: hook.invocationContext });
        }),
      );

      await run(context);

      expect(seen).toEqual([{ data: { startedBy: "pre" }, context: context.model.only().context }]);
    });

    it("when two invocations run, then each starts with empty hookData", async () => {
      const seen: unknown[] = [];
      const context = setup();
      context.registry.registerHook(
        "preInvocation",
        preHook((hook) => {
          seen.push({ ...hook.hookData });
          hook.hookData.mark = true;
        }),
      );

      await run(context);
      await run(context);

      expect(seen).toEqual([{}, {}]);
    });

    it("when hooks run, then appHookData is the registry's, shared by every invocation", async () => {
      const context = setup();
      context.registry.appHookData.fromAppStart = "yes";
      const seen: unknown[] = [];
      context.registry.registerHook(
        "preInvocation",
        preHook((hook) => {
          seen.push(hook.appHookData);
        }),
      );

      await run(context);

      expect(seen).toEqual([context.registry.appHookData]);
      expect(seen[0]).toBe(context.registry.appHookData);
    });

    it.each(["hookData", "appHookData", "invocationContext"] as const)(
      "when a pre hook assigns %s, then a TypeError is thrown",
      async (property) => {
        const thrown: unknown[] = [];
        const context = setup();
        context.registry.registerHook(
          "preInvocation",
          preHook((hook) => {
            try {
              (hook as unknown as Record<string, unknown>)[property] = {};
            } catch (error) {
              thrown.push(error);
            }
          }),
        );

        await run(context);

        expect(thrown).toEqual([new TypeError(`Cannot assign to read only property '${property}'`)]);
      },
    );

    it("when a post hook assigns hookData, then a TypeError is thrown", async () => {
      const thrown: unknown[] = [];
      const context = setup();
      context.registry.registerHook(
        "postInvocation",
        postHook((hook) => {
          try {
            (hook as unknown as Record<string, unknown>).hookData = {};
          } catch (error) {
            thrown.push(error);
          }
        }),
      );

      await run(context);

      expect(thrown).toEqual([new TypeError("Cannot assign to read only property 'hookData'")]);
    });

    it("when hooks and the function run, then the core context's state says which stage is running", async () => {
      const states: (InvocationState | undefined)[] = [];
      const stateNow = (): InvocationState | undefined => context.model.only().coreContext.state;
      const context = setup(() => states.push(stateNow()));
      context.registry.registerHook("preInvocation", () => states.push(stateNow()));
      context.registry.registerHook("postInvocation", () => states.push(stateNow()));

      await run(context);

      expect(states).toEqual(["preInvocationHooks", "invocation", "postInvocationHooks"]);
      expect(stateNow()).toBeUndefined();
    });
  });

  describe("logs", () => {
    it("when an invocation succeeds, then Executing and Executed (Succeeded) are logged for the function", async () => {
      const context = setup(() => "ok", "onWork");

      const outcome = await run(context, "New ServiceBus message detected on 'work'.");

      const id = outcome.invocationId;
      expect(context.log.records.map((record) => ({ ...record, time: undefined }))).toEqual([
        {
          time: undefined,
          level: "information",
          category: "Function.onWork",
          message: `Executing 'Functions.onWork' (Reason='New ServiceBus message detected on 'work'.', Id=${id})`,
          functionName: "onWork",
          invocationId: id,
        },
        {
          time: undefined,
          level: "information",
          category: "Function.onWork",
          message: expect.stringMatching(
            new RegExp(`^Executed 'Functions\\.onWork' \\(Succeeded, Id=${id}, Duration=\\d+ms\\)$`),
          ) as unknown,
          functionName: "onWork",
          invocationId: id,
        },
      ]);
    });

    it("when an invocation fails, then Executed (Failed) and the exception are logged as errors", async () => {
      const context = setup(() => {
        throw new Error("boom");
      }, "onWork");

      const error = await invocationErrorOf(run(context));

      const failures = context.log.records.filter((record) => record.level === "error");
      expect(failures.map((record) => record.message)).toEqual([
        expect.stringMatching(
          new RegExp(`^Executed 'Functions\\.onWork' \\(Failed, Id=${error.invocationId}, Duration=\\d+ms\\)$`),
        ),
        expect.stringMatching(/^Result: Failure\nException: Error: boom\n/),
      ]);
      expect(
        failures.every((record) => record.functionName === "onWork" && record.invocationId === error.invocationId),
      ).toBe(true);
      expect(context.log.messages().some((message) => message.includes("Succeeded"))).toBe(false);
    });

    it("when the function logs through the core context, then user logs go to Function.name.User and system logs to Function.name", async () => {
      const context = setup(() => {
        const { coreContext } = context.model.only();
        coreContext.log("warning", "user", "from the function");
        coreContext.log("debug", "system", "from the library");
      }, "onWork");

      const outcome = await run(context);

      const logged = context.log.records.filter((record) => record.message.startsWith("from the"));
      expect(logged.map((record) => [record.level, record.category, record.message, record.invocationId])).toEqual([
        ["warning", "Function.onWork.User", "from the function", outcome.invocationId],
        ["debug", "Function.onWork", "from the library", outcome.invocationId],
      ]);
    });

    it("when host.json silences the function, then its Executing and Executed lines are not logged", async () => {
      const context = setup(() => "ok", "quiet");
      context.log = capturingLogger({ default: "Information", "Function.quiet": "Warning" });

      await run(context);

      expect(context.log.records).toEqual([]);
    });
  });
});
