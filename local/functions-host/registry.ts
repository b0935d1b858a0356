// What the app registered through `@azure/functions-core` while it loaded: functions, hooks and
// its programming model. After start-up the registry is sealed, as in the real worker.
import type {
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  HookData,
  ProgrammingModel,
  RpcBindingInfo,
  RpcFunctionMetadata,
} from "./core-types.js";

export const HOOK_NAMES = ["appStart", "appTerminate", "preInvocation", "postInvocation", "log"] as const;
export type HookName = (typeof HOOK_NAMES)[number];

export interface RegisteredFunction {
  readonly name: string;
  readonly metadata: RpcFunctionMetadata;
  readonly bindings: Record<string, RpcBindingInfo>;
  /** The trigger binding and its name in `bindings`. */
  readonly trigger: RpcBindingInfo & { name: string; type: string };
  readonly callback: FunctionCallback;
}

export class RegistrationError extends Error {
  override readonly name = "RegistrationError";
}

export class FunctionRegistry {
  readonly #functions = new Map<string, RegisteredFunction>();
  readonly #hooks = new Map<HookName, HookCallback[]>();
  readonly appHookData: HookData = {};
  readonly appLevelOnlyHookData: HookData = {};
  programmingModel: ProgrammingModel | undefined;
  #sealed = false;

  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): { dispose(): void } {
    if (this.#sealed) throw new RegistrationError("A function can only be registered during app startup.");
    const name = metadata.name;
    const functionId = metadata.functionId ?? name;
    if (!name) throw new RegistrationError("A function must have a name.");
    if (
      this.#functions.has(name.toLowerCase()) ||
      [...this.#functions.values()].some(
        (fn) => (fn.metadata.functionId ?? "").toLowerCase() === functionId.toLowerCase(),
      )
    ) {
      throw new RegistrationError(`A function named "${name}" is already registered.`);
    }
    const entries = Object.entries(metadata.bindings);
    const triggers = entries.filter(([, binding]) => /trigger$/i.test(binding.type ?? ""));
    const [trigger, ...extra] = triggers;
    if (trigger === undefined || extra.length > 0)
      throw new RegistrationError(`Function "${name}" must have exactly one trigger binding.`);
    const rpcMetadata: RpcFunctionMetadata = {
      name,
      functionId,
      bindings: metadata.bindings,
      // The host reads `rawBindings`; the library reads `bindings`. Keep both, as the worker does.
      rawBindings: entries.map(([bindingName, binding]) => JSON.stringify({ ...binding, name: bindingName })),
      scriptFile: "n/a",
      retryOptions: metadata.retryOptions,
    };
    this.#functions.set(name.toLowerCase(), {
      name,
      metadata: rpcMetadata,
      bindings: metadata.bindings,
      trigger: { ...trigger[1], name: trigger[0], type: trigger[1].type ?? "" },
      callback,
    });
    return {
      dispose: () => {
        if (this.#sealed) throw new RegistrationError("A function can only be disposed during app startup.");
        this.#functions.delete(name.toLowerCase());
      },
    };
  }

  registerHook(hookName: string, callback: HookCallback): { dispose(): void } {
    if (!(HOOK_NAMES as readonly string[]).includes(hookName)) throw new RangeError(`Unrecognized hook "${hookName}"`);
    const name = hookName as HookName;
    const list = this.#hooks.get(name) ?? [];
    list.push(callback);
    this.#hooks.set(name, list);
    return {
      dispose: () => {
        const current = this.#hooks.get(name) ?? [];
        this.#hooks.set(
          name,
          current.filter((registered) => registered !== callback),
        );
      },
    };
  }

  hooks(name: HookName): readonly HookCallback[] {
    return this.#hooks.get(name) ?? [];
  }

  seal(): void {
    this.#sealed = true;
  }

  functions(): RegisteredFunction[] {
    return [...this.#functions.values()];
  }

  find(name: string): RegisteredFunction | undefined {
    return this.#functions.get(name.toLowerCase());
  }
}
