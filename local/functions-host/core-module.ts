// Provides the module `@azure/functions-core` to the app, as the Azure Functions Node.js worker
// does: `@azure/functions` requires it to register functions and hooks. Without it the library
// falls back to "test mode" and registers nothing.
import Module from "node:module";
import type { RpcLogCategory, RpcLogLevel } from "./core-types.js";
import type { FunctionRegistry } from "./registry.js";

export const WORKER_VERSION = "local-functions-host";
export const HOST_VERSION = "4.1000.0";

class Disposable {
  #callOnDispose: (() => unknown) | undefined;

  static from(...disposables: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => {
      for (const disposable of disposables) disposable.dispose();
    });
  }

  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }

  dispose(): void {
    this.#callOnDispose?.();
    this.#callOnDispose = undefined;
  }
}

export interface CoreLog {
  (level: RpcLogLevel, category: RpcLogCategory, message: string): void;
}

let installedApi: object | undefined;

/**
 * Intercepts `require("@azure/functions-core")` (the library is CommonJS) for this process.
 * One registry per process, like the worker it stands in for.
 */
export function installCoreModule(registry: FunctionRegistry, log: CoreLog): void {
  if (installedApi !== undefined) throw new Error("@azure/functions-core is already provided in this process");
  const coreApi = {
    version: WORKER_VERSION,
    hostVersion: HOST_VERSION,
    registerFunction: (...args: Parameters<FunctionRegistry["registerFunction"]>) => {
      const registration = registry.registerFunction(...args);
      return new Disposable(() => registration.dispose());
    },
    registerHook: (...args: Parameters<FunctionRegistry["registerHook"]>) => {
      const registration = registry.registerHook(...args);
      return new Disposable(() => registration.dispose());
    },
    setProgrammingModel: (model: FunctionRegistry["programmingModel"]) => {
      registry.programmingModel = model;
    },
    getProgrammingModel: () => registry.programmingModel,
    log,
    Disposable,
  };
  installedApi = coreApi;
  const prototype = Module.prototype as unknown as { require: (id: string) => unknown };
  prototype.require = new Proxy(prototype.require, {
    apply(target, thisArg, args: [string]) {
      if (args[0] === "@azure/functions-core") return coreApi;
      return Reflect.apply<unknown, [string], unknown>(target, thisArg, args);
    },
  });
}
