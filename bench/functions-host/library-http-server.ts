// A reference point for the Functions host benchmark (bench/functions-host/), between the bare
// node:http baseline and the host: node:http plus only the per-request work of the
// `@azure/functions` programming model itself, which any host running the library must do and
// which the real Azure worker does too (the library's HttpRequest over a WHATWG Request, the
// InvocationContext, and the handler's result turned into a Response and read back as bytes).
// No routing, keys, logging, hooks or in-flight tracking: what the host adds on top is the gap
// between this server and the host.
//
//   node dist/bench/functions-host/library-http-server.js --app <dir> [--port 0] [--host 127.0.0.1]
//
// The app must register exactly one HTTP function; every request, whatever its path, invokes it.
// Prints `Listening on http://<host>:<port>` once it listens; SIGTERM or SIGINT stops it.
import { createServer } from "node:http";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { serveUntilSignalled } from "../kit/serve.js";
import { entryPointFiles, loadEntryPoints } from "../../local/functions-host/app-loader.js";
import { installCoreModule } from "../../local/functions-host/core-module.js";
import type { CoreInvocationContext } from "../../local/functions-host/core-types.js";
import { httpResultOf, toRpcHttpRequest, writeHttpResult } from "../../local/functions-host/http-trigger.js";
import { FunctionRegistry } from "../../local/functions-host/registry.js";

const { values } = parseArgs({
  options: {
    app: { type: "string" },
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
  },
});
if (values.app === undefined) throw new Error("--app <dir> is required");

const registry = new FunctionRegistry();
installCoreModule(registry, () => undefined);
await loadEntryPoints(await entryPointFiles(resolve(values.app)));
registry.seal();
const httpFunctions = registry.functions().filter((fn) => fn.trigger.type.toLowerCase() === "httptrigger");
const [fn] = httpFunctions;
if (fn === undefined || httpFunctions.length > 1)
  throw new Error(`the app must register exactly one HTTP function, not ${httpFunctions.length}`);
const model = registry.programmingModel;
if (model === undefined) throw new Error("the app set no programming model: is @azure/functions installed?");
const outputBinding = Object.entries(fn.bindings).find(
  ([, binding]) => binding.direction === "out" && String(binding.type).toLowerCase() === "http",
)?.[0];
const emptyBody = Buffer.alloc(0);

let invocations = 0;
const server = createServer((request, response) => {
  const invocationId = String(++invocations);
  const url = new URL(request.url ?? "/", `http://${request.headers.host ?? "127.0.0.1"}`);
  const coreContext: CoreInvocationContext = {
    invocationId,
    request: {
      invocationId,
      functionId: fn.name,
      inputData: [{ name: fn.trigger.name, data: { http: toRpcHttpRequest(request, url, {}, emptyBody) } }],
      triggerMetadata: {},
    },
    metadata: fn.metadata,
    state: undefined,
    log: () => undefined,
  };
  void (async () => {
    const invocation = await model.getInvocationModel(coreContext);
    const { context, inputs } = await invocation.getArguments();
    const result = await invocation.invokeFunction(context, inputs, fn.callback);
    writeHttpResult(httpResultOf(await invocation.getResponse(context, result), outputBinding), response);
  })().catch((error: unknown) => {
    console.error(error);
    response.writeHead(500).end();
  });
});

serveUntilSignalled(server, values.port, values.host);
