// `node dist/local/functions-host/cli.js --app <dir> [--port 7071]`: the local Functions host.
// With --await-dependencies (started by `npm start` with an IPC channel), it loads the app while
// the emulators start, then asks the launcher and waits for its answer before it listens.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { AppConfigError, DEFAULT_PORT, HostStartError, formatFunctionList, startHost } from "./host.js";

const { values } = parseArgs({
  options: {
    app: { type: "string", default: "." },
    port: { type: "string", default: String(DEFAULT_PORT) },
    host: { type: "string", default: "127.0.0.1" },
    "await-dependencies": { type: "boolean", default: false },
  },
});

/** The launcher's answer once the emulators the app needs are listening (see ../host-supervisor.ts). */
const DependenciesReady = z.object({ type: z.literal("dependencies-ready") });

/** Asks the launcher over IPC, and waits until it answers that the app's dependencies are up. */
function dependenciesReady(): Promise<void> {
  return new Promise((resolve, reject) => {
    const send = process.send?.bind(process);
    if (send === undefined) {
      reject(new HostStartError("--await-dependencies needs an IPC channel to the launcher"));
      return;
    }
    const onMessage = (message: unknown) => {
      if (!DependenciesReady.safeParse(message).success) return;
      process.off("message", onMessage);
      process.off("disconnect", onDisconnect);
      resolve();
    };
    const onDisconnect = () => {
      process.off("message", onMessage);
      reject(new HostStartError("the launcher went away before the app's dependencies were up"));
    };
    process.on("message", onMessage);
    process.once("disconnect", onDisconnect);
    send({ type: "waiting-for-dependencies" });
  });
}

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
  const host = await startHost({
    appRoot: resolve(values.app),
    port: Number(values.port),
    host: values.host,
    ...(values["await-dependencies"] ? { beforeListening: dependenciesReady } : {}),
  });
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
