// `npm run emulator:servicebus -- --port 5672 --config <file> [--data-dir <dir>]`
import { parseArgs } from "node:util";
import { ConfigError, start } from "./index.js";

const usage =
  "usage: emulator:servicebus -- --config <Config.json> [--port 5672] [--host 127.0.0.1] [--data-dir <dir>] [--key <SAS key>] [--key-name <name>]";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      port: { type: "string", default: "5672" },
      host: { type: "string", default: "127.0.0.1" },
      "data-dir": { type: "string" },
      key: { type: "string" },
      "key-name": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help || values.config === undefined) {
    console.log(usage);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new ConfigError(`--port must be 0..65535, got ${values.port}`);
  const logger = {
    info: (message: string) => console.log(`[service-bus] ${message}`),
    warn: (message: string) => console.warn(`[service-bus] warning: ${message}`),
    error: (message: string) => console.error(`[service-bus] error: ${message}`),
  };
  const emulator = await start({
    port,
    host: values.host,
    config: values.config,
    logger,
    ...(values["data-dir"] === undefined ? {} : { dataDir: values["data-dir"] }),
    ...(values.key === undefined ? {} : { key: values.key }),
    ...(values["key-name"] === undefined ? {} : { keyName: values["key-name"] }),
  });
  console.log(`[service-bus] connection string: ${emulator.connectionString}`);
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
