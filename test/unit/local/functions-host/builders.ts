import { expect } from "vitest";
// Test data builders shared by the local Functions host unit tests: registered functions (made
// by the real registry), an in-memory programming model that records what the host asks of it,
// a logger with a capturing sink, and temporary app folders.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  CoreInvocationContext,
  FunctionCallback,
  InvocationModel,
  ProgrammingModel,
  RpcBindingInfo,
  RpcInvocationResponse,
  RpcTypedData,
} from "../../../../local/functions-host/core-types.js";
import { AppConfigError } from "../../../../local/functions-host/app-config.js";
import { HostLogger, type LogRecord } from "../../../../local/functions-host/logger.js";
import { FunctionRegistry, type RegisteredFunction } from "../../../../local/functions-host/registry.js";

export interface FunctionOptions {
  name?: string;
  triggerName?: string;
  trigger?: RpcBindingInfo;
  extraBindings?: Record<string, RpcBindingInfo>;
  callback?: FunctionCallback;
}

export function httpTriggerBinding(overrides: RpcBindingInfo = {}): RpcBindingInfo {
  return { type: "httpTrigger", direction: "in", authLevel: "anonymous", methods: ["GET"], ...overrides };
}

export function serviceBusTriggerBinding(overrides: RpcBindingInfo = {}): RpcBindingInfo {
  return {
    type: "serviceBusTrigger",
    direction: "in",
    queueName: "work",
    connection: "ServiceBusConnection",
    ...overrides,
  };
}

export function timerTriggerBinding(overrides: RpcBindingInfo = {}): RpcBindingInfo {
  return { type: "timerTrigger", direction: "in", schedule: "0 */5 * * * *", ...overrides };
}

/** Registers the function in `registry` the way @azure/functions does, and returns what the registry kept. */
export function registerIn(registry: FunctionRegistry, options: FunctionOptions = {}): RegisteredFunction {
  const name = options.name ?? "work";
  registry.registerFunction(
    {
      name,
      bindings: {
        [options.triggerName ?? "trigger"]: options.trigger ?? httpTriggerBinding(),
        ...options.extraBindings,
      },
    },
    options.callback ?? (() => undefined),
  );
  const fn = registry.find(name);
  if (fn === undefined) throw new Error(`function ${name} was not registered`);
  return fn;
}

/** A function as the registry holds it, registered in a registry of its own. */
export function registeredFunction(options: FunctionOptions = {}): RegisteredFunction {
  return registerIn(new FunctionRegistry(), options);
}

/** A promise with its resolve function, for tests that control when work finishes. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** Lets every pending promise callback and I/O callback run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The invocation context the fake model hands to functions and hooks. */
export interface FakeInvocationContext {
  invocationId: string;
  functionName: string;
}

export interface ModelCall {
  coreContext: CoreInvocationContext;
  context: FakeInvocationContext;
  invokedWith?: unknown[];
  responseFor?: unknown;
}

/**
 * An in-memory programming model, in the role @azure/functions plays: it hands the functions
 * their trigger data as inputs, calls `callback(...inputs, context)`, and answers with the
 * result as JSON. Each call is recorded.
 */
export class FakeProgrammingModel implements ProgrammingModel {
  readonly name = "fake-model";
  readonly version = "1.0.0";
  readonly calls: ModelCall[] = [];

  getInvocationModel(coreContext: CoreInvocationContext): InvocationModel {
    const call: ModelCall = {
      coreContext,
      context: { invocationId: coreContext.invocationId, functionName: coreContext.metadata.name ?? "" },
    };
    this.calls.push(call);
    return {
      getArguments: () =>
        Promise.resolve({
          context: call.context,
          inputs: (coreContext.request.inputData ?? []).map((binding) => binding.data),
        }),
      invokeFunction: async (context, inputs, callback) => {
        call.invokedWith = inputs;
        return await callback(...inputs, context);
      },
      getResponse: (_context, result): Promise<RpcInvocationResponse> => {
        call.responseFor = result;
        return Promise.resolve({
          invocationId: coreContext.invocationId,
          returnValue: { json: JSON.stringify(result ?? null) },
        });
      },
    };
  }

  /** The only call so far; fails the test otherwise. */
  only(): ModelCall {
    if (this.calls.length !== 1) throw new Error(`expected one invocation, got ${this.calls.length}`);
    const [call] = this.calls;
    if (call === undefined) throw new Error("unreachable");
    return call;
  }
}

/** The JSON a timer or Service Bus input carries, parsed. */
export function jsonOf(data: RpcTypedData | null | undefined): unknown {
  if (typeof data?.json !== "string") throw new Error(`expected JSON typed data, got ${JSON.stringify(data)}`);
  return JSON.parse(data.json);
}

export interface CapturingLogger {
  logger: HostLogger;
  records: LogRecord[];
  messages(): string[];
}

export function capturingLogger(logLevel: Record<string, string> = { default: "Trace" }): CapturingLogger {
  const records: LogRecord[] = [];
  const logger = new HostLogger(logLevel, (record) => records.push(record));
  return { logger, records, messages: () => records.map((record) => record.message) };
}

/** A temporary app folder holding `files` (name -> content); call `remove` when done. */
export function tempAppDir(files: Record<string, string> = {}): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), "functions-host-test-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(root, name), content);
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** Runs an action that must fail with an AppConfigError, and returns that error. */
export function appConfigErrorOf(action: () => unknown, accepted = "the input was accepted"): AppConfigError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(AppConfigError);
    return error as AppConfigError;
  }
  throw new Error(`expected an AppConfigError, ${accepted}`);
}
