// `node dist/local/functions-host/cli.js --app <dir> [--port 7071]`: the local Functions host.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { AppConfigError, DEFAULT_PORT, HostStartError, formatFunctionList, startHost } from "./host.js";

const { values } = parseArgs({
  options: {
    app: { type: "string", default: "." },
    port: { type: "string", default: String(DEFAULT_PORT) },
    host: { type: "string", default: "127.0.0.1" },
  },
});

// One failing invocation must never take the host down, whatever its code leaves behind.
process.on("unhandledRejection", (reason) => {
  console.error(
    `[host] unhandled rejection in function code: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
  );
});
process.on("uncaughtException", (error) => {
  console.error(`[host] uncaught exception in function code: ${error.stack ?? error.message}`);
});

try {
  const host = await startHost({ appRoot: resolve(values.app), port: Number(values.port), host: values.host });
  console.log(`\n${formatFunctionList(host.functions)}`);
  console.log(`Host listening on ${host.url} (function key: x-functions-key or ?code=; admin API: master key)`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n[host] ${signal}: stopping`);
    void host.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`[host] stop failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
  // Started by `npm start` (which restarts a host that dies): tell it the host is up, and stop
  // when it is gone rather than serve on as an orphan holding the port.
  if (process.send !== undefined) {
    process.send({ type: "listening", url: host.url });
    process.once("disconnect", () => stop("launcher gone"));
  }
} catch (error) {
  console.error(error instanceof HostStartError || error instanceof AppConfigError ? error.message : error);
  process.exit(1);
}
