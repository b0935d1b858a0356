// Runs one invocation the way the Node.js worker does: the programming model builds the
// arguments, preInvocation hooks run in order, then the function, then postInvocation hooks,
// then the model turns the result into the response the host would receive.
import { randomUUID } from "node:crypto";
import type { CoreInvocationContext, HookData, RpcInvocationRequest, RpcInvocationResponse, RpcLogCategory, RpcLogLevel, InvocationState } from "./core-types.js";
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

async function runHooks(registry: FunctionRegistry, name: "preInvocation" | "postInvocation", context: object): Promise<void> {
  for (const hook of registry.hooks(name)) await (hook as (context: object) => unknown)(context);
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
  logger.log("information", systemCategory, `Executing 'Functions.${fn.name}' (Reason='${reason}', Id=${invocationId})`, identity);
  try {
    const invocationModel = await model.getInvocationModel(coreContext);
    const { context, inputs: initialInputs } = await invocationModel.getArguments();
    const hookData: HookData = {};
    const shared = {
      get hookData() {
        return hookData;
      },
      set hookData(_value) {
        readOnly("hookData");
      },
      get appHookData() {
        return registry.appHookData;
      },
      set appHookData(_value) {
        readOnly("appHookData");
      },
      get invocationContext() {
        return context;
      },
      set invocationContext(_value) {
        readOnly("invocationContext");
      },
    };
    const pre = Object.defineProperties({ inputs: initialInputs, functionCallback: fn.callback }, Object.getOwnPropertyDescriptors(shared));
    setState(coreContext, "preInvocationHooks");
    await runHooks(registry, "preInvocation", pre);
    setState(coreContext, undefined);

    const outcome: { inputs: unknown[]; result: unknown; error: unknown } = { inputs: pre.inputs, result: null, error: null };
    const post = Object.defineProperties(outcome, Object.getOwnPropertyDescriptors(shared));
    setState(coreContext, "invocation");
    try {
      post.result = await invocationModel.invokeFunction(context, pre.inputs, pre.functionCallback);
    } catch (error) {
      post.error = error;
    } finally {
      setState(coreContext, undefined);
    }
    setState(coreContext, "postInvocationHooks");
    await runHooks(registry, "postInvocation", post);
    setState(coreContext, undefined);
    if (post.error !== null && post.error !== undefined) throw post.error instanceof Error ? post.error : new Error(`the function threw a non-error: ${JSON.stringify(post.error)}`);

    const response = await invocationModel.getResponse(context, post.result);
    logger.log("information", systemCategory, `Executed 'Functions.${fn.name}' (Succeeded, Id=${invocationId}, Duration=${Math.round(performance.now() - started)}ms)`, identity);
    return { invocationId, response };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.log("error", systemCategory, `Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}, Duration=${Math.round(performance.now() - started)}ms)`, identity);
    logger.log("error", systemCategory, `Result: Failure\nException: ${error instanceof Error ? (error.stack ?? message) : message}`, identity);
    throw new InvocationError(`Function '${fn.name}' failed: ${message}`, invocationId, error);
  }
}

function setState(context: CoreInvocationContext, state: InvocationState | undefined): void {
  context.state = state;
}
