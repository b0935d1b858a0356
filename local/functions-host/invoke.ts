// Runs one invocation the way the Node.js worker does: the programming model builds the
// arguments, preInvocation hooks run in order, then the function, then postInvocation hooks,
// then the model turns the result into the response the host would receive.
import { randomUUID } from "node:crypto";
import type {
  CoreInvocationContext,
  FunctionCallback,
  HookData,
  RpcInvocationRequest,
  RpcInvocationResponse,
  RpcLogCategory,
  RpcLogLevel,
  InvocationState,
} from "./core-types.js";
import type { HostLogger } from "./logger.js";
import type { FunctionRegistry, RegisteredFunction } from "./registry.js";

export interface InvocationOutcome {
  invocationId: string;
  response: RpcInvocationResponse;
}

export class InvocationError extends Error {
  override readonly name = "InvocationError";
  readonly invocationId: string;

  constructor(message: string, invocationId: string, cause: unknown) {
    super(message, { cause });
    this.invocationId = invocationId;
  }
}

function readOnly(name: string): never {
  throw new TypeError(`Cannot assign to read only property '${name}'`);
}

/** What every invocation hook sees; hookData is shared by the pre and post hooks of one invocation. */
class InvocationHookContext {
  readonly #hookData: HookData;
  readonly #appHookData: HookData;
  readonly #invocationContext: unknown;

  constructor(hookData: HookData, appHookData: HookData, invocationContext: unknown) {
    this.#hookData = hookData;
    this.#appHookData = appHookData;
    this.#invocationContext = invocationContext;
  }

  get hookData(): HookData {
    return this.#hookData;
  }

  set hookData(_value: HookData) {
    readOnly("hookData");
  }

  get appHookData(): HookData {
    return this.#appHookData;
  }

  set appHookData(_value: HookData) {
    readOnly("appHookData");
  }

  get invocationContext(): unknown {
    return this.#invocationContext;
  }

  set invocationContext(_value: unknown) {
    readOnly("invocationContext");
  }
}

class PreInvocationContext extends InvocationHookContext {
  inputs: unknown[];
  functionCallback: FunctionCallback;

  constructor(
    appHookData: HookData,
    invocationContext: unknown,
    inputs: unknown[],
    functionCallback: FunctionCallback,
  ) {
    super({}, appHookData, invocationContext);
    this.inputs = inputs;
    this.functionCallback = functionCallback;
  }
}

class PostInvocationContext extends InvocationHookContext {
  inputs: unknown[];
  result: unknown = null;
  error: unknown = null;

  constructor(hookData: HookData, appHookData: HookData, invocationContext: unknown, inputs: unknown[]) {
    super(hookData, appHookData, invocationContext);
    this.inputs = inputs;
  }
}

async function runHooks(hooks: readonly unknown[], context: object): Promise<void> {
  for (const hook of hooks) await (hook as (context: object) => unknown)(context);
}

export interface InvokeOptions {
  registry: FunctionRegistry;
  logger: HostLogger;
  fn: RegisteredFunction;
  request: Omit<RpcInvocationRequest, "invocationId" | "functionId">;
  /** Why it ran, as the host says in its "Executing" line. */
  reason: string;
}

export async function invoke({ registry, logger, fn, request, reason }: InvokeOptions): Promise<InvocationOutcome> {
  const invocationId = randomUUID();
  const model = registry.programmingModel;
  if (model === undefined) throw new Error("The app set no programming model: is @azure/functions installed?");
  const identity = { functionName: fn.name, invocationId };
  const userCategory = `Function.${fn.name}.User`;
  const systemCategory = `Function.${fn.name}`;
  const coreContext: CoreInvocationContext = {
    invocationId,
    request: { ...request, invocationId, functionId: fn.metadata.functionId ?? fn.name },
    metadata: fn.metadata,
    state: undefined,
    log(level: RpcLogLevel, category: RpcLogCategory, message: string) {
      logger.log(level, category === "user" ? userCategory : systemCategory, message, identity);
    },
  };
  const started = performance.now();
  // The two lines per invocation are the host's main cost on a trivial function: build them only when shown.
  const logsInformation = logger.isEnabled("information", systemCategory);
  if (logsInformation)
    logger.log(
      "information",
      systemCategory,
      `Executing 'Functions.${fn.name}' (Reason='${reason}', Id=${invocationId})`,
      identity,
    );
  try {
    const invocationModel = await model.getInvocationModel(coreContext);
    const { context, inputs: initialInputs } = await invocationModel.getArguments();
    // The hook contexts are built only for hooks that are there to see them.
    const preHooks = registry.hooks("preInvocation");
    let inputs = initialInputs;
    let functionCallback = fn.callback;
    let hookData: HookData = {};
    if (preHooks.length > 0) {
      const pre = new PreInvocationContext(registry.appHookData, context, initialInputs, fn.callback);
      setState(coreContext, "preInvocationHooks");
      await runHooks(preHooks, pre);
      setState(coreContext, undefined);
      ({ inputs, functionCallback, hookData } = pre);
    }

    let result: unknown = null;
    let failure: unknown = null;
    setState(coreContext, "invocation");
    try {
      result = await invocationModel.invokeFunction(context, inputs, functionCallback);
    } catch (error) {
      failure = error;
    } finally {
      setState(coreContext, undefined);
    }
    const postHooks = registry.hooks("postInvocation");
    if (postHooks.length > 0) {
      const post = new PostInvocationContext(hookData, registry.appHookData, context, inputs);
      post.result = result;
      post.error = failure;
      setState(coreContext, "postInvocationHooks");
      await runHooks(postHooks, post);
      setState(coreContext, undefined);
      ({ result, error: failure } = post);
    }
    if (failure !== null && failure !== undefined)
      throw failure instanceof Error
        ? failure
        : new Error(`the function threw a non-error: ${JSON.stringify(failure)}`);

    const response = await invocationModel.getResponse(context, result);
    if (logsInformation)
      logger.log(
        "information",
        systemCategory,
        `Executed 'Functions.${fn.name}' (Succeeded, Id=${invocationId}, Duration=${Math.round(performance.now() - started)}ms)`,
        identity,
      );
    return { invocationId, response };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.log(
      "error",
      systemCategory,
      `Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}, Duration=${Math.round(performance.now() - started)}ms)`,
      identity,
    );
    logger.log(
      "error",
      systemCategory,
      `Result: Failure\nException: ${error instanceof Error ? (error.stack ?? message) : message}`,
      identity,
    );
    throw new InvocationError(`Function '${fn.name}' failed: ${message}`, invocationId, error);
  }
}

function setState(context: CoreInvocationContext, state: InvocationState | undefined): void {
  context.state = state;
}
